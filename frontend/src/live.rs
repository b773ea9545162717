//! Live updates while someone is signed in, and the app's life as an installed web app.
//!
//! - One `EventSource` on `/api/v1/events` per signed-in browser tab, opened when someone signs
//!   in and closed when they sign out. The browser retries a dropped stream by itself; when it
//!   gives up (an error answer instead of a stream), the session is checked and the stream
//!   opened again after a growing pause, or at once when the network comes back.
//! - `inbound_message`: a desktop notification, a count on the app's icon (or in the tab's
//!   title) and a short chime, each only if the person's preference says so.
//! - `people_changed` / `access_changed`: counters that the Users list and the account list
//!   track, so they load again without a reload.
//! - `session_ended`: the sign-in page, through the same path as a `401` from any call.
//! - The service worker (`/sw.js`) that keeps the app's shell for offline starts, and whether
//!   the browser is online at all.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use leptos::prelude::*;
use roster_shared::api::{LiveEvent, NotificationPreferences};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::js_sys::{Promise, Reflect};

use crate::api;
use crate::session::{Auth, Session, SessionEnd, use_session};

/// What the live stream tells the screens.
#[derive(Clone, Copy)]
pub struct Live {
    /// Goes up on every `people_changed`, and whenever the stream opens (it may have missed
    /// some before): lists of people track it to load again.
    pub people: RwSignal<u32>,
    /// Goes up on every `access_changed`, and whenever the stream opens: the account list
    /// tracks it.
    pub access: RwSignal<u32>,
    /// The signed-in person's notification preferences, once loaded (the Notification
    /// preferences tab writes its saved choice here, so it applies at once).
    pub preferences: RwSignal<Option<NotificationPreferences>>,
    /// Inbound messages since the person last came back to the app (shown as the badge).
    pub unseen: RwSignal<u32>,
    /// Whether the browser has a network connection (`navigator.onLine`).
    pub online: RwSignal<bool>,
}

/// The live state. It is created on first use, so screens set up before [`provide_live`]
/// runs (the account list) share the same counters.
pub fn use_live() -> Live {
    if let Some(live) = use_context::<Live>() {
        return live;
    }
    let live = Live {
        people: RwSignal::new(0),
        access: RwSignal::new(0),
        preferences: RwSignal::new(None),
        unseen: RwSignal::new(0),
        online: RwSignal::new(browser_online()),
    };
    provide_context(live);
    live
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.serviceWorker.register`; throws where there are no service workers
    /// (insecure pages, old browsers).
    #[wasm_bindgen(js_namespace = ["navigator", "serviceWorker"], js_name = register, catch)]
    fn register_service_worker(url: &str) -> Result<Promise, JsValue>;

    /// The Badging API: a count on the installed app's icon.
    #[wasm_bindgen(js_namespace = navigator, js_name = setAppBadge, catch)]
    fn set_app_badge(count: f64) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_namespace = navigator, js_name = clearAppBadge, catch)]
    fn clear_app_badge() -> Result<Promise, JsValue>;

    /// Asks the person to allow desktop notifications; resolves to the answer.
    #[wasm_bindgen(js_namespace = Notification, js_name = requestPermission, catch)]
    fn notification_request_permission() -> Result<Promise, JsValue>;
}

/// One open event stream and the listeners it needs kept alive.
struct Connection {
    source: web_sys::EventSource,
    _listeners: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.source.close();
    }
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
    /// Bumped on every connect and disconnect, so a retry scheduled for an older connection
    /// does nothing.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// Failed attempts in a row (sets the pause before the next).
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
    /// Swallows a promise's rejection that needs no answer (a refused badge, …).
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// Starts everything live: called once by `App`.
pub fn provide_live() {
    let live = use_live();
    let session = use_session();
    register_worker();

    let person = Memo::new(move |_| session.info().map(|i| i.user.id));
    Effect::new(move |_| match person.get() {
        Some(_) => {
            connect(live, session);
            leptos::task::spawn_local(async move {
                // Without them nothing fires, which is also the default.
                if let Ok(preferences) = api::notification_preferences().await {
                    live.preferences.set(Some(preferences));
                }
            });
        }
        None => {
            disconnect();
            live.preferences.set(None);
            live.unseen.set(0);
        }
    });

    // The badge follows the count (and disappears when the preference is turned off).
    Effect::new(move |_| {
        let wanted = live.preferences.with(|p| p.is_some_and(|p| p.badge));
        show_badge(if wanted { live.unseen.get() } else { 0 });
    });

    // Coming back to the app is reading what was new.
    let seen = move || {
        if live.unseen.get_untracked() != 0 {
            live.unseen.set(0);
        }
    };
    let on_focus = window_event_listener(leptos::ev::focus, move |_| seen());
    let on_visible = window_event_listener_untyped("visibilitychange", move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Visible {
            seen();
        }
    });
    // Browsers only let sound play after the person has interacted with the page: the
    // chime's audio is unlocked on their first click or key press.
    let on_gesture = window_event_listener(leptos::ev::pointerdown, move |_| {
        if live.preferences.get_untracked().is_some_and(|p| p.sound) {
            audio_context();
        }
    });
    let on_online = window_event_listener_untyped("online", move |_| {
        live.online.set(true);
        if person.get_untracked().is_some() && !is_connected() {
            FAILURES.set(0);
            connect(live, session);
        }
    });
    let on_offline = window_event_listener_untyped("offline", move |_| live.online.set(false));
    // A page kept in the back/forward cache would keep its stream open and hold one of the
    // browser's few connections to the server: closed on leaving, opened again on return.
    let on_hide = window_event_listener_untyped("pagehide", move |_| disconnect());
    let on_show = window_event_listener_untyped("pageshow", move |event| {
        let restored = Reflect::get(&event, &"persisted".into())
            .ok()
            .and_then(|p| p.as_bool())
            .unwrap_or(false);
        if restored && person.get_untracked().is_some() {
            connect(live, session);
        }
    });
    on_cleanup(move || {
        on_focus.remove();
        on_visible.remove();
        on_gesture.remove();
        on_online.remove();
        on_offline.remove();
        on_hide.remove();
        on_show.remove();
        disconnect();
    });
}

fn browser_online() -> bool {
    Reflect::get(&window(), &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"onLine".into()))
        .ok()
        .and_then(|online| online.as_bool())
        .unwrap_or(true)
}

fn register_worker() {
    if let Ok(promise) = register_service_worker("/sw.js") {
        // Without a worker the app still works online; nothing to tell the person.
        IGNORE.with(|ignore| drop(promise.catch(ignore)));
    }
}

fn is_connected() -> bool {
    CONNECTION.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|c| c.source.ready_state() != web_sys::EventSource::CLOSED)
    })
}

fn disconnect() {
    GENERATION.set(GENERATION.get().wrapping_add(1));
    // Taken out first: closing may run listeners that look at the connection.
    let old = CONNECTION.with(|c| c.borrow_mut().take());
    drop(old);
}

fn connect(live: Live, session: Session) {
    disconnect();
    let generation = GENERATION.get();
    let Ok(source) = web_sys::EventSource::new(api::EVENTS_URL) else {
        return;
    };
    let mut listeners = Vec::new();
    for name in [
        "inbound_message",
        "people_changed",
        "access_changed",
        "session_ended",
    ] {
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data().as_string().unwrap_or_default();
                if let Ok(event) = serde_json::from_str::<LiveEvent>(&data) {
                    received(live, session, event);
                }
            },
        );
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    let opened = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
        FAILURES.set(0);
        // The stream opens after a time without one: first connecting (while the Users list
        // was already loading), a dropped connection the browser made again, a page back from
        // the back/forward cache. Whatever changed meanwhile was not heard: load again.
        live.people.update(|n| *n = n.wrapping_add(1));
        live.access.update(|n| *n = n.wrapping_add(1));
    });
    let _ = source.add_event_listener_with_callback("open", opened.as_ref().unchecked_ref());
    listeners.push(opened);
    let failed = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
        let closed = CONNECTION.with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|c| c.source.ready_state() == web_sys::EventSource::CLOSED)
        });
        // While the browser is still retrying by itself (a dropped connection), let it.
        if closed && GENERATION.get() == generation {
            retry_later(live, session, generation);
        }
    });
    let _ = source.add_event_listener_with_callback("error", failed.as_ref().unchecked_ref());
    listeners.push(failed);
    CONNECTION.with(|c| {
        *c.borrow_mut() = Some(Connection {
            source,
            _listeners: listeners,
        })
    });
}

/// The browser gave up on the stream (an error answer, such as a `401` or a proxy's page):
/// checks the session, then tries again after 2, 4, 8 … up to 60 seconds.
fn retry_later(live: Live, session: Session, generation: u32) {
    let failures = FAILURES.get().saturating_add(1);
    FAILURES.set(failures);
    let seconds = 2u64.saturating_pow(failures.min(6)).min(60);
    set_timeout(
        move || {
            if GENERATION.get() != generation {
                return;
            }
            leptos::task::spawn_local(async move {
                match api::session().await {
                    // Signed out meanwhile (expired, ended elsewhere): the sign-in page.
                    Ok(None) => end_session(session),
                    // Signed in, or the server is unreachable: keep trying.
                    _ => {
                        if GENERATION.get() == generation
                            && matches!(session.auth.get_untracked(), Auth::SignedIn(_))
                        {
                            connect(live, session);
                        }
                    }
                }
            });
        },
        Duration::from_secs(seconds),
    );
}

fn end_session(session: Session) {
    // Screens behind `RequireSignIn` then show the sign-in page, which brings the person
    // back afterwards. (Not also `api::report_signed_out()`: its handler and the guard would
    // both navigate, and the second would come back to the sign-in page itself.)
    if matches!(session.auth.get_untracked(), Auth::SignedIn(_)) {
        session.ended(SessionEnd::Elsewhere);
    }
}

fn received(live: Live, session: Session, event: LiveEvent) {
    match event {
        LiveEvent::InboundMessage {
            account,
            account_name,
            from,
            preview,
            ..
        } => {
            let Some(preferences) = live.preferences.get_untracked() else {
                return;
            };
            if preferences.badge {
                live.unseen.update(|n| *n = n.saturating_add(1));
            }
            if preferences.desktop {
                show_notification(account.0, &account_name, &from, &preview);
            }
            if preferences.sound {
                play_chime();
            }
        }
        LiveEvent::PeopleChanged { .. } => live.people.update(|n| *n = n.wrapping_add(1)),
        LiveEvent::AccessChanged => live.access.update(|n| *n = n.wrapping_add(1)),
        LiveEvent::SessionEnded => {
            // The server ends the stream after this; not reconnecting is the point. Closed
            // after this listener returns, not from inside it.
            GENERATION.set(GENERATION.get().wrapping_add(1));
            set_timeout(disconnect, Duration::ZERO);
            end_session(session);
        }
    }
}

// ---- notifications ----------------------------------------------------------------------------

/// The browser's answer about desktop notifications: `granted`, `denied` or `default` (not
/// asked yet); `None` where the browser has no notifications.
pub fn notification_permission() -> Option<String> {
    let notification = Reflect::get(&window(), &"Notification".into()).ok()?;
    if notification.is_undefined() {
        return None;
    }
    Reflect::get(&notification, &"permission".into())
        .ok()?
        .as_string()
}

/// Asks the person to allow desktop notifications; `done` receives the answer (as
/// [`notification_permission`] names it, `unsupported` where there is nothing to ask).
pub fn request_notification_permission(done: impl FnOnce(String) + 'static) {
    if notification_permission().is_none() {
        done("unsupported".into());
        return;
    }
    match notification_request_permission() {
        Ok(promise) => {
            let done = std::rc::Rc::new(RefCell::new(Some(done)));
            let on_failure = done.clone();
            // Each runs at most once; the two small closures are left to the browser.
            let answered = Closure::once(move |answer: JsValue| {
                if let Some(done) = done.borrow_mut().take() {
                    done(answer.as_string().unwrap_or_else(|| "default".into()));
                }
            });
            let failed = Closure::once(move |_: JsValue| {
                if let Some(done) = on_failure.borrow_mut().take() {
                    done(notification_permission().unwrap_or_else(|| "default".into()));
                }
            });
            let _ = promise.then2(&answered, &failed);
            answered.forget();
            failed.forget();
        }
        Err(_) => done(notification_permission().unwrap_or_else(|| "default".into())),
    }
}

fn show_notification(account: i64, account_name: &str, from: &str, preview: &str) {
    if notification_permission().as_deref() != Some("granted") {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(&format!("{from}: {preview}"));
    // One notification per account: a newer message replaces the older one.
    options.set_tag(&format!("roster-inbound-{account}"));
    options.set_icon("/icons/icon-192.png");
    let title = format!("New message in {account_name}");
    if let Ok(notification) = web_sys::Notification::new_with_options(&title, &options) {
        let shown = notification.clone();
        let clicked = Closure::once_into_js(move || {
            let _ = window().focus();
            shown.close();
        });
        notification.set_onclick(Some(clicked.unchecked_ref()));
    }
}

/// The count on the installed app's icon where the browser has one, otherwise in the tab's
/// title: "(3) Roster".
fn show_badge(count: u32) {
    let navigator = Reflect::get(&window(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let has_badge = Reflect::has(&navigator, &"setAppBadge".into()).unwrap_or(false);
    if has_badge {
        let promise = if count == 0 {
            clear_app_badge()
        } else {
            set_app_badge(f64::from(count))
        };
        if let Ok(promise) = promise {
            IGNORE.with(|ignore| drop(promise.catch(ignore)));
        }
        return;
    }
    let document = document();
    let title = document.title();
    let base = strip_count(&title);
    let wanted = if count == 0 {
        base.to_owned()
    } else {
        format!("({count}) {base}")
    };
    if wanted != title {
        document.set_title(&wanted);
    }
}

/// The title without a leading "(N) " count.
fn strip_count(title: &str) -> &str {
    title
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(") "))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map_or(title, |(_, base)| base)
}

// ---- sound ------------------------------------------------------------------------------------

/// The page's one audio context (browsers limit how many a page may open), resumed.
fn audio_context() -> Option<web_sys::AudioContext> {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        let context = audio.clone()?;
        if context.state() == web_sys::AudioContextState::Suspended
            && let Ok(promise) = context.resume()
        {
            IGNORE.with(|ignore| drop(promise.catch(ignore)));
        }
        Some(context)
    })
}

/// A short two-note chime made with WebAudio: no sound file to download or cache. (The
/// preferences tab plays it on request, which also unlocks audio for later chimes.)
pub fn play_chime() {
    let Some(context) = audio_context() else {
        return;
    };
    let play = || -> Result<(), JsValue> {
        let start = context.current_time();
        let oscillator = context.create_oscillator()?;
        oscillator.set_type(web_sys::OscillatorType::Sine);
        let frequency = oscillator.frequency();
        frequency.set_value_at_time(880.0, start)?;
        frequency.set_value_at_time(1320.0, start + 0.09)?;
        let gain = context.create_gain()?;
        let volume = gain.gain();
        // Ramps, not jumps: a sudden start or stop clicks.
        volume.set_value_at_time(0.0001, start)?;
        volume.exponential_ramp_to_value_at_time(0.2, start + 0.015)?;
        volume.exponential_ramp_to_value_at_time(0.0001, start + 0.3)?;
        oscillator.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&context.destination())?;
        oscillator.start_with_when(start)?;
        oscillator.stop_with_when(start + 0.32)?;
        Ok(())
    };
    let _ = play();
}

#[cfg(test)]
mod tests {
    use super::strip_count;

    #[test]
    fn the_count_is_taken_off_the_title() {
        assert_eq!(strip_count("(3) Roster"), "Roster");
        assert_eq!(strip_count("(12) Users · Roster"), "Users · Roster");
        assert_eq!(strip_count("Roster"), "Roster");
        assert_eq!(strip_count("(draft) Roster"), "(draft) Roster");
        assert_eq!(strip_count("() Roster"), "() Roster");
    }
}
