//! Seats: how many people the organisation may have (used / included / extra / free, with a
//! bar), buying more at a price shown before confirming, removing unused ones down to the
//! floor, and the history of both.
//!
//! Seats belong to the top-level account; a sub-account shows its organisation's. Everyone
//! who may open Settings > Users sees them; only Owners and Admins of the top-level account
//! get the forms (the server decides, `can_manage` says what it decided).
//!
//! New User links here with `?return=` (its own path) and `?need=` (seats missing) when an
//! invitation does not fit: after a purchase the person goes straight back to the invitation,
//! which New User kept as it was.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use roster_shared::account::AccountId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    SeatChangeKind, SeatLedgerEntry, SeatOverview, SeatPurchaseRequest, SeatRemovalRequest,
};
use roster_shared::money::Money;
use roster_shared::redirect::LocalPath;
use roster_shared::seats::{MAX_SEAT_CHANGE, SeatCount, SeatPlan, SeatQuote, seats};

use crate::accounts::use_accounts;
use crate::api::{self, ApiError};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::components::field::capitalize;
use crate::locale::{Time, money, number};
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

/// Where to go back to after buying: only a path of this app (never another site).
fn return_path(requested: Option<String>) -> Option<String> {
    requested
        .and_then(|path| LocalPath::parse(&path).ok())
        .filter(|path| path.as_str().starts_with("/accounts/"))
        .map(LocalPath::into_string)
}

/// The width of the used part of the bar, in percent of all seats.
fn used_percent(plan: &SeatPlan) -> u32 {
    match plan.total() {
        0 if plan.used == 0 => 0,
        0 => 100,
        total => (u64::from(plan.used.min(total)) * 100 / u64::from(total)) as u32,
    }
}

/// Why the quantity typed cannot be removed (the shared rule, as a sentence), or the count.
fn removable(plan: &SeatPlan, text: &str) -> Result<SeatCount, String> {
    let count = SeatCount::parse(text).map_err(|e| capitalize(&e.to_string()))?;
    plan.remove(count)
        .map(|_| count)
        .map_err(|e| format!("{}.", capitalize(&e.to_string())))
}

#[component]
pub fn SeatsPage() -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let query = use_query_map();
    let back_to = Memo::new(move |_| return_path(query.with(|q| q.get("return"))));
    let need = query
        .with_untracked(|q| q.get("need"))
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| (1..=MAX_SEAT_CHANGE).contains(n));
    let overview = Remote::new(move || {
        let id = account.get();
        async move { api::seat_overview(id).await }
    });
    let notice = RwSignal::new(None::<String>);
    let navigate = StoredValue::new(use_navigate());

    // The organisation's name, when this person can open its top-level account.
    let organisation = move || {
        accounts
            .get(account.get())
            .and_then(|a| accounts.get(a.root))
            .map(|root| root.name.to_string())
    };
    let in_sub_account = move || {
        accounts
            .get(account.get())
            .is_some_and(|a| a.parent.is_some())
    };

    let changed = Callback::new(move |(next, message): (SeatOverview, String)| {
        overview.value.set(Some(Ok(next)));
        notice.set(Some(message));
    });
    let bought = Callback::new(move |(next, message): (SeatOverview, String)| {
        match back_to.get_untracked() {
            // The invitation that was waiting for these seats: straight back to it.
            Some(path) => navigate.with_value(|n| n(&path, Default::default())),
            None => changed.run((next, message)),
        }
    });

    view! {
        <section class="seats" aria-labelledby="seats-title">
            {move || back_to.get().map(|href| view! {
                <a class="back-link" href=href data-test="back-to-invitation">"← Back to your invitation"</a>
            })}
            <div class="page-head">
                <div>
                    <h1 id="seats-title">"Seats"</h1>
                    <p class="muted">
                        "Everyone with access anywhere in the organisation uses one seat, whether they have joined or are still invited. An expired invitation frees its seat."
                    </p>
                </div>
            </div>
            {move || in_sub_account().then(|| view! {
                <p class="alert info" data-test="seats-shared">
                    {match organisation() {
                        Some(name) => format!("Sub-accounts share the seats of their top-level account, {name}: these are its seats."),
                        None => "Sub-accounts share the seats of their top-level account: these are its seats.".to_owned(),
                    }}
                </p>
            })}
            {move || back_to.get().is_some().then(|| view! {
                <p class="alert info" data-test="return-note">
                    {match need {
                        Some(n) => format!("Your invitation is waiting for {}. Once you buy, you go straight back to it, as you left it.", seats(n)),
                        None => "Your invitation is waiting. Once you buy, you go straight back to it, as you left it.".to_owned(),
                    }}
                </p>
            })}
            {move || notice.get().map(|m| view! {
                <div class="alert ok" role="status" data-test="seats-notice">{m}</div>
            })}
            {move || match overview.value.get() {
                None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => {
                    // Refused (not an Admin here): trying again would not help.
                    let refused = matches!(error, ApiError::Server { status: 403 | 404, .. });
                    let message = if error.code() == Some(ErrorCode::NotAnAdmin) {
                        // Seats are part of managing people, which this person does not do here.
                        "Only Owners and Admins see the seats of this account, as they manage its people. Ask one of them if someone needs a seat.".to_owned()
                    } else {
                        error.message()
                    };
                    view! {
                        <div class="alert error" role="alert" data-test="seats-error">
                            <p>{message}</p>
                            {(!refused).then(|| view! {
                                <button class="button small" on:click=move |_| overview.reload()>"Try again"</button>
                            })}
                        </div>
                    }.into_any()
                }
                Some(Ok(found)) => {
                    let owner = organisation().unwrap_or_else(|| "the top-level account".to_owned());
                    view! {
                        <SeatPanel overview=found.clone()/>
                        {if found.can_manage {
                            view! {
                                <div class="seat-forms">
                                    <BuySeats account=account.get_untracked()
                                        price=found.plan.extra_seat_price need on_done=bought/>
                                    <RemoveSeats account=account.get_untracked() plan=found.seats on_done=changed/>
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <p class="alert info" data-test="seats-read-only">
                                    {format!("Only Owners and Admins of {owner} can buy or remove seats. Ask one of them when you need more.")}
                                </p>
                            }.into_any()
                        }}
                        <SeatHistory entries=found.history/>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Used / included / extra / free, the bar, and the plan's price.
#[component]
fn SeatPanel(
    /// The organisation's seat situation.
    overview: SeatOverview,
) -> impl IntoView {
    let plan = overview.seats;
    let full = plan.free() == 0;
    let summary = format!("{} of {} used", plan.used, seats(plan.total()));
    let figure = |label: &'static str, value: u32, test: &'static str| {
        view! {
            <div class="seat-figure" data-test=test>
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    // Where the included seats end on the bar (the rest are bought ones).
    let included_mark = (plan.extra > 0 && plan.total() > 0)
        .then(|| u64::from(plan.included) * 100 / u64::from(plan.total()));
    view! {
        <div class="card seat-panel" data-test="seat-panel">
            <div class="row-between seat-panel-head">
                <p class="seat-summary" data-test="seat-summary">{summary.clone()}</p>
                <p class="muted small seat-plan" data-test="seat-plan">
                    {format!(
                        "{} plan: {} included; extra seats {} each",
                        overview.plan.name,
                        seats(overview.plan.included_seats),
                        money(overview.plan.extra_seat_price)
                    )}
                </p>
            </div>
            <div
                class="seat-bar"
                class:full=full
                role="meter"
                aria-label="Seats used"
                aria-valuemin="0"
                aria-valuemax=plan.total().to_string()
                aria-valuenow=plan.used.min(plan.total()).to_string()
                aria-valuetext=summary
            >
                // `style:` sets the property through the CSSOM: the Content-Security-Policy
                // (style-src 'self') refuses inline `style` attributes.
                <div class="seat-bar-used" style:width=format!("{}%", used_percent(&plan))></div>
                {included_mark.map(|at| view! {
                    <div class="seat-bar-mark" style:left=format!("{at}%") title="Included seats end here"></div>
                })}
            </div>
            <dl class="seat-figures">
                {figure("Used", plan.used, "seats-used")}
                {figure("Included", plan.included, "seats-included")}
                {figure("Extra", plan.extra, "seats-extra")}
                {figure("Free", plan.free(), "seats-free")}
            </dl>
            {full.then(|| view! {
                <p class="seat-full small" data-test="seats-full">
                    "Every seat is in use: inviting someone new needs another seat first."
                </p>
            })}
        </div>
    }
}

/// A quantity box of the seat forms: the shared rule explains a mistake as it is typed.
#[component]
fn QuantityField(
    /// Unique id (ties label, hint and error to the input).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// What was typed.
    value: RwSignal<String>,
    /// What is wrong with it, if anything.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The explanation under the box (price, maximum).
    #[prop(into)]
    hint: Signal<String>,
    /// Whether nothing may be typed (nothing to remove).
    #[prop(optional)]
    disabled: bool,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            if error.get().is_some() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field seat-quantity" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                // Text, not `number`: a number box rewrites what is typed (`2.5` became `52`
                // while typing); the shared rule reads exactly what is there.
                type="text"
                inputmode="numeric"
                autocomplete="off"
                disabled=disabled
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            <p class="hint" id=hint_id data-test=format!("{id}-hint")>{move || hint.get()}</p>
            {move || error.get().map(|message| view! {
                <p class="field-error" id=error_id.clone() data-test=format!("{id}-error")>{message}</p>
            })}
        </div>
    }
}

/// "Buy seats": a quantity, then the server's price for it in a dialog, then the purchase.
#[component]
fn BuySeats(
    /// Any account of the organisation.
    account: AccountId,
    /// The plan's price per extra seat.
    price: Money,
    /// How many seats a waiting invitation lacks (the starting quantity).
    need: Option<u32>,
    /// Called with the new situation and what happened.
    on_done: Callback<(SeatOverview, String)>,
) -> impl IntoView {
    let quantity = RwSignal::new(need.unwrap_or(1).to_string());
    // A problem found on submit or by the server (the live check covers typing).
    let server_error = RwSignal::new(None::<String>);
    let live_error = Memo::new(move |_| {
        quantity.with(|q| {
            (!q.trim().is_empty())
                .then(|| SeatCount::parse(q).err())
                .flatten()
                .map(|e| capitalize(&e.to_string()))
        })
    });
    let error = Signal::derive(move || server_error.get().or_else(|| live_error.get()));
    Effect::new(move |_| {
        quantity.track();
        server_error.set(None);
    });
    // An estimate as the person types (the same exact arithmetic the server uses); the
    // server's own quote is what the confirmation shows and what is charged.
    let hint = Signal::derive(move || {
        let count = quantity.with(|q| SeatCount::parse(q).ok());
        match count.and_then(|c| price.times(c.get()).map(|total| (c, total))) {
            Some((count, total)) if count.get() > 1 => format!(
                "{} × {} = {}. You see the price again and confirm before anything is bought.",
                number(u64::from(count.get())),
                money(price),
                money(total)
            ),
            _ => format!(
                "{} per seat. You see the price again and confirm before anything is bought.",
                money(price)
            ),
        }
    });

    let quote = RwSignal::new(None::<SeatQuote>);
    let open = RwSignal::new(false);
    let asking = RwSignal::new(false);
    let buying = RwSignal::new(false);
    let dialog_error = RwSignal::new(None::<String>);

    let ask_price = move |count: SeatCount| {
        asking.set(true);
        leptos::task::spawn_local(async move {
            match api::seat_quote(account, count).await {
                Ok(found) => {
                    quote.set(Some(found));
                    open.set(true);
                }
                Err(failure) => server_error.set(Some(
                    failure
                        .field("quantity")
                        .unwrap_or_else(|| failure.message()),
                )),
            }
            asking.set(false);
        });
    };

    let review = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match SeatCount::parse(&quantity.get_untracked()) {
            Ok(count) => {
                dialog_error.set(None);
                ask_price(count);
            }
            Err(e) => server_error.set(Some(capitalize(&e.to_string()))),
        }
    };

    let confirm = move |_: leptos::ev::MouseEvent| {
        let Some(seen) = quote.get_untracked() else {
            return;
        };
        buying.set(true);
        dialog_error.set(None);
        leptos::task::spawn_local(async move {
            let request = SeatPurchaseRequest {
                quantity: seen.quantity,
                expected_total_minor: seen.total.minor,
            };
            match api::buy_seats(account, &request).await {
                Ok(next) => {
                    open.set(false);
                    on_done.run((
                        next,
                        format!(
                            "Bought {} for {} ({} each). They are usable now.",
                            seats(seen.quantity.get()),
                            money(seen.total),
                            money(seen.unit_price)
                        ),
                    ));
                }
                Err(failure) if failure.code() == Some(ErrorCode::PriceChanged) => {
                    // Show the new price in place; the person confirms again (or not).
                    dialog_error.set(Some(failure.message()));
                    if let Ok(fresh) = api::seat_quote(account, seen.quantity).await {
                        quote.set(Some(fresh));
                    }
                }
                Err(failure) => match failure.field("quantity") {
                    Some(message) => {
                        open.set(false);
                        server_error.set(Some(message));
                    }
                    None => dialog_error.set(Some(failure.message())),
                },
            }
            buying.set(false);
        });
    };

    view! {
        <form class="card form seat-form" on:submit=review novalidate data-test="buy-form" aria-labelledby="buy-title">
            <h2 id="buy-title">"Buy seats"</h2>
            <QuantityField id="buy-quantity" label="Seats to buy" value=quantity error hint/>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || asking.get() data-test="buy-review">
                    {move || if asking.get() { "Getting the price…" } else { "Review price" }}
                </button>
            </div>
        </form>
        <Dialog open title="Buy seats" id="buy-dialog">
            {move || quote.get().map(|q| view! {
                <dl class="facts seat-quote" data-test="quote">
                    <dt>"Seats"</dt>
                    <dd data-test="quote-quantity">{q.quantity.get()}</dd>
                    <dt>"Price per seat"</dt>
                    <dd data-test="quote-unit">{money(q.unit_price)}</dd>
                    <dt>"Total"</dt>
                    <dd class="seat-quote-total" data-test="quote-total">{money(q.total)}</dd>
                </dl>
                <p class="muted small">"Charged when you confirm. The seats are usable at once."</p>
            })}
            {move || dialog_error.get().map(|m| view! { <div class="alert error" role="alert" data-test="buy-error">{m}</div> })}
            <div class="form-actions">
                <button type="button" class="button ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class="button primary" disabled=move || buying.get() data-test="buy-confirm" on:click=confirm>
                    {move || match (buying.get(), quote.get()) {
                        (true, _) => "Buying…".to_owned(),
                        (false, Some(q)) => format!("Buy {} for {}", seats(q.quantity.get()), money(q.total)),
                        (false, None) => "Buy".to_owned(),
                    }}
                </button>
            </div>
        </Dialog>
    }
}

/// "Remove seats": unused extra seats only; the form says the maximum and refuses more.
#[component]
fn RemoveSeats(
    /// Any account of the organisation.
    account: AccountId,
    /// The seats now (the floor comes from them).
    plan: SeatPlan,
    /// Called with the new situation and what happened.
    on_done: Callback<(SeatOverview, String)>,
) -> impl IntoView {
    let max = plan.max_removable();
    let quantity = RwSignal::new(if max > 0 {
        "1".to_owned()
    } else {
        String::new()
    });
    let server_error = RwSignal::new(None::<String>);
    let live_error = Memo::new(move |_| {
        quantity.with(|q| {
            (!q.trim().is_empty())
                .then(|| removable(&plan, q).err())
                .flatten()
        })
    });
    let error = Signal::derive(move || server_error.get().or_else(|| live_error.get()));
    Effect::new(move |_| {
        quantity.track();
        server_error.set(None);
    });
    let hint = if max == 0 {
        format!(
            "No unused extra seats to remove. Seats never go below the plan's {} included or the {} in use.",
            plan.included, plan.used
        )
    } else {
        format!(
            "At most {max}: only unused extra seats can go. Seats never go below the plan's {} included or the {} in use.",
            plan.included, plan.used
        )
    };

    let open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let dialog_error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(None::<SeatCount>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match removable(&plan, &quantity.get_untracked()) {
            Ok(count) => {
                chosen.set(Some(count));
                dialog_error.set(None);
                open.set(true);
            }
            Err(message) => server_error.set(Some(message)),
        }
    };
    let confirm = Callback::new(move |()| {
        let Some(count) = chosen.get_untracked() else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::remove_seats(account, &SeatRemovalRequest { quantity: count }).await {
                Ok(next) => {
                    open.set(false);
                    on_done.run((next, format!("Removed {}.", seats(count.get()))));
                }
                // About the quantity (the floor moved meanwhile): said at the field.
                Err(failure)
                    if failure.code() == Some(ErrorCode::TooManySeats)
                        || failure.field("quantity").is_some() =>
                {
                    open.set(false);
                    server_error.set(Some(
                        failure
                            .field("quantity")
                            .unwrap_or_else(|| failure.message()),
                    ));
                }
                Err(failure) => dialog_error.set(Some(failure.message())),
            }
            pending.set(false);
        });
    });
    let message = Signal::derive(move || {
        let count = chosen.get().map(SeatCount::get).unwrap_or(0);
        format!(
            "Remove {} of the {} extra? The organisation keeps {}.",
            seats(count),
            plan.extra,
            seats(plan.total().saturating_sub(count))
        )
    });

    view! {
        <form class="card form seat-form" on:submit=submit novalidate data-test="remove-form" aria-labelledby="remove-title">
            <h2 id="remove-title">"Remove seats"</h2>
            <QuantityField id="remove-quantity" label="Seats to remove" value=quantity error
                hint=hint disabled={max == 0}/>
            <div class="form-actions">
                <button type="submit" class="button" disabled={max == 0} data-test="remove-submit">"Remove seats"</button>
            </div>
        </form>
        <ConfirmDialog open title="Remove seats" id="remove-dialog" message confirm_label="Remove"
            danger=true pending error=dialog_error on_confirm=confirm/>
    }
}

/// Every purchase and removal, newest first: who, when, how many, at what price.
#[component]
fn SeatHistory(
    /// Newest first.
    entries: Vec<SeatLedgerEntry>,
) -> impl IntoView {
    view! {
        <h2 class="seat-history-title" id="seat-history-title">"History"</h2>
        {if entries.is_empty() {
            view! {
                <p class="card muted" data-test="seat-history-empty">"No seats bought or removed yet: the plan's included seats are all there is."</p>
            }.into_any()
        } else {
            view! {
                <div class="card table-card">
                    <div class="table-wrap">
                        <table class="seat-history" aria-labelledby="seat-history-title" data-test="seat-history">
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"Change"</th>
                                    <th scope="col" class="number">"Per seat"</th>
                                    <th scope="col" class="number">"Total"</th>
                                    <th scope="col" class="number">"Extra after"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {entries.into_iter().map(|entry| {
                                    let (kind, change, note) = match entry.kind {
                                        SeatChangeKind::Purchase => (
                                            "purchase",
                                            format!("Bought {}", seats(entry.quantity)),
                                            "charged",
                                        ),
                                        SeatChangeKind::Removal => (
                                            "removal",
                                            format!("Removed {}", seats(entry.quantity)),
                                            "no longer charged",
                                        ),
                                    };
                                    view! {
                                        <tr data-test="seat-entry" data-kind=kind>
                                            <td data-test="seat-entry-when">{when(&entry)}</td>
                                            <td data-test="seat-entry-who">{entry.actor.unwrap_or_else(|| "Roster".into())}</td>
                                            <td data-test="seat-entry-change">
                                                <span class="badge nowrap" class:ok={kind == "purchase"}>{change}</span>
                                            </td>
                                            <td class="number nowrap" data-test="seat-entry-unit">{money(entry.unit_price)}</td>
                                            <td class="number" data-test="seat-entry-total">
                                                <span class="nowrap">{money(entry.total)}</span>
                                                " "
                                                <span class="muted small seat-entry-note">{note}</span>
                                            </td>
                                            <td class="number" data-test="seat-entry-after">{entry.extra_after}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </div>
            }.into_any()
        }}
    }
}

/// When the seats changed, in the person's language and zone.
fn when(entry: &SeatLedgerEntry) -> impl IntoView + use<> {
    view! { <Time at=entry.at with_time=true/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(included: u32, extra: u32, used: u32) -> SeatPlan {
        SeatPlan {
            included,
            extra,
            used,
        }
    }

    #[test]
    fn only_paths_of_this_app_are_returned_to() {
        assert_eq!(
            return_path(Some("/accounts/3/users/new".into())).as_deref(),
            Some("/accounts/3/users/new")
        );
        assert_eq!(return_path(Some("https://evil.example/".into())), None);
        assert_eq!(return_path(Some("//evil.example/accounts/".into())), None);
        assert_eq!(return_path(Some("/accounts//evil.example".into())), None);
        assert_eq!(return_path(Some("/accounts/\\evil.example".into())), None);
        assert_eq!(return_path(None), None);
    }

    #[test]
    fn the_bar_fills_with_the_seats_in_use() {
        assert_eq!(used_percent(&plan(10, 2, 6)), 50);
        assert_eq!(used_percent(&plan(10, 0, 10)), 100);
        assert_eq!(used_percent(&plan(0, 0, 0)), 0);
        assert_eq!(used_percent(&plan(0, 0, 3)), 100);
    }

    #[test]
    fn removal_is_explained_with_the_shared_rule() {
        let p = plan(10, 2, 11);
        assert_eq!(removable(&p, "1").unwrap().get(), 1);
        let too_many = removable(&p, "2").unwrap_err();
        assert!(too_many.contains("at most 1"), "{too_many}");
        assert!(too_many.starts_with("Cannot"), "{too_many}");
        assert!(removable(&p, "0").unwrap_err().contains("at least 1"));
        assert!(
            removable(&plan(10, 0, 1), "1")
                .unwrap_err()
                .contains("no unused extra seats")
        );
    }
}
