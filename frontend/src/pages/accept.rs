//! Accepting an invitation (`/invitations/accept#token=…`, the link in the email): what the
//! invitation offers, then either a new profile (name, password, optional mobile) or, for
//! someone who already has a Roster identity, signing in as the invited address and
//! confirming. The token stays in the fragment, so it never reaches a server log.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use roster_shared::api::{AcceptInvitationRequest, InvitationView, NewProfile, SignInOutcome};
use roster_shared::country::CountryCode;
use roster_shared::invitation::InvitationStatus;
use roster_shared::name::PersonName;
use roster_shared::password::NewPassword;
use roster_shared::phone::PhoneNumber;

use crate::api::{self, ApiError};
use crate::components::country_picker::{CountryPicker, browser_country};
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::link_token::use_link_token;
use crate::remote::Remote;
use crate::session::{Auth, use_session};

/// The sign-in address that comes back to this invitation afterwards (the token included).
pub fn sign_in_link(token: &str) -> String {
    crate::url::sign_in_then(&format!("/invitations/accept#token={token}"))
}

#[component]
pub fn AcceptPage() -> impl IntoView {
    let token = use_link_token();
    let invitation = Remote::new(move || {
        let token = token.get();
        async move {
            match token {
                Some(token) => api::inspect_invitation(&token).await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <section class="page narrow" aria-labelledby="accept-title">
            {move || match invitation.value.get() {
                None => view! {
                    <h1 id="accept-title">"Invitation"</h1>
                    <p class="muted" role="status">"Loading…"</p>
                }.into_any(),
                Some(Ok(None)) => view! {
                    <h1 id="accept-title">"Invitation"</h1>
                    <div class="alert warn" role="alert">"This link is incomplete. Open the link from your invitation email again."</div>
                }.into_any(),
                Some(Err(ApiError::Server { status: 404, .. })) => view! {
                    <h1 id="accept-title">"Invitation"</h1>
                    <div class="alert warn" role="alert" data-test="accept-unknown">
                        "This invitation link does not work (any more): it was used already, revoked, or replaced by a newer invitation. Ask the person who invited you for a new one."
                    </div>
                    <a class="button" href="/sign-in">"Sign in"</a>
                }.into_any(),
                Some(Err(error)) => view! {
                    <h1 id="accept-title">"Invitation"</h1>
                    <LoadError error=error retry=Callback::new(move |()| invitation.reload())/>
                }.into_any(),
                Some(Ok(Some(offer))) => {
                    let token = token.get_untracked().unwrap_or_default();
                    let inviter = offer.inviter.clone().unwrap_or_else(|| "the person who invited you".into());
                    match offer.status {
                        InvitationStatus::Expired => view! {
                            <h1 id="accept-title">"Invitation expired"</h1>
                            <div class="alert warn" role="alert" data-test="accept-expired">
                                {format!("This invitation expired on {}. Ask {inviter} for a new one.", crate::locale::date(offer.expires_at))}
                            </div>
                        }.into_any(),
                        InvitationStatus::Accepted => view! {
                            <h1 id="accept-title">"Invitation already accepted"</h1>
                            <div class="alert info" role="status" data-test="accept-accepted">
                                <p>"This invitation has been accepted already. Sign in to use Roster."</p>
                                <a class="button" href="/sign-in">"Sign in"</a>
                            </div>
                        }.into_any(),
                        InvitationStatus::Pending => view! { <Offer offer token/> }.into_any(),
                    }
                }
            }}
        </section>
    }
}

#[component]
fn Offer(
    /// What the invitation offers.
    offer: InvitationView,
    /// The invitation's token (from the link).
    token: String,
) -> impl IntoView {
    let session = use_session();
    let navigate = StoredValue::new(use_navigate());
    let headline = match &offer.inviter {
        Some(inviter) => format!("{inviter} invited you to {}", offer.organisation),
        None => format!("You are invited to {}", offer.organisation),
    };
    let email = offer.email.to_string();
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let token = StoredValue::new(token);
    let finish = move |outcome: Result<SignInOutcome, ApiError>| match outcome {
        Ok(SignInOutcome::SignedIn { session: info }) => {
            session.signed_in(info);
            navigate.with_value(|n| n("/", Default::default()));
        }
        Ok(SignInOutcome::TotpRequired { .. }) => {
            let link = sign_in_link(&token.get_value());
            navigate.with_value(|n| n(&link, Default::default()));
        }
        Err(error) => failure.set(Some(error.message())),
    };
    let accept_signed_in = move |_| {
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let request = AcceptInvitationRequest {
                token: token.get_value(),
                profile: None,
            };
            finish(api::accept_invitation(&request).await);
            pending.set(false);
        });
    };
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::sign_out().await;
            session.signed_out();
        });
    };
    let invited_key = offer.email.key();
    let has_identity = offer.has_identity;
    let emailed_link_required = offer.emailed_link_required;
    let email_for_form = email.clone();
    // Through the organisation's identity provider: coming back accepts the invitation.
    let sso = offer.sso.then(|| {
        let email = email.clone();
        view! {
            <div class="card" data-test="accept-sso">
                <p>{format!("{} signs in through its identity provider.", offer.organisation)}</p>
                <button type="button" class="button primary" data-test="accept-with-sso" disabled=move || pending.get()
                    on:click=move |_| {
                        let email = email.clone();
                        pending.set(true);
                        leptos::task::spawn_local(async move {
                            match api::sso_start(&roster_shared::api::SsoStartRequest { email }).await {
                                Ok(redirect) => {
                                    let _ = window().location().assign(&redirect.url);
                                }
                                Err(error) => {
                                    failure.set(Some(error.message()));
                                    pending.set(false);
                                }
                            }
                        });
                    }>"Continue with SSO"</button>
            </div>
        }
    });
    view! {
        <h1 id="accept-title">"Join "{offer.organisation.to_string()}</h1>
        <div class="card" data-test="accept-offer">
            <p class="big">{headline}</p>
            <p class="muted">{format!("For {email} · valid until {}", crate::locale::date(offer.expires_at))}</p>
            <h2>"Your access"</h2>
            <ul class="offer-list" data-test="offered-access">
                {offer.access.iter().map(|a| view! {
                    <li><strong>{a.account_name.to_string()}</strong>": "{a.role.label()}<span class="muted small">{format!(" — {}", a.role.description())}</span></li>
                }).collect_view()}
            </ul>
        </div>
        {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="accept-error">{m}</div> })}
        {sso}
        {move || if emailed_link_required {
            view! { <EmailedLinkRequired email=email_for_form.clone() token=token.get_value()/> }.into_any()
        } else if !has_identity {
            view! { <NewProfileForm email=email_for_form.clone() token=token.get_value() on_done=Callback::new(finish)/> }.into_any()
        } else {
            match session.auth.get() {
                Auth::Checking => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Auth::SignedOut => view! {
                    <div class="card">
                        <p>{format!("{} already has a Roster sign-in. Sign in with it to accept.", email)}</p>
                        <a class="button primary" href=sign_in_link(&token.get_value()) data-test="sign-in-to-accept">"Sign in to accept"</a>
                    </div>
                }.into_any(),
                Auth::SignedIn(info) if info.user.email.key() == invited_key => view! {
                    <div class="card">
                        <p>{format!("You are signed in as {}.", info.user.email)}</p>
                        <div class="form-actions">
                            <button type="button" class="button primary" on:click=accept_signed_in disabled=move || pending.get() data-test="accept-invitation">
                                "Accept invitation"
                            </button>
                        </div>
                    </div>
                }.into_any(),
                Auth::SignedIn(info) => view! {
                    <div class="card">
                        <p data-test="accept-wrong-person">{format!(
                            "You are signed in as {}, but this invitation is for {}. Sign out, then sign in as {} to accept it.",
                            info.user.email, email, email
                        )}</p>
                        <button type="button" class="button" on:click=sign_out>"Sign out"</button>
                    </div>
                }.into_any(),
            }
        }}
    }
}

/// For a link an admin copied, when the invited address has no Roster sign-in yet: the profile
/// is only created from the invitation emailed to the address, which this can send again.
#[component]
fn EmailedLinkRequired(
    /// The invited address.
    email: String,
    /// The invitation's token (from the link).
    token: String,
) -> impl IntoView {
    let emailed = RwSignal::new(None::<Result<(), String>>);
    let pending = RwSignal::new(false);
    let token = StoredValue::new(token);
    let email_me = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = api::email_invitation(&token.get_value())
                .await
                .map_err(|error| error.message());
            emailed.set(Some(outcome));
            pending.set(false);
        });
    };
    let button_label = format!("Email the invitation to {email}");
    let sent = format!(
        "The invitation is on its way to {email}. It can take a minute to arrive; look in spam too."
    );
    view! {
        <div class="card" data-test="emailed-link-required">
            <h2>"Open the invitation in your email"</h2>
            <p>{format!(
                "This link was passed on to you. To keep {email} safe, a new Roster account for it is only set up from the invitation emailed to that address: open that email and follow its link."
            )}</p>
            {move || match emailed.get() {
                None => view! {
                    <button type="button" class="button" on:click=email_me disabled=move || pending.get() data-test="email-invitation">
                        {button_label.clone()}
                    </button>
                }.into_any(),
                Some(Ok(())) => view! {
                    <p role="status" data-test="invitation-emailed">{sent.clone()}</p>
                }.into_any(),
                Some(Err(message)) => view! {
                    <div class="alert error" role="alert">{message}</div>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn NewProfileForm(
    /// The invited address (the password may not be it).
    email: String,
    /// The invitation's token.
    token: String,
    /// Receives the server's answer.
    on_done: Callback<Result<SignInOutcome, ApiError>>,
) -> impl IntoView {
    let name = Input::new();
    let password = Input::new();
    let again = Input::new();
    let mobile = Input::new();
    let country = RwSignal::new(
        browser_country().unwrap_or_else(|| CountryCode::parse("US").expect("a known code")),
    );
    let pending = RwSignal::new(false);
    let email = StoredValue::new(email);
    let token = StoredValue::new(token);
    let check_password =
        move || email.with_value(|e| password.check(|p| NewPassword::parse_for(p, e)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed_name = name.check(PersonName::parse);
        let parsed_password = check_password();
        let typed = password.value.get_untracked();
        let same = again.check(|p| {
            if p == typed {
                Ok(())
            } else {
                Err("the two passwords differ")
            }
        });
        let typed_mobile = mobile.value.get_untracked();
        let chosen = country.get_untracked();
        let phone_ok = if typed_mobile.trim().is_empty() {
            mobile.error.set(None);
            true
        } else {
            mobile.check(|m| PhoneNumber::parse(m, chosen)).is_some()
        };
        let (Some(parsed_name), Some(parsed_password), Some(()), true) =
            (parsed_name, parsed_password, same, phone_ok)
        else {
            return;
        };
        let has_mobile = !typed_mobile.trim().is_empty();
        let request = AcceptInvitationRequest {
            token: token.get_value(),
            profile: Some(NewProfile {
                name: parsed_name,
                password: parsed_password,
                mobile: has_mobile.then(|| typed_mobile.trim().to_owned()),
                country: has_mobile.then_some(chosen),
            }),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = api::accept_invitation(&request).await;
            if let Err(error) = &outcome {
                for (input, field) in [(name, "name"), (password, "password"), (mobile, "mobile")] {
                    if let Some(message) = error
                        .field(field)
                        .or_else(|| error.field(&format!("profile.{field}")))
                    {
                        input.fail(message);
                    }
                }
            }
            on_done.run(outcome);
            pending.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=submit novalidate data-test="accept-form">
            <h2>"Create your profile"</h2>
            <p class="muted">{format!("You will sign in with {} and this password.", email.get_value())}</p>
            // Checked when sent, not when a field is left: an error appearing as focus leaves
            // would move the button away from under the pointer.
            <TextField id="accept-name" label="Your name" value=name.value error=name.error autocomplete="name" autofocus=true/>
            <TextField id="accept-password" label="Password" value=password.value error=password.error input_type="password"
                autocomplete="new-password" hint="At least 10 characters. A few unrelated words make a good one."/>
            <TextField id="accept-password-again" label="Password again" value=again.value error=again.error input_type="password"
                autocomplete="new-password"/>
            <div class="phone-row">
                <div class="field">
                    <label for="accept-country">"Country"</label>
                    <CountryPicker id="accept-country" value=country/>
                </div>
                <TextField id="accept-mobile" label="Mobile (optional)" value=mobile.value error=mobile.error input_type="tel"
                    autocomplete="tel"/>
            </div>
            <p class="hint muted small">"A mobile number without + is read with the chosen country's calling code."</p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="accept-submit">
                    {move || if pending.get() { "Joining…" } else { "Accept and join" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::sign_in_link;

    #[test]
    fn signing_in_comes_back_with_the_token() {
        assert_eq!(
            sign_in_link("abc_D-1"),
            "/sign-in?next=/invitations/accept%23token%3Dabc_D-1"
        );
    }
}
