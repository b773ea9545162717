//! `ApiClient`: one browser's worth of API access (its own cookie jar), which sends the
//! CSRF token on every state-changing request once signed in, like the SPA does.

use std::sync::{Arc, Mutex};

use reqwest::{Method, Response};
use roster_shared::api::{SessionInfo, SignInOutcome, SignInRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Clone)]
pub struct ApiClient {
    pub http: reqwest::Client,
    base: String,
    csrf: Arc<Mutex<Option<String>>>,
}

impl ApiClient {
    pub fn new(base: &str) -> Self {
        Self::with_user_agent(
            base,
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
        )
    }

    pub fn with_user_agent(base: &str, user_agent: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        ApiClient {
            http,
            base: base.to_owned(),
            csrf: Arc::new(Mutex::new(None)),
        }
    }

    /// The same browser (cookie jar and CSRF token) talking to another server, e.g. a second
    /// replica on the same database.
    pub fn on(&self, base: &str) -> Self {
        ApiClient {
            http: self.http.clone(),
            base: base.to_owned(),
            csrf: Arc::clone(&self.csrf),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The CSRF token this client sends (from its last sign-in or session answer).
    pub fn csrf(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    pub fn set_csrf(&self, token: Option<String>) {
        *self.csrf.lock().unwrap() = token;
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut builder = self.http.request(method.clone(), self.url(path));
        if !method.is_safe()
            && let Some(token) = self.csrf()
        {
            builder = builder.header("x-csrf-token", token);
        }
        builder
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post(&self, path: &str, body: &impl Serialize) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_empty(&self, path: &str) -> Response {
        self.request(Method::POST, path)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn put(&self, path: &str, body: &impl Serialize) -> Response {
        self.request(Method::PUT, path)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn patch(&self, path: &str, body: &impl Serialize) -> Response {
        self.request(Method::PATCH, path)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn delete_json(&self, path: &str, body: &impl Serialize) -> Response {
        self.request(Method::DELETE, path)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// `GET` a path that must answer 200 with `T`.
    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        expect_json(response, 200).await
    }

    /// Tries to sign in with a password (the answer is returned as it is).
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/sign-in",
            &SignInRequest {
                email: email.into(),
                password: password.into(),
            },
        )
        .await
    }

    /// Signs in and expects to be signed in at once (no second factor).
    pub async fn sign_in_ok(&self, email: &str, password: &str) -> SessionInfo {
        match expect_json(self.sign_in(email, password).await, 200).await {
            SignInOutcome::SignedIn { session } => {
                self.adopt(&session);
                session
            }
            other => panic!("expected to be signed in, got {other:?}"),
        }
    }

    /// Remembers the CSRF token of a session answer (setup, second sign-in step).
    pub fn adopt(&self, session: &SessionInfo) {
        self.set_csrf(Some(session.csrf_token.clone()));
    }
}

/// Asserts the status, then decodes the body (printing it when it is not what was expected).
pub async fn expect_json<T: DeserializeOwned>(response: Response, status: u16) -> T {
    let actual = response.status().as_u16();
    let url = response.url().clone();
    let text = response.text().await.expect("a body");
    assert_eq!(actual, status, "{url} answered {actual}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: unexpected body {text}: {e}"))
}

/// Asserts an error answer: its status and `code`; returns the message.
pub async fn expect_error(response: Response, status: u16, code: &str) -> String {
    let body: roster_shared::api::ErrorBody = expect_json(response, status).await;
    assert_eq!(body.code, code, "{}", body.message);
    body.message
}
