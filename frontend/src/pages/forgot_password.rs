//! "Forgot password?" (`/forgot-password`): the person gives their address and is told that a
//! link is on its way if the address has an account. The page says the same whatever the
//! server knows, because the server answers the same.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use roster_shared::api::PasswordResetRequest;
use roster_shared::email::EmailAddress;

use crate::api;
use crate::components::field::{Input, TextField};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    // The sign-in page passes on what was typed there.
    let email = Input::with(query.with_untracked(|q| q.get("email")).unwrap_or_default());
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    // The address the link was asked for, and how long it works: the page's second state.
    let sent = RwSignal::new(None::<(String, u32)>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(address) = email.check(EmailAddress::parse) else {
            return;
        };
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let request = PasswordResetRequest {
                email: address.clone(),
            };
            match api::request_password_reset(&request).await {
                Ok(answer) => sent.set(Some((address.to_string(), answer.valid_minutes))),
                Err(error) => match error.field("email") {
                    Some(message) => email.fail(message),
                    None => failure.set(Some(error.message())),
                },
            }
            pending.set(false);
        });
    };

    view! {
        <section class="page narrow sign-in" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Forgot your password?"</h1>
            {move || failure.get().map(|message| view! {
                <div class="alert error" role="alert" data-test="forgot-error">{message}</div>
            })}
            {move || match sent.get() {
                Some((address, minutes)) => view! {
                    <div class="card" data-test="forgot-sent">
                        <div class="alert ok" role="status">
                            <p>"If an account exists for "<strong>{address}</strong>", we've sent a link to choose a new password."</p>
                        </div>
                        <p>{format!("The link works once, for {minutes} minutes. It can take a minute to arrive; check your spam folder too. Asking again sends a new link and the earlier one stops working.")}</p>
                        <div class="form-actions">
                            <button type="button" class="button ghost" on:click=move |_| sent.set(None) data-test="forgot-again">"Use another address"</button>
                            <a class="button primary" href="/sign-in">"Back to sign in"</a>
                        </div>
                    </div>
                }.into_any(),
                None => view! {
                    <form class="card form" on:submit=submit novalidate data-test="forgot-form">
                        <p>"Enter the email address you sign in with. We'll send you a link to choose a new password."</p>
                        <TextField id="forgot-email" label="Email address" value=email.value error=email.error input_type="email" autocomplete="username" autofocus=true/>
                        <div class="form-actions">
                            <a class="button ghost" href="/sign-in">"Back to sign in"</a>
                            <button class="button primary" type="submit" disabled=move || pending.get() data-test="forgot-submit">
                                {move || if pending.get() { "Sending…" } else { "Send me a link" }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
