//! The development mailbox: mail kept by a Roster that has no SMTP server configured.

use leptos::prelude::*;
use roster_shared::api::DevMail;

use crate::api;
use crate::locale::Time;
use crate::remote::Remote;
use crate::session::use_session;

#[component]
pub fn MailboxPage() -> impl IntoView {
    let session = use_session();
    let messages = Remote::new(api::dev_mailbox);
    // Polling brings the same list most of the time: only a change re-renders it.
    let listed = Memo::new(move |_| messages.value.get());
    let selected = RwSignal::new(None::<i64>);
    let view_html = RwSignal::new(true);
    let notice = RwSignal::new(None::<String>);
    let message = Remote::new(move || {
        let id = selected.get();
        async move {
            match id {
                Some(id) => api::dev_mail(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // New mail arrives while the page is open (an invitation just sent from another tab).
    let poll = leptos::prelude::set_interval_with_handle(
        move || messages.reload(),
        std::time::Duration::from_secs(3),
    );
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });
    let clear = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::clear_dev_mailbox().await;
            selected.set(None);
            messages.reload();
        });
    };
    let send_test = move |_| {
        leptos::task::spawn_local(async move {
            match api::send_test_mail().await {
                Ok(queued) => notice.set(Some(format!(
                    "A test email to {} is on its way.",
                    queued.to
                ))),
                Err(error) => notice.set(Some(error.message())),
            }
            messages.reload();
        });
    };
    view! {
        <section class="page" aria-labelledby="mailbox-title">
            <div class="row-between">
                <h1 id="mailbox-title">"Development mailbox"</h1>
                <div class="actions">
                    {move || session.info().map(|_| view! { <button class="button" on:click=send_test data-test="send-test-mail">"Send a test email"</button> })}
                    <button class="button" on:click=move |_| messages.reload()>"Refresh"</button>
                    <button class="button danger" on:click=clear>"Empty mailbox"</button>
                </div>
            </div>
            <div class="alert warn" role="note">
                <strong>"Development mode. "</strong>
                "This Roster has no SMTP server, so it keeps every email here instead of sending it. Set ROSTER_SMTP_URL to send real email."
            </div>
            {move || notice.get().map(|n| view! { <div class="alert info" role="status">{n}</div> })}
            {move || match listed.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(result) => match result {
                    Err(error) => view! { <div class="alert error" role="alert">{error.message()}</div> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="card muted" data-test="mailbox-empty">"No mail yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="mailbox">
                            <ul class="mail-list card" aria-label="Messages" data-test="mail-list">
                                {list.into_iter().map(|m| {
                                    let id = m.id;
                                    view! {
                                        <li>
                                            <button class="mail-item" class:active=move || selected.get() == Some(id)
                                                aria-current=move || (selected.get() == Some(id)).then_some("true")
                                                on:click=move |_| selected.set(Some(id)) data-test="mail-item">
                                                <span class="mail-subject">{m.subject}</span>
                                                <span class="muted small">{format!("To {} · ", m.to)}<Time at=m.delivered_at with_time=true/></span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <div class="mail-view card" aria-live="polite">
                                {move || match message.value.get() {
                                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                                    Some(Ok(None)) => view! { <p class="muted">"Choose a message."</p> }.into_any(),
                                    Some(Err(error)) => view! { <div class="alert error" role="alert">{error.message()}</div> }.into_any(),
                                    Some(Ok(Some(mail))) => view! { <MailView mail view_html/> }.into_any(),
                                }}
                            </div>
                        </div>
                    }.into_any(),
                },
            }}
        </section>
    }
}

#[component]
fn MailView(
    /// The message to show.
    mail: DevMail,
    /// HTML part (or plain text).
    view_html: RwSignal<bool>,
) -> impl IntoView {
    let html_src = format!("/api/v1/dev/mailbox/{}/html", mail.id);
    let text = mail.text.clone();
    view! {
        <h2 data-test="mail-subject">{mail.subject}</h2>
        <dl class="facts small">
            <dt>"From"</dt><dd>{mail.from}</dd>
            <dt>"To"</dt><dd>{mail.to}</dd>
            <dt>"Delivered"</dt><dd><Time at=mail.delivered_at with_time=true/></dd>
        </dl>
        <div class="tabs" role="tablist" aria-label="Message part">
            <button class="tab" role="tab" aria-selected=move || view_html.get().to_string() class:active=move || view_html.get() on:click=move |_| view_html.set(true)>"HTML"</button>
            <button class="tab" role="tab" aria-selected=move || (!view_html.get()).to_string() class:active=move || !view_html.get() on:click=move |_| view_html.set(false)>"Text"</button>
        </div>
        <Show when=move || view_html.get() fallback=move || view! { <pre class="mail-text" data-test="mail-text">{text.clone()}</pre> }>
            <iframe class="mail-frame" title="Message (HTML)" src=html_src.clone()
                sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"></iframe>
        </Show>
    }
}
