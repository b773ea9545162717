//! New User: invite people by email, with a role on the account and its sub-accounts, and
//! further roles on other accounts; the seat situation is shown before anything is sent.
//!
//! The form checks what it can with the `shared` rules (addresses, grantable roles, seats)
//! to explain problems early; the server checks everything again and has the last word.

use crate::components::invite_outcome::InviteOutcome;
use leptos::prelude::*;
use roster_shared::account::AccountId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    GrantableAccount, InviteGrant, InviteOptions, InviteRequest, InviteResult,
};
use roster_shared::invitation::INVITATION_VALIDITY_DAYS;
use roster_shared::invite_list::MAX_INVITATION_SIZE;
use roster_shared::role::Role;
use roster_shared::seats::SeatError;

use crate::accounts::use_accounts;
use crate::api::{self, ApiError};
use crate::components::account_tree_picker::AccountTreePicker;
use crate::components::email_chips::{EmailChip, EmailChipsInput};
use crate::components::invite_options::WithInviteOptions;
use crate::components::role_select::RoleSelect;
use crate::drafts::use_drafts;
use crate::pages::settings_layout::use_account;
use crate::session::use_session;

/// One "role on these accounts" row of the form (the first is the main one).
#[derive(Clone, Copy)]
struct GrantRow {
    key: u32,
    role: RwSignal<Option<Role>>,
    accounts: RwSignal<Vec<AccountId>>,
}

impl GrantRow {
    fn new(key: u32, role: Option<Role>, accounts: Vec<AccountId>) -> Self {
        GrantRow {
            key,
            role: RwSignal::new(role),
            accounts: RwSignal::new(accounts),
        }
    }
}

/// What was typed into the form and not sent yet (see [`crate::drafts`]).
#[derive(Clone, Default)]
struct Draft {
    chips: Vec<EmailChip>,
    typed: String,
    grants: Vec<(Option<Role>, Vec<AccountId>)>,
}

/// The roles that may be given on every one of `chosen` (or, with none chosen, anywhere in
/// the scope), highest first.
pub fn roles_for(accounts: &[GrantableAccount], chosen: &[AccountId]) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| {
            if chosen.is_empty() {
                accounts.iter().any(|a| a.roles.contains(role))
            } else {
                chosen.iter().all(|id| {
                    accounts
                        .iter()
                        .any(|a| a.id == *id && a.roles.contains(role))
                })
            }
        })
        .collect()
}

/// The request the form describes, or what to fix first.
pub fn build_request(
    chips: &[EmailChip],
    grants: &[(Option<Role>, Vec<AccountId>)],
    accounts: &[GrantableAccount],
) -> Result<InviteRequest, String> {
    if chips.is_empty() {
        return Err("Enter at least one email address.".into());
    }
    if chips.iter().any(|c| c.parsed.is_err()) {
        return Err("Fix or remove the addresses marked in red first.".into());
    }
    if chips.len() > MAX_INVITATION_SIZE {
        return Err(format!(
            "{} addresses: one invitation can name at most {MAX_INVITATION_SIZE} people; split the list.",
            chips.len()
        ));
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for (index, (role, chosen)) in grants.iter().enumerate() {
        let main = index == 0;
        if chosen.is_empty() {
            if main {
                return Err("Choose at least one account.".into());
            }
            // An extra row left empty adds nothing.
            continue;
        }
        let Some(role) = *role else {
            return Err(if main {
                "Choose an access level.".into()
            } else {
                "Choose a role for each row of other accounts.".into()
            });
        };
        if !roles_for(accounts, chosen).contains(&role) {
            return Err(format!(
                "{role} cannot be given on every account chosen with it: choose another role or other accounts."
            ));
        }
        if chosen.iter().any(|a| seen.contains(a)) {
            return Err("An account can be chosen in one row only.".into());
        }
        seen.extend(chosen.iter().copied());
        out.push(InviteGrant {
            role,
            accounts: chosen.clone(),
        });
    }
    Ok(InviteRequest {
        emails: chips.iter().map(|c| c.text.clone()).collect(),
        grants: out,
    })
}

#[component]
pub fn NewUserPage() -> impl IntoView {
    let account = use_account();
    view! {
        <section aria-labelledby="new-user-title">
            <a class="back-link" href=move || format!("/accounts/{}/users", account.get())>"← Users"</a>
            <h1 id="new-user-title">"New User"</h1>
            <p class="muted">
                {format!("Invite people by email. Each gets a link to join that is valid for {INVITATION_VALIDITY_DAYS} days; people already in your organisation get the access at once.")}
            </p>
            <WithInviteOptions form=|options, account| view! { <InviteForm options=options account=account/> }.into_any()/>
        </section>
    }
}

#[component]
fn InviteForm(
    /// What may be granted where, and the seats.
    options: InviteOptions,
    /// The account the form was opened on.
    account: AccountId,
) -> impl IntoView {
    let accounts = use_accounts();
    let drafts = use_drafts();
    let me = use_session().info().map(|i| i.user.id);
    let scope = StoredValue::new(options.accounts.clone());
    let grantable = Signal::derive(move || scope.get_value());
    let several_accounts =
        scope.with_value(|accounts| accounts.iter().filter(|a| !a.roles.is_empty()).count() > 1);
    let seats = RwSignal::new(options.seats);
    let can_buy = options.can_buy_seats;

    // Start from what was left unsent here, or from sensible defaults.
    let kept = drafts.kept::<Draft>(me, account);
    let restored = kept.is_some();
    let kept = kept.unwrap_or_default();
    let chips = RwSignal::new(kept.chips);
    let typed = RwSignal::new(kept.typed);
    let next_key = StoredValue::new(0u32);
    let new_row = move |role: Option<Role>, chosen: Vec<AccountId>| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        GrantRow::new(key, role, chosen)
    };
    let rows = RwSignal::new(if kept.grants.is_empty() {
        let here = options.accounts.iter().find(|a| a.id == account);
        let role = here.and_then(|a| {
            a.roles
                .iter()
                .copied()
                .find(|r| *r == Role::Basic)
                .or_else(|| a.roles.last().copied())
        });
        let chosen = here.filter(|a| !a.roles.is_empty()).map(|a| vec![a.id]);
        vec![new_row(role, chosen.unwrap_or_default())]
    } else {
        kept.grants
            .into_iter()
            .map(|(role, chosen)| new_row(role, chosen))
            .collect()
    });

    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<InviteResult>);
    let kept_note = RwSignal::new(restored);

    // Keep the unsent form, so it survives a visit to another screen.
    Effect::new(move |_| {
        if result.get().is_some() {
            drafts.forget::<Draft>();
            return;
        }
        let draft = Draft {
            chips: chips.get(),
            typed: typed.get(),
            grants: rows
                .get()
                .iter()
                .map(|r| (r.role.get(), r.accounts.get()))
                .collect(),
        };
        drafts.keep(me, account, draft);
    });

    let reset = move || {
        chips.set(Vec::new());
        typed.set(String::new());
        let first = rows.get_untracked()[0];
        rows.set(vec![first]);
        problem.set(None);
        failure.set(None);
        kept_note.set(false);
    };

    // A problem found on sending is shown only while it is still true: adding an address makes
    // "Enter at least one email address." go away at once.
    let current_problem = move || {
        problem.get().filter(|shown| {
            let grants: Vec<_> = rows
                .get()
                .iter()
                .map(|r| (r.role.get(), r.accounts.get()))
                .collect();
            chips
                .with(|c| scope.with_value(|s| build_request(c, &grants, s)))
                .err()
                .as_ref()
                == Some(shown)
        })
    };
    // An answer of the server is about what was sent: changing what is to be sent retires it.
    Effect::new(move |sent: Option<(usize, usize)>| {
        let now = (chips.with(Vec::len), rows.with(Vec::len));
        if sent.is_some_and(|sent| sent != now) {
            failure.set(None);
        }
        now
    });
    let valid_count = move || chips.with(|c| c.iter().filter(|c| c.parsed.is_ok()).count()) as u32;
    let seat_problem = move || match seats.get().check_invite(valid_count()) {
        Err(SeatError::NotEnoughSeats { free, missing, .. }) => Some((free, missing)),
        _ => None,
    };
    let root = move || accounts.get(account).map(|a| a.root).unwrap_or(account);
    // Buying seats leaves this screen: the draft above keeps the invitation, and the Seats
    // screen comes straight back here after the purchase, with the missing count to buy.
    let seats_href = move || {
        let back = crate::url::query_value(&format!("/accounts/{account}/users/new"));
        match seat_problem() {
            Some((_, missing)) => {
                format!("/accounts/{}/seats?return={back}&need={missing}", root())
            }
            None => format!("/accounts/{}/seats?return={back}", root()),
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // What is still in the box counts too.
        let leftover = typed.get_untracked();
        if !leftover.trim().is_empty() {
            chips.update(|c| {
                crate::components::email_chips::add_entries(c, &leftover);
            });
            typed.set(String::new());
        }
        failure.set(None);
        let grants: Vec<_> = rows
            .get_untracked()
            .iter()
            .map(|r| (r.role.get_untracked(), r.accounts.get_untracked()))
            .collect();
        let request =
            match chips.with_untracked(|c| scope.with_value(|s| build_request(c, &grants, s))) {
                Ok(request) => request,
                Err(message) => {
                    problem.set(Some(message));
                    return;
                }
            };
        problem.set(None);
        sending.set(true);
        leptos::task::spawn_local(async move {
            match api::invite(account, &request).await {
                Ok(done) => {
                    seats.set(done.seats);
                    result.set(Some(done));
                }
                Err(error) => failure.set(Some(error)),
            }
            sending.set(false);
        });
    };

    let add_row = move |_| {
        let row = new_row(None, Vec::new());
        rows.update(|r| r.push(row));
        // Focus the new row's role.
        request_animation_frame(move || {
            if let Some(element) = document().get_element_by_id(&format!("grant-{}-role", row.key))
            {
                use wasm_bindgen::JsCast;
                if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                    let _ = element.focus();
                }
            }
        });
    };

    let grant_row = move |index: usize, row: GrantRow| {
        let main = index == 0;
        let role_id = format!("grant-{}-role", row.key);
        let hint_id = format!("grant-{}-hint", row.key);
        let offered = Signal::derive(move || scope.with_value(|s| roles_for(s, &[])));
        let enabled = Signal::derive(move || {
            row.accounts
                .with(|chosen| scope.with_value(|s| roles_for(s, chosen)))
        });
        let taken = Signal::derive(move || {
            rows.with(|all| {
                all.iter()
                    .filter(|r| r.key != row.key)
                    .flat_map(|r| r.accounts.get())
                    .collect::<Vec<_>>()
            })
        });
        let mismatch = move || {
            row.role
                .get()
                .filter(|role| !enabled.with(|e| e.contains(role)))
        };
        let remove = move |_| {
            rows.update(|r| r.retain(|x| x.key != row.key));
            if let Some(button) = document().get_element_by_id("add-grant-row") {
                use wasm_bindgen::JsCast;
                if let Ok(button) = button.dyn_into::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        };
        view! {
            <div class="grant" class:extra=!main role="group"
                aria-label=if main { "Access".to_owned() } else { format!("Other accounts, row {index}") }
                data-test="grant-row">
                <div class="field grant-role">
                    <label for=role_id.clone()>{if main { "Access level" } else { "Role" }}</label>
                    <RoleSelect id=role_id value=row.role options=offered enabled=enabled described_by=hint_id.clone()/>
                    <p class="hint" id=hint_id>
                        {move || match mismatch() {
                            Some(role) => view! {
                                <span class="field-error">{format!("{role} cannot be given on every account chosen here.")}</span>
                            }.into_any(),
                            None => row.role.get().map(|r| r.description()).unwrap_or("").into_any(),
                        }}
                    </p>
                    {(!main).then(|| view! {
                        <button type="button" class="button ghost small remove-row" on:click=remove
                            aria-label=format!("Remove row {index} of other accounts")>"Remove row"</button>
                    })}
                </div>
                <AccountTreePicker id=format!("grant-{}", row.key)
                    legend=if main { "Accounts" } else { "Accounts for this role" }
                    accounts=grantable selected=row.accounts unavailable=taken/>
            </div>
        }
    };

    view! {
        {move || match result.get() {
            Some(done) => view! {
                <InviteOutcome result=done account done="Invitations sent" test="invite-result"
                    again="Invite more people"
                    on_again=Callback::new(move |()| { reset(); result.set(None); })/>
            }.into_any(),
            None => untrack(|| view! {
            <form class="card form invite-form" on:submit=submit novalidate>
                {move || kept_note.get().then(|| view! {
                    <div class="alert info" role="status">
                        "Your unsent invitation is as you left it. "
                        <button type="button" class="link-button" on:click=move |_| reset()>"Start over"</button>
                    </div>
                })}
                <EmailChipsInput id="invite-emails" label="Email addresses" chips draft=typed/>
                {move || rows.get().into_iter().enumerate().map(|(i, row)| grant_row(i, row)).collect_view()}
                // Only where there is another account to give a different role on.
                {several_accounts.then(|| view! {
                    <div>
                        <button type="button" id="add-grant-row" class="button ghost" on:click=add_row data-test="add-grant-row">
                            "+ Add to other accounts with a different role"
                        </button>
                    </div>
                })}
                <div class="seat-line" aria-live="polite" data-test="seat-line">
                    {move || {
                        let plan = seats.get();
                        format!(
                            "{} of {} seats used; this invitation needs up to {}.",
                            plan.used, plan.total(), valid_count()
                        )
                    }}
                    <span class="muted small">" People already in your organisation need no new seat."</span>
                </div>
                {move || seat_problem().map(|(free, missing)| {
                    // Sent anyway and refused for seats: the same one message, now as the error.
                    let refused = failure.get().is_some_and(|e| e.code() == Some(ErrorCode::NotEnoughSeats));
                    view! {
                    <div class=if refused { "alert error" } else { "alert warn" }
                        role=if refused { "alert" } else { "status" } data-test="seat-warning">
                        <p>
                            {format!(
                                "{}Not enough seats: {free} free. If everyone here is new, {missing} more seat{} will be needed.",
                                if refused { "Not sent. " } else { "" },
                                if missing == 1 { "" } else { "s" }
                            )}
                        </p>
                        {if can_buy {
                            view! { <a class="button small" href=seats_href data-test="buy-more">"Buy more"</a> }.into_any()
                        } else {
                            view! { <p class="small">"Ask an Owner or Admin of the top-level account to buy more seats."</p> }.into_any()
                        }}
                    </div>
                    }
                })}
                {move || current_problem().map(|m| view! { <div class="alert error" role="alert" data-test="invite-problem">{m}</div> })}
                {move || failure.get().and_then(|error| {
                    let seats_short = error.code() == Some(ErrorCode::NotEnoughSeats);
                    // The seat warning above already says it, with its own Buy more: one message.
                    if seats_short && seat_problem().is_some() {
                        return None;
                    }
                    let fields: Vec<String> = error.fields().iter().map(|f| f.message.clone()).collect();
                    Some(view! {
                        <div class="alert error" role="alert" data-test="invite-error">
                            <p>{error.message()}</p>
                            {(!fields.is_empty()).then(|| view! {
                                <ul>{fields.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                            })}
                            {(seats_short && can_buy).then(|| view! { <a class="button small" href=seats_href data-test="buy-more-after-error">"Buy more"</a> })}
                        </div>
                    })
                })}
                <div class="form-actions">
                    <a class="button ghost" href=format!("/accounts/{account}/users")>"Cancel"</a>
                    <button type="submit" class="button primary" disabled=move || sending.get() data-test="send-invitation">
                        {move || if sending.get() { "Sending…" } else { "Send Invitation" }}
                    </button>
                </div>
            </form>
        }).into_any(),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::name::AccountName;

    fn scope() -> Vec<GrantableAccount> {
        let account = |id: i64, depth: u8, roles: &[Role]| GrantableAccount {
            id: AccountId(id),
            parent: (id > 1).then_some(AccountId(1)),
            name: AccountName::parse(&format!("A{id}")).unwrap(),
            depth,
            roles: roles.to_vec(),
        };
        vec![
            account(1, 0, &[Role::Basic, Role::Reporting]),
            account(2, 1, &[Role::Admin, Role::Basic, Role::Reporting]),
            account(3, 1, &[]),
        ]
    }

    #[test]
    fn roles_offered_fit_every_chosen_account() {
        let s = scope();
        assert_eq!(
            roles_for(&s, &[]),
            [Role::Admin, Role::Basic, Role::Reporting]
        );
        assert_eq!(
            roles_for(&s, &[AccountId(2)]),
            [Role::Admin, Role::Basic, Role::Reporting]
        );
        assert_eq!(
            roles_for(&s, &[AccountId(1), AccountId(2)]),
            [Role::Basic, Role::Reporting]
        );
        assert!(roles_for(&s, &[AccountId(3)]).is_empty());
    }

    #[test]
    fn the_request_names_each_row_and_what_is_missing() {
        let s = scope();
        let chips = vec![EmailChip::new("ana@x.com"), EmailChip::new("Bo@x.com")];
        let grants = vec![
            (Some(Role::Basic), vec![AccountId(1)]),
            (Some(Role::Admin), vec![AccountId(2)]),
            (None, vec![]),
        ];
        let request = build_request(&chips, &grants, &s).unwrap();
        assert_eq!(request.emails, ["ana@x.com", "Bo@x.com"]);
        assert_eq!(request.grants.len(), 2);
        assert_eq!(request.grants[1].role, Role::Admin);

        assert!(
            build_request(&[], &grants, &s)
                .unwrap_err()
                .contains("at least one email")
        );
        let bad = vec![EmailChip::new("bob@example")];
        assert!(
            build_request(&bad, &grants, &s)
                .unwrap_err()
                .contains("marked in red")
        );
        let no_accounts = vec![(Some(Role::Basic), vec![])];
        assert!(
            build_request(&chips, &no_accounts, &s)
                .unwrap_err()
                .contains("account")
        );
        let too_high = vec![(Some(Role::Admin), vec![AccountId(1)])];
        assert!(
            build_request(&chips, &too_high, &s)
                .unwrap_err()
                .contains("Admin cannot")
        );
        let twice = vec![
            (Some(Role::Basic), vec![AccountId(2)]),
            (Some(Role::Admin), vec![AccountId(2)]),
        ];
        assert!(
            build_request(&chips, &twice, &s)
                .unwrap_err()
                .contains("one row only")
        );
        let no_role = vec![
            (Some(Role::Basic), vec![AccountId(1)]),
            (None, vec![AccountId(2)]),
        ];
        assert!(
            build_request(&chips, &no_role, &s)
                .unwrap_err()
                .contains("role for each")
        );
    }
}
