//! Choosing a new password from a "Forgot password?" link (`/reset-password#token=…`). The
//! token stays in the fragment, so it never reaches a server log. The page first asks what
//! the link is for (so a used or expired link says so before anything is typed), then takes
//! the new password twice, checked with the same rule the server uses. Afterwards the person
//! signs in as every day: a reset never signs in, so the second step, when it is on, is still
//! asked for.

use leptos::prelude::*;
use roster_shared::api::{PasswordResetCompletion, PasswordResetView};
use roster_shared::password::NewPassword;

use crate::api::{self, ApiError};
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::link_token::use_link_token;
use crate::remote::Remote;
use crate::session::{Auth, use_session};

/// Why a link cannot be used, as the page explains it.
#[derive(Clone)]
enum Dead {
    /// Used already, or replaced by a newer link.
    Used(String),
    Expired(String),
}

fn dead(error: &ApiError) -> Option<Dead> {
    match error {
        ApiError::Server { status: 404, .. } => Some(Dead::Used(error.message())),
        ApiError::Server { status: 410, .. } => Some(Dead::Expired(error.message())),
        _ => None,
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_link_token();
    let link = Remote::new(move || {
        let token = token.get();
        async move {
            match token {
                Some(token) => api::inspect_password_reset(&token).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Set when choosing the password found the link dead (used meanwhile, or expired).
    let died = RwSignal::new(None::<Dead>);
    // The address whose password was changed.
    let done = RwSignal::new(None::<String>);
    view! {
        <section class="page narrow sign-in" aria-labelledby="reset-title">
            {move || {
                if let Some(email) = done.get() {
                    return view! { <Done email/> }.into_any();
                }
                if let Some(why) = died.get() {
                    return view! { <DeadLink why/> }.into_any();
                }
                match link.value.get() {
                    None => view! {
                        <h1 id="reset-title">"Choose a new password"</h1>
                        <p class="muted" role="status">"Loading…"</p>
                    }.into_any(),
                    Some(Ok(None)) => view! {
                        <h1 id="reset-title">"Choose a new password"</h1>
                        <div class="alert warn" role="alert" data-test="reset-incomplete">
                            "This link is incomplete. Open the link from the email again, or copy all of it into the address bar."
                        </div>
                        <a class="button" href="/forgot-password">"Send me a new link"</a>
                    }.into_any(),
                    Some(Err(error)) => match dead(&error) {
                        Some(why) => view! { <DeadLink why/> }.into_any(),
                        None => view! {
                            <h1 id="reset-title">"Choose a new password"</h1>
                            <LoadError error=error retry=Callback::new(move |()| link.reload())/>
                        }.into_any(),
                    },
                    Some(Ok(Some(view))) => view! {
                        <NewPasswordForm
                            view
                            token=token.get_untracked().unwrap_or_default()
                            on_done=Callback::new(move |email| done.set(Some(email)))
                            on_dead=Callback::new(move |why| died.set(Some(why)))
                        />
                    }.into_any(),
                }
            }}
        </section>
    }
}

#[component]
fn DeadLink(
    /// Why the link cannot be used.
    why: Dead,
) -> impl IntoView {
    let (title, message, test, hint) = match why {
        Dead::Used(message) => (
            "This link was already used",
            message,
            "reset-used",
            "If you chose a new password with it, sign in with that password. Otherwise ask for a new link.",
        ),
        Dead::Expired(message) => (
            "This link has expired",
            message,
            "reset-expired",
            "Links work for a short time only, so that an old email cannot change your password. Ask for a new one.",
        ),
    };
    view! {
        <h1 id="reset-title">{title}</h1>
        <div class="card confirm-result" data-test=test>
            <div class="alert warn" role="alert"><p>{message}</p></div>
            <p>{hint}</p>
            <div class="form-actions">
                <a class="button ghost" href="/sign-in">"Sign in"</a>
                <a class="button primary" href="/forgot-password" data-test="reset-ask-again">"Send me a new link"</a>
            </div>
        </div>
    }
}

#[component]
fn Done(
    /// The address whose password was changed.
    email: String,
) -> impl IntoView {
    view! {
        <h1 id="reset-title">"Password changed"</h1>
        <div class="card confirm-result" data-test="reset-done">
            <div class="alert ok" role="status">
                <p>"The password for "<strong>{email}</strong>" is changed, and every device that was signed in is signed out."</p>
            </div>
            <p>"Sign in with your new password. If you use an authenticator app, you will be asked for a code as usual."</p>
            <div class="form-actions">
                <a class="button primary" href="/sign-in" data-test="reset-sign-in">"Sign in"</a>
            </div>
        </div>
    }
}

#[component]
fn NewPasswordForm(
    /// What the link is for.
    view: PasswordResetView,
    /// The link's token.
    token: String,
    /// Receives the address once the password is changed.
    on_done: Callback<String>,
    /// Told when the link turns out to be used or expired.
    on_dead: Callback<Dead>,
) -> impl IntoView {
    let session = use_session();
    let password = Input::new();
    let again = Input::new();
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let email = StoredValue::new(view.email.to_string());
    let token = StoredValue::new(token);
    let check_password =
        move || email.with_value(|e| password.check(|p| NewPassword::parse_for(p, e)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = check_password();
        let typed = password.value.get_untracked();
        let same = again.check(|p| {
            if p == typed {
                Ok(())
            } else {
                Err("the two passwords differ")
            }
        });
        let (Some(parsed), Some(())) = (parsed, same) else {
            return;
        };
        let request = PasswordResetCompletion {
            token: token.get_value(),
            password: parsed,
        };
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::complete_password_reset(&request).await {
                Ok(done) => {
                    // Every session of the person ended, this browser's too if it had one.
                    if matches!(session.auth.get_untracked(), Auth::SignedIn(_)) {
                        session.signed_out();
                    }
                    on_done.run(done.email.to_string());
                }
                Err(error) => match (dead(&error), error.field("password")) {
                    (Some(why), _) => on_dead.run(why),
                    (None, Some(message)) => password.fail(message),
                    (None, None) => failure.set(Some(error.message())),
                },
            }
            pending.set(false);
        });
    };
    view! {
        <h1 id="reset-title">"Choose a new password"</h1>
        {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="reset-error">{m}</div> })}
        <form class="card form" on:submit=submit novalidate data-test="reset-form">
            <p>"For "<strong data-test="reset-email">{email.get_value()}</strong>{format!(" · this link works until {}", crate::locale::date_time(view.expires_at))}</p>
            // Checked when sent, not when a field is left, like everywhere a password is chosen.
            <TextField id="reset-password" label="New password" value=password.value error=password.error input_type="password"
                autocomplete="new-password" autofocus=true hint="At least 10 characters. A few unrelated words make a good one."/>
            <TextField id="reset-password-again" label="New password again" value=again.value error=again.error input_type="password"
                autocomplete="new-password"/>
            <p class="muted small">"Choosing a new password signs you out on every device."</p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="reset-submit">
                    {move || if pending.get() { "Saving…" } else { "Save new password" }}
                </button>
            </div>
        </form>
    }
}
