//! The preview: every row with its problems, the seats it needs, and sending.

use leptos::prelude::*;
use roster_shared::api::ErrorCode;

use super::line::ImportLine;
use super::state::Import;

#[component]
pub(super) fn ImportPreviewCard(import: Import) -> impl IntoView {
    let Import {
        lines,
        preview,
        checking,
        sending,
        scope,
        ..
    } = import;
    let remove_line = Callback::new(move |key: u32| import.remove_line(key));
    let summary = move || {
        let total = lines.with(Vec::len);
        let bad = import.bad_rows();
        let people = preview.get().map(|p| p.0).unwrap_or_default();
        let rows = if total == 1 {
            "1 row".to_owned()
        } else {
            format!("{total} rows")
        };
        if bad == 0 {
            format!(
                "{rows}, all ready: {people} {} to invite.",
                if people == 1 { "person" } else { "people" }
            )
        } else {
            format!(
                "{rows}: {bad} with problems. Fix them in place or remove them, then check again."
            )
        }
    };
    let send_label = move || {
        if sending.get() {
            "Sending…".to_owned()
        } else if import.send_blocked().is_some() {
            "Send invitations".to_owned()
        } else {
            let people = preview.get().map(|p| p.0).unwrap_or_default();
            if people == 1 {
                "Send 1 invitation".to_owned()
            } else {
                format!("Send {people} invitations")
            }
        }
    };
    view! {
        <div class="card import-preview" data-test="import-preview">
            <div class="row-between">
                <h2>"Preview"</h2>
                <button type="button" class="button ghost small" on:click=move |_| import.start_over() data-test="import-start-over">"Choose another file"</button>
            </div>
            <p role="status" data-test="import-summary">{summary}</p>
            <div class="table-wrap">
                <table class="import-table" aria-busy=move || checking.get().to_string()>
                    <caption class="visually-hidden">"Rows to import, with their problems"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Line"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Problems"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || lines.get() key=|l| l.key let:line>
                            <ImportLine line scope on_remove=remove_line/>
                        </For>
                    </tbody>
                </table>
            </div>
            <SeatNotes import/>
            {move || import.send_blocked().filter(|_| lines.with(|l| !l.is_empty())).map(|why| view! {
                <p class="muted small" id="send-blocked">{why}</p>
            })}
            <div class="form-actions">
                <button type="button" id="import-recheck" class="button" disabled=move || checking.get() || lines.with(Vec::is_empty)
                    on:click=move |_| import.check_again() data-test="import-recheck">
                    {move || if checking.get() { "Checking…" } else { "Check again" }}
                </button>
                <button type="button" class="button primary" data-test="import-send"
                    disabled=move || sending.get() || import.send_blocked().is_some()
                    aria-describedby=move || import.send_blocked().map(|_| "send-blocked")
                    on:click=move |_| import.send()>
                    {send_label}
                </button>
            </div>
        </div>
    }
}

/// The seats the rows need, a warning when there are too few (with a way to buy more where the
/// person may), and why sending failed.
#[component]
fn SeatNotes(import: Import) -> impl IntoView {
    let Import {
        preview,
        failure,
        can_buy,
        ..
    } = import;
    let seats_href = move || import.seats_href();
    view! {
        {move || preview.get().map(|(_, seats)| view! {
            <p class="seat-line" data-test="import-seats">
                {format!("{} of {} seats used, {} free.", seats.used, seats.total(), seats.free())}
                <span class="muted small">" People already in your organisation need no new seat."</span>
            </p>
        })}
        {move || import.seat_problem().map(|(free, missing)| view! {
            <div class="alert warn" role="status" data-test="import-seat-warning">
                <p>{format!(
                    "Not enough seats: {free} free. If everyone here is new, {missing} more seat{} will be needed.",
                    if missing == 1 { "" } else { "s" }
                )}</p>
                {if can_buy {
                    view! { <a class="button small" href=seats_href data-test="buy-more">"Buy more"</a> }.into_any()
                } else {
                    view! { <p class="small">"Ask an Owner or Admin of the top-level account to buy more seats."</p> }.into_any()
                }}
            </div>
        })}
        {move || failure.get().map(|error| {
            let seats_short = error.code() == Some(ErrorCode::NotEnoughSeats);
            view! {
                <div class="alert error" role="alert" data-test="import-error">
                    <p>{error.message()}</p>
                    {(seats_short && can_buy).then(|| view! { <a class="button small" href=seats_href data-test="buy-more">"Buy more"</a> })}
                    {(seats_short && !can_buy).then(|| view! { <p class="small">"Ask an Owner or Admin of the top-level account to buy more seats."</p> })}
                </div>
            }
        })}
    }
}
