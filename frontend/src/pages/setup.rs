//! First-run setup: the first top-level account and its Owner.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use roster_shared::api::{SetupRequest, SignInOutcome};
use roster_shared::email::EmailAddress;
use roster_shared::name::{AccountName, PersonName};
use roster_shared::password::NewPassword;

use crate::api;
use crate::components::field::{Input, TextField};
use crate::remote::Remote;
use crate::session::use_session;

#[component]
pub fn SetupPage() -> impl IntoView {
    let location = use_location();
    let token = move || {
        let hash = location.hash.get();
        hash.trim_start_matches('#')
            .strip_prefix("token=")
            .map(str::to_owned)
    };
    let status = Remote::new(api::setup_status);
    view! {
        <section class="page narrow" aria-labelledby="setup-title">
            <h1 id="setup-title">"Set up Roster"</h1>
            {move || match status.value.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(result) => match result {
                    Err(error) => view! { <div class="alert error" role="alert">{error.message()}</div> }.into_any(),
                    Ok(status) if !status.required => view! {
                        <div class="card">
                            <p>"Roster is already set up."</p>
                            <a class="button primary" href="/sign-in">"Sign in"</a>
                        </div>
                    }.into_any(),
                    Ok(status) => match token() {
                        None => view! {
                            <div class="alert warn" role="alert">
                                <p>"Open the setup link that the server printed when it started. It contains a one-time code."</p>
                            </div>
                        }.into_any(),
                        Some(token) => view! { <SetupForm token plans=status.plans/> }.into_any(),
                    },
                },
            }}
        </section>
    }
}

#[component]
fn SetupForm(
    /// The one-time token from the link.
    token: String,
    /// The plans to choose from.
    plans: Vec<roster_shared::api::PlanInfo>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let account = Input::new();
    let plan = RwSignal::new(
        plans
            .iter()
            .find(|p| p.key == "team")
            .or(plans.first())
            .map(|p| p.key.clone())
            .unwrap_or_default(),
    );
    let name = Input::new();
    let email = Input::new();
    let password = Input::new();
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);

    let check_password = move || {
        let typed_email = email.value.get_untracked();
        password.check(|p| NewPassword::parse_for(p, &typed_email))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let account_name = account.check(AccountName::parse);
        let owner_name = name.check(PersonName::parse);
        let address = email.check(EmailAddress::parse);
        let secret = check_password();
        let (Some(account_name), Some(owner_name), Some(address), Some(secret)) =
            (account_name, owner_name, address, secret)
        else {
            failure.set(Some("Please correct the fields marked below.".into()));
            return;
        };
        let request = SetupRequest {
            token: token.clone(),
            account_name,
            plan: plan.get_untracked(),
            owner_name,
            email: address,
            password: secret,
        };
        pending.set(true);
        failure.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::set_up(&request).await {
                Ok(SignInOutcome::SignedIn { session: info }) => {
                    session.signed_in(info);
                    navigate("/", Default::default());
                }
                Ok(SignInOutcome::TotpRequired { .. }) => navigate("/sign-in", Default::default()),
                Err(error) => {
                    for (input, field) in [
                        (account, "account_name"),
                        (name, "owner_name"),
                        (email, "email"),
                        (password, "password"),
                    ] {
                        if let Some(message) = error.field(field) {
                            input.fail(message);
                        }
                    }
                    failure.set(Some(error.message()));
                }
            }
            pending.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=submit novalidate>
            <p class="muted">"Create the first account and its Owner. You can invite everyone else afterwards."</p>
            {move || failure.get().map(|message| view! { <div class="alert error" role="alert">{message}</div> })}
            <fieldset>
                <legend>"Account"</legend>
                <TextField id="account-name" label="Account name" value=account.value error=account.error
                    hint="Your company or team, as people will see it." autofocus=true
                    on_blur=move || { if !account.value.get_untracked().is_empty() { account.check(AccountName::parse); } }/>
                <div class="field" role="radiogroup" aria-labelledby="plan-label">
                    <p class="label" id="plan-label">"Plan"</p>
                    <div class="plan-choices">
                        {plans.into_iter().map(|p| {
                            let key = p.key.clone();
                            let key_for_check = p.key.clone();
                            let id = format!("plan-{}", p.key);
                            let label_for = id.clone();
                            view! {
                                <label class="plan-choice" for=label_for>
                                    <input type="radio" name="plan" id=id value=p.key.clone()
                                        prop:checked=move || plan.get() == key_for_check
                                        on:change=move |_| plan.set(key.clone())/>
                                    <span class="plan-name">{p.name}</span>
                                    <span class="plan-seats">{format!("{} seats included", p.included_seats)}</span>
                                    <span class="plan-price muted">{format!("{} per extra seat", crate::locale::money(p.extra_seat_price))}</span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Owner (you)"</legend>
                <TextField id="owner-name" label="Your name" value=name.value error=name.error autocomplete="name"
                    on_blur=move || { if !name.value.get_untracked().is_empty() { name.check(PersonName::parse); } }/>
                <TextField id="owner-email" label="Email address" value=email.value error=email.error input_type="email" autocomplete="email"
                    hint="You will sign in with it."
                    on_blur=move || { if !email.value.get_untracked().is_empty() { email.check(EmailAddress::parse); } }/>
                <TextField id="owner-password" label="Password" value=password.value error=password.error input_type="password" autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words make a good one."
                    on_blur=move || { if !password.value.get_untracked().is_empty() { check_password(); } }/>
            </fieldset>
            <div class="form-actions">
                <button class="button primary" type="submit" disabled=move || pending.get() data-test="setup-submit">
                    {move || if pending.get() { "Creating…" } else { "Create account" }}
                </button>
            </div>
        </form>
    }
}
