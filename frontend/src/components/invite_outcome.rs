//! What sending invitations did, as New User and the CSV import both show it: who was
//! invited, invited again, given access or not invited (and why), and the seats now used.

use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::InviteResult;
use roster_shared::email::EmailAddress;
use roster_shared::invitation::INVITATION_VALIDITY_DAYS;

/// One group of the outcome, left out when nobody is in it.
fn group(title: String, note: String, items: Vec<String>, test: &'static str) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <div class="result-group" data-test=test>
                <h3>{title}</h3>
                {(!note.is_empty()).then(|| view! { <p class="muted small">{note}</p> })}
                <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

#[component]
pub fn InviteOutcome(
    /// What the server did.
    result: InviteResult,
    /// The account the form was opened on.
    account: AccountId,
    /// The heading when someone was invited or given access ("Invitations sent").
    done: &'static str,
    /// The `data-test` name of the card.
    test: &'static str,
    /// The label of the button that starts again ("Invite more people").
    again: &'static str,
    /// Starts again.
    on_again: Callback<()>,
) -> impl IntoView {
    let heading_ref = NodeRef::<leptos::html::H2>::new();
    // Focus the outcome so it is announced and the keyboard continues from there.
    Effect::new(move |_| {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    let count = |n: usize| crate::locale::people(n as u64);
    let emails = |v: &[EmailAddress]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let nothing =
        result.invited.is_empty() && result.reinvited.is_empty() && result.granted.is_empty();
    let days = INVITATION_VALIDITY_DAYS;
    view! {
        <div class="card invite-result" data-test=test>
            <h2 tabindex="-1" node_ref=heading_ref>{if nothing { "Nobody was invited" } else { done }}</h2>
            {group(format!("Invited: {}", count(result.invited.len())), format!("Each gets an email with a link valid for {days} days."), emails(&result.invited), "invited")}
            {group(format!("Invited again: {}", count(result.reinvited.len())), format!("Their open invitation was renewed for {days} days and sent again."), emails(&result.reinvited), "reinvited")}
            {group(format!("Access added: {}", count(result.granted.len())), "Already in your organisation: the access applies now.".to_owned(), emails(&result.granted), "granted")}
            {group(
                format!("Not invited: {}", count(result.not_invited.len())),
                String::new(),
                result.not_invited.iter().map(|n| format!("{}: {}", n.email, n.message)).collect(),
                "not-invited",
            )}
            <p class="muted">{format!("{} of {} seats used.", result.seats.used, result.seats.total())}</p>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| on_again.run(())>{again}</button>
                <a class="button primary" href=format!("/accounts/{account}/users") data-test="back-to-users">"Back to Users"</a>
            </div>
        </div>
    }
}
