//! Confirming a new email address (`/email/confirm#token=…`, the link mailed to the new
//! address): confirmed at once on opening, then says plainly what happened. The token stays
//! in the fragment, so it never reaches a server log. It works signed out too: the link may
//! be opened on another device than the one that asked for the change.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::load_error::LoadError;
use crate::link_token::use_link_token;
use crate::remote::Remote;
use crate::session::{Auth, use_session};

/// What the page tells the person after trying the link.
enum Outcome {
    Confirmed(String),
    Expired(String),
    AlreadyUsed(String),
    Taken(String),
    Failed(ApiError),
    Incomplete,
}

fn outcome(answer: &Result<Option<api::EmailConfirmed>, ApiError>) -> Outcome {
    match answer {
        Ok(Some(confirmed)) => Outcome::Confirmed(confirmed.email.to_string()),
        Ok(None) => Outcome::Incomplete,
        Err(error @ ApiError::Server { status, .. }) => match status {
            410 => Outcome::Expired(error.message()),
            404 => Outcome::AlreadyUsed(error.message()),
            409 => Outcome::Taken(error.message()),
            _ => Outcome::Failed(error.clone()),
        },
        Err(error) => Outcome::Failed(error.clone()),
    }
}

#[component]
pub fn EmailConfirmPage() -> impl IntoView {
    let session = use_session();
    let token = use_link_token();
    let answer = Remote::new(move || {
        let token = token.get();
        async move {
            match token {
                Some(token) => api::confirm_email(&token).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Signed in here: the header and profile show the new address at once.
    Effect::new(move |_| {
        if matches!(answer.value.get(), Some(Ok(Some(_))))
            && matches!(session.auth.get_untracked(), Auth::SignedIn(_))
        {
            leptos::task::spawn_local(async move {
                if let Ok(Some(info)) = api::session().await {
                    session.signed_in(info);
                }
            });
        }
    });
    let signed_in = move || matches!(session.auth.get(), Auth::SignedIn(_));
    let next_step = move || {
        if signed_in() {
            view! { <a class="button primary" href="/profile" data-test="confirm-next">"Go to your profile"</a> }
        } else {
            view! { <a class="button primary" href="/sign-in" data-test="confirm-next">"Sign in"</a> }
        }
    };
    view! {
        <section class="page narrow" aria-labelledby="confirm-title">
            {move || match answer.value.get() {
                None => view! {
                    <h1 id="confirm-title">"Confirming your email address"</h1>
                    <p class="muted" role="status">"Confirming…"</p>
                }.into_any(),
                Some(answer_value) => match outcome(&answer_value) {
                    Outcome::Confirmed(email) => view! {
                        <h1 id="confirm-title">"Email address confirmed"</h1>
                        <div class="card confirm-result" data-test="email-confirmed">
                            <div class="alert ok" role="status">
                                <p>"Your email address is now "<strong data-test="confirmed-email">{email}</strong>"."</p>
                            </div>
                            <p>"Sign in with it from now on; the old address no longer works for signing in. Your password stays the same."</p>
                            <div class="form-actions">{next_step}</div>
                        </div>
                    }.into_any(),
                    Outcome::Expired(message) => view! {
                        <h1 id="confirm-title">"This link has expired"</h1>
                        <div class="card confirm-result" data-test="email-expired">
                            <div class="alert warn" role="alert"><p>{message}</p></div>
                            <p>"Your email address has not changed. Enter the new address on your profile again to get a fresh link."</p>
                            <div class="form-actions">{next_step}</div>
                        </div>
                    }.into_any(),
                    Outcome::AlreadyUsed(message) => view! {
                        <h1 id="confirm-title">"This link was already used"</h1>
                        <div class="card confirm-result" data-test="email-used">
                            <div class="alert warn" role="alert"><p>{message}</p></div>
                            <p>"If you opened it before, your new address is already in place. Otherwise, ask for a new link from your profile."</p>
                            <div class="form-actions">{next_step}</div>
                        </div>
                    }.into_any(),
                    Outcome::Taken(message) => view! {
                        <h1 id="confirm-title">"This address is taken"</h1>
                        <div class="card confirm-result" data-test="email-taken">
                            <div class="alert error" role="alert"><p>{message}</p></div>
                            <p>"Your email address has not changed. Choose another address on your profile."</p>
                            <div class="form-actions">{next_step}</div>
                        </div>
                    }.into_any(),
                    Outcome::Incomplete => view! {
                        <h1 id="confirm-title">"Confirming your email address"</h1>
                        <div class="alert warn" role="alert" data-test="email-incomplete">
                            "This link is incomplete. Open the link from the confirmation email again, or copy all of it into the address bar."
                        </div>
                    }.into_any(),
                    Outcome::Failed(error) => view! {
                        <h1 id="confirm-title">"Confirming your email address"</h1>
                        <LoadError error=error retry=Callback::new(move |()| answer.reload()) test="email-confirm-error"/>
                    }.into_any(),
                },
            }}
        </section>
    }
}
