//! Signing in: email and password, then a code when two-factor authentication is on; or a
//! passkey, both steps at once. "Forgot password?" leads to asking for a link to choose a new
//! one.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    PasskeySignInRequest, SignInOutcome, SignInRequest, SsoFailure, SsoStartRequest,
    TotpSignInRequest,
};
use roster_shared::redirect::LocalPath;

use crate::api;
use crate::components::field::{Input, TextField};
use crate::remote::Remote;
use crate::session::{Auth, use_session};
use crate::webauthn;

/// Where to go after signing in: the `next` parameter if it is a path of this app (the shared
/// rule: nothing that a browser would read as another site), and not this page again.
fn destination(next: Option<String>) -> String {
    next.and_then(|n| LocalPath::parse(&n).ok())
        .filter(|path| !path.as_str().starts_with("/sign-in"))
        .map_or_else(|| "/".to_owned(), LocalPath::into_string)
}

/// "Forgot password?", carrying the address typed so far so that it need not be typed again.
fn forgot_link(typed: &str) -> String {
    match typed.trim() {
        "" => "/forgot-password".to_owned(),
        email => format!("/forgot-password?email={}", crate::url::query_value(email)),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = Input::new();
    let password = Input::new();
    let code = Input::new();
    let challenge = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let setup = Remote::new(api::setup_status);
    let methods = Remote::new(api::sign_in_methods);

    // Already signed in (another tab, or the back button): go on.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if let Auth::SignedIn(_) = session.auth.get() {
                navigate(
                    &destination(query.get_untracked().get("next")),
                    Default::default(),
                );
            }
        });
    }

    let finish = move |outcome: SignInOutcome| match outcome {
        SignInOutcome::SignedIn { session: info } => session.signed_in(info),
        SignInOutcome::TotpRequired { challenge: token } => {
            code.value.set(String::new());
            challenge.set(Some(token));
        }
    };

    let submit_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SignInRequest {
            email: email.value.get_untracked(),
            password: password.value.get_untracked(),
        };
        if request.email.trim().is_empty() || request.password.is_empty() {
            failure.set(Some("Enter your email address and password.".into()));
            return;
        }
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::sign_in(&request).await {
                Ok(outcome) => finish(outcome),
                Err(error) => {
                    password.value.set(String::new());
                    failure.set(Some(error.message()));
                }
            }
            pending.set(false);
        });
    };

    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(token) = challenge.get_untracked() else {
            return;
        };
        let request = TotpSignInRequest {
            challenge: token,
            code: code.value.get_untracked(),
        };
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::sign_in_totp(&request).await {
                Ok(outcome) => finish(outcome),
                Err(error) => {
                    if error.code() == Some(ErrorCode::ChallengeExpired) {
                        challenge.set(None);
                        password.value.set(String::new());
                    }
                    code.value.set(String::new());
                    failure.set(Some(error.message()));
                }
            }
            pending.set(false);
        });
    };

    let with_passkey = move |_| {
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let ceremony = api::passkey_challenge()
                    .await
                    .map_err(|error| error.message())?;
                let credential = webauthn::get(&ceremony.options).await?;
                api::sign_in_passkey(&PasskeySignInRequest {
                    ceremony: ceremony.ceremony,
                    credential,
                })
                .await
                .map_err(|error| error.message())
            }
            .await;
            match outcome {
                Ok(outcome) => finish(outcome),
                Err(message) => failure.set(Some(message)),
            }
            pending.set(false);
        });
    };
    // "Continue with SSO": the address typed picks the organisation's provider.
    let with_sso = move |_| {
        let typed = email.value.get_untracked();
        if typed.trim().is_empty() {
            email.fail("enter your work email address, then choose Continue with SSO");
            return;
        }
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::sso_start(&SsoStartRequest { email: typed }).await {
                Ok(redirect) => {
                    // Away to the provider; it sends the browser back signed in.
                    let _ = window().location().assign(&redirect.url);
                }
                Err(error) => {
                    failure.set(Some(error.message()));
                    pending.set(false);
                }
            }
        });
    };
    // Back from the provider without a session: why.
    let sso_failure = move || {
        query
            .get()
            .get("sso")
            .and_then(|code| SsoFailure::parse(&code))
            .map(SsoFailure::explanation)
    };
    let passkeys_here = move || {
        methods
            .value
            .get()
            .and_then(|m| m.ok())
            .is_some_and(|m| webauthn::usable_here(m.passkey_origin.as_deref()))
    };

    view! {
        <section class="page narrow sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in to Roster"</h1>
            {move || setup.value.get().and_then(|s| s.ok()).filter(|s| s.required).map(|_| view! {
                <div class="alert info" role="status">
                    "Roster has not been set up yet. Open the setup link that the server printed when it started."
                </div>
            })}
            {move || session.ended.get().map(|why| view! {
                <div class="alert info" role="status" data-test="session-ended">{why.explanation()}</div>
            })}
            {move || failure.get().map(|message| view! { <div class="alert error" role="alert" data-test="sign-in-error">{message}</div> })}
            {move || (failure.get().is_none()).then(sso_failure).flatten().map(|message| view! {
                <div class="alert error" role="alert" data-test="sso-error">{message}</div>
            })}
            <Show
                when=move || challenge.get().is_some()
                fallback=move || view! {
                    <form class="card form" on:submit=submit_password novalidate>
                        <TextField id="email" label="Email address" value=email.value error=email.error input_type="email" autocomplete="username" autofocus=true/>
                        <TextField id="password" label="Password" value=password.value error=password.error input_type="password" autocomplete="current-password"/>
                        <p class="forgot-link">
                            <a href=move || forgot_link(&email.value.get()) data-test="forgot-password">"Forgot password?"</a>
                        </p>
                        <div class="form-actions">
                            <button class="button primary wide" type="submit" disabled=move || pending.get() data-test="sign-in-submit">
                                {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                            </button>
                        </div>
                    </form>
                    <div class="sign-in-alternatives">
                        <p class="divider" aria-hidden="true"><span>"or"</span></p>
                        <Show when=passkeys_here>
                            <button class="button wide" type="button" on:click=with_passkey disabled=move || pending.get() data-test="sign-in-passkey">
                                "Sign in with a passkey"
                            </button>
                        </Show>
                        <button class="button wide" type="button" on:click=with_sso disabled=move || pending.get() data-test="sign-in-sso">
                            "Continue with SSO"
                        </button>
                        <p class="muted small center">"Single sign-on uses the email address above to find your organisation."</p>
                    </div>
                }
            >
                <form class="card form" on:submit=submit_code novalidate>
                    <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                    <TextField id="totp-code" label="Code" value=code.value error=code.error autocomplete="one-time-code" autofocus=true/>
                    <div class="form-actions">
                        <button class="button ghost" type="button" on:click=move |_| { challenge.set(None); failure.set(None); }>"Back"</button>
                        <button class="button primary" type="submit" disabled=move || pending.get() data-test="totp-submit">"Verify"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{destination, forgot_link};

    #[test]
    fn forgot_password_keeps_what_was_typed() {
        assert_eq!(forgot_link("  "), "/forgot-password");
        assert_eq!(
            forgot_link(" ana+x@acme.example "),
            "/forgot-password?email=ana%2Bx%40acme.example"
        );
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(destination(Some("/profile".into())), "/profile");
        assert_eq!(destination(Some("//evil.example".into())), "/");
        assert_eq!(destination(Some("https://evil.example".into())), "/");
        assert_eq!(destination(Some("/sign-in".into())), "/");
        assert_eq!(destination(None), "/");
        assert_eq!(
            destination(Some("/invitations/accept#token=abc".into())),
            "/invitations/accept#token=abc"
        );
        // Browsers read a backslash as a slash, and drop tabs: both would be `//evil.example`.
        assert_eq!(destination(Some("/\\evil.example".into())), "/");
        assert_eq!(destination(Some("/\t/evil.example".into())), "/");
        assert_eq!(destination(Some("/%2F%2Fevil.example".into())), "/");
    }
}
