//! The audit log of an account: who did what, newest first, paged; exportable as CSV.

use leptos::prelude::*;

use crate::api;
use crate::components::load_error::LoadError;
use crate::components::pager::SeekPager;
use crate::locale::Time;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

const PER_PAGE: u32 = 50;

#[component]
pub fn AuditPage() -> impl IntoView {
    let account = use_account();
    // The page shown, as the server's cursor of it (`None`: the newest), for this account.
    let paging = RwSignal::new((account.get_untracked(), None::<String>));
    let cursor = Memo::new(move |_| {
        let (of, cursor) = paging.get();
        if of == account.get() { cursor } else { None }
    });
    let set_page = Callback::new(move |c: Option<String>| paging.set((account.get_untracked(), c)));
    let log = Remote::new(move || {
        let id = account.get();
        let cursor = cursor.get();
        async move { api::audit(id, cursor.as_deref(), PER_PAGE).await }
    });
    view! {
        <section aria-labelledby="audit-title">
            <div class="row-between page-head">
                <div>
                    <h1 id="audit-title">"Audit log"</h1>
                    <p class="muted">"Invitations, access changes and account changes in this account and its sub-accounts, newest first."</p>
                </div>
                <a class="button" href=move || api::audit_csv_url(account.get()) download="audit-log.csv" data-test="export-csv">"Export CSV"</a>
            </div>
            {move || match log.value.get() {
                None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <LoadError error=error retry=Callback::new(move |()| log.reload())/>
                }.into_any(),
                Some(Ok(found)) if found.entries.is_empty() => view! {
                    <p class="card muted" data-test="audit-empty">"Nothing has happened here yet."</p>
                }.into_any(),
                Some(Ok(found)) => {
                    let (start, shown, total) = (found.start, found.entries.len(), found.total);
                    let (previous, next) = (found.previous.clone(), found.next.clone());
                    view! {
                        <div class="card table-card">
                            <div class="table-wrap">
                                <table class="audit" aria-busy=move || log.loading.get().to_string() data-test="audit">
                                    <caption class="visually-hidden">"Audit log, newest first"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"What"</th>
                                            <th scope="col">"Account"</th>
                                            <th scope="col">"From"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {found.entries.into_iter().map(|entry| view! {
                                            <tr data-test="audit-entry" data-action=entry.action.as_str()>
                                                <td class="nowrap"><Time at=entry.at with_time=true/></td>
                                                <td>{entry.actor.unwrap_or_else(|| "Roster".into())}</td>
                                                <td>{entry.summary}</td>
                                                <td>{entry.account.unwrap_or_default()}</td>
                                                <td class="muted small">{entry.ip.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <SeekPager start shown total total_at_least=false previous next on_page=set_page label="Audit log"/>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
