//! Profile Details: Home (User Details), Notification preferences and Connected devices.
//!
//! Only the person themself reaches these screens (here, beside the personal sidebar, and from
//! their own row of a Users list: ⋮ › Edit profile); an Admin sees someone else's details
//! read-only on their person page.

use leptos::prelude::*;
use roster_shared::api::{Device, MyProfile, NotificationPreferences, ProfileUpdate};
use roster_shared::country::CountryCode;
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::phone::PhoneNumber;

use crate::api;
use crate::components::country_picker::{CountryPicker, browser_country};
use crate::components::field::{Input, TextField, capitalize};
use crate::components::load_error::LoadError;
use crate::live::{notification_permission, request_notification_permission, use_live};
use crate::locale::Time;
use crate::pages::personal_layout::PersonalLayout;
use crate::remote::Remote;
use crate::session::use_session;
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ProfileTab {
    Home,
    Notifications,
    Devices,
}

#[component]
pub fn ProfilePage(
    /// The tab the address names.
    tab: ProfileTab,
) -> impl IntoView {
    let tab_link = move |target: ProfileTab, href: &'static str, label: &'static str| {
        view! {
            <a href=href class="tab" class:active=tab == target aria-current=(tab == target).then_some("page")>{label}</a>
        }
    };
    view! {
        <PersonalLayout>
        <section class="narrow" aria-labelledby="profile-title">
            <h1 id="profile-title">"Profile details"</h1>
            <nav class="tabs" aria-label="Profile sections">
                {tab_link(ProfileTab::Home, "/profile", "Home")}
                {tab_link(ProfileTab::Notifications, "/profile/notifications", "Notification preferences")}
                {tab_link(ProfileTab::Devices, "/profile/devices", "Connected devices")}
            </nav>
            {match tab {
                ProfileTab::Home => view! { <HomeTab/> }.into_any(),
                ProfileTab::Notifications => view! { <NotificationsTab/> }.into_any(),
                ProfileTab::Devices => view! { <DevicesTab/> }.into_any(),
            }}
        </section>
        </PersonalLayout>
    }
}

#[component]
pub fn HomeTab() -> impl IntoView {
    let profile = Remote::new(api::my_profile);
    view! {
        {move || match profile.value.get() {
            None => view! { <p class="card muted" role="status">"Loading your details…"</p> }.into_any(),
            Some(Err(error)) => view! {
                <LoadError error=error retry=Callback::new(move |()| profile.reload())/>
            }.into_any(),
            Some(Ok(loaded)) => view! { <DetailsForm profile=loaded/> }.into_any(),
        }}
    }
}

/// The country a number without +code is read with when none was chosen yet: the browser's.
fn suggested_country() -> CountryCode {
    browser_country().unwrap_or_else(|| CountryCode::parse("US").expect("a known code"))
}

/// User Details: every field saved at once, each problem shown at its field.
#[component]
fn DetailsForm(
    /// The details as the server has them.
    profile: MyProfile,
) -> impl IntoView {
    let session = use_session();
    let name = Input::with(profile.name.as_str());
    let email = Input::with(profile.email.as_str());
    let mobile = Input::with(
        profile
            .mobile
            .as_ref()
            .map(PhoneNumber::as_str)
            .unwrap_or_default(),
    );
    let country = RwSignal::new(profile.country.unwrap_or_else(suggested_country));
    let country_chosen = RwSignal::new(profile.country.is_some());
    let country_error = RwSignal::new(None::<String>);
    let confirmed_email = RwSignal::new(profile.email.clone());
    let pending_email = RwSignal::new(profile.pending_email.clone());
    let pending = RwSignal::new(false);
    let saved = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    // How the number will be stored, while it is typed: "+4915123456789".
    let mobile_e164 = Memo::new(move |_| {
        let typed = mobile.value.get();
        let typed = typed.trim();
        (!typed.is_empty())
            .then(|| PhoneNumber::parse(typed, country.get()).ok())
            .flatten()
            .map(|number| number.as_str().to_owned())
    });
    // A new country reads the typed number differently: an old complaint may not hold.
    Effect::new(move |previous: Option<CountryCode>| {
        let now = country.get();
        if previous.is_some_and(|p| p != now) {
            country_error.set(None);
            mobile.error.set(None);
        }
        now
    });
    let check_mobile = move || {
        let typed = mobile.value.get_untracked();
        if typed.trim().is_empty() {
            mobile.error.set(None);
            true
        } else {
            let chosen = country.get_untracked();
            mobile.check(|m| PhoneNumber::parse(m, chosen)).is_some()
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        failure.set(None);
        // Every field is checked, so all mistakes show at once.
        let parsed_name = name.check(PersonName::parse);
        let parsed_email = email.check(EmailAddress::parse);
        let mobile_ok = check_mobile();
        let (Some(parsed_name), Some(parsed_email), true) = (parsed_name, parsed_email, mobile_ok)
        else {
            return;
        };
        let request = ProfileUpdate {
            name: parsed_name.as_str().to_owned(),
            email: parsed_email.as_str().to_owned(),
            mobile: mobile.value.get_untracked().trim().to_owned(),
            country: country.get_untracked().as_str().to_owned(),
        };
        let asked_before = pending_email.get_untracked();
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::update_profile(&request).await {
                Ok(answer) => {
                    name.value.set(answer.name.as_str().to_owned());
                    email.value.set(answer.email.as_str().to_owned());
                    mobile.value.set(
                        answer
                            .mobile
                            .as_ref()
                            .map(PhoneNumber::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    );
                    if let Some(code) = answer.country {
                        country.set(code);
                        country_chosen.set(true);
                    }
                    confirmed_email.set(answer.email.clone());
                    let newly_asked =
                        answer.pending_email.is_some() && answer.pending_email != asked_before;
                    saved.set(Some(match &answer.pending_email {
                        Some(new) if newly_asked => format!(
                            "Saved. We sent a confirmation link to {new}; your address changes once you open it."
                        ),
                        _ => "Saved.".to_owned(),
                    }));
                    pending_email.set(answer.pending_email);
                    // The header shows the name from the session.
                    if let Ok(Some(info)) = api::session().await {
                        session.signed_in(info);
                    }
                }
                Err(error) => {
                    let mut named = false;
                    for (input, field) in [(name, "name"), (email, "email"), (mobile, "mobile")] {
                        if let Some(message) = error.field(field) {
                            input.fail(message);
                            named = true;
                        }
                    }
                    if let Some(message) = error.field("country") {
                        country_error.set(Some(capitalize(&message)));
                        named = true;
                    }
                    if !named {
                        failure.set(Some(error.message()));
                    }
                }
            }
            pending.set(false);
        });
    };

    view! {
        <form class="card form profile-form" on:submit=submit novalidate data-test="profile-form">
            <h2>"User details"</h2>
            <p class="muted">"Only you can change these. Admins see them on your person page."</p>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="profile-error">{m}</div> })}
            <TextField id="profile-name" label="Name" value=name.value error=name.error autocomplete="name"
                hint="Shown to everyone in your accounts."/>
            <TextField id="profile-email" label="Email address" value=email.value error=email.error input_type="email"
                autocomplete="email" hint="You sign in with it. A new address takes effect once you confirm it from its inbox."/>
            {move || pending_email.get().map(|new| view! {
                <div class="alert info pending-email" role="status" data-test="pending-email">
                    <p>
                        "Waiting for confirmation: "<strong>{new.to_string()}</strong>". We sent a link to that address. Until it is opened, you keep signing in with "
                        <strong>{confirmed_email.get().to_string()}</strong>"."
                    </p>
                    <p class="small">"Did not arrive? Save the new address again to send a fresh link."</p>
                </div>
            })}
            <div class="phone-row">
                <div class="field" class:invalid=move || country_error.get().is_some()>
                    <label for="profile-country">"Default sending country"</label>
                    <p class="hint" id="profile-country-hint">
                        {move || if country_chosen.get() {
                            "Messages you send go out from this country; numbers without + are read with its code."
                        } else {
                            "Not chosen yet: suggested from your browser's language. Saving keeps it."
                        }}
                    </p>
                    <CountryPicker id="profile-country" value=country
                        invalid=Signal::derive(move || country_error.get().is_some())
                        described_by=Signal::derive(move || if country_error.get().is_some() {
                            "profile-country-hint profile-country-error".to_owned()
                        } else {
                            "profile-country-hint".to_owned()
                        })/>
                    {move || country_error.get().map(|m| view! { <p class="field-error" id="profile-country-error" data-test="country-error">{m}</p> })}
                </div>
                <div class="mobile-field">
                    <TextField id="profile-mobile" label="Mobile number (optional)" value=mobile.value error=mobile.error
                        input_type="tel" autocomplete="tel"
                        hint="With +country code, or as dialled in the chosen country."/>
                    {move || mobile_e164.get().filter(|_| mobile.error.get().is_none()).map(|e164| view! {
                        <p class="muted small e164" data-test="mobile-e164">"Saved as "<span class="e164-number">{e164}</span></p>
                    })}
                </div>
            </div>
            <div class="form-actions">
                {move || saved.get().map(|m| view! { <p class="saved-note" role="status" data-test="profile-saved">{m}</p> })}
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="profile-save">
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}

#[component]
pub fn NotificationsTab() -> impl IntoView {
    let preferences = Remote::new(api::notification_preferences);
    view! {
        {move || match preferences.value.get() {
            None => view! { <p class="card muted" role="status">"Loading your preferences…"</p> }.into_any(),
            Some(Err(error)) => view! {
                <LoadError error=error retry=Callback::new(move |()| preferences.reload())/>
            }.into_any(),
            Some(Ok(loaded)) => view! { <PreferencesForm initial=loaded/> }.into_any(),
        }}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Preference {
    Desktop,
    Badge,
    Sound,
}

impl Preference {
    fn get(self, p: &NotificationPreferences) -> bool {
        match self {
            Preference::Desktop => p.desktop,
            Preference::Badge => p.badge,
            Preference::Sound => p.sound,
        }
    }

    fn set(self, p: &mut NotificationPreferences, on: bool) {
        match self {
            Preference::Desktop => p.desktop = on,
            Preference::Badge => p.badge = on,
            Preference::Sound => p.sound = on,
        }
    }
}

/// What the browser said when asked for notifications, as a sentence (`None`: allowed).
fn permission_problem(permission: Option<&str>) -> Option<&'static str> {
    match permission {
        Some("granted") => None,
        Some("denied") => Some(
            "Your browser blocks notifications from Roster, so none can appear. Allow them in the site settings (the icon beside the address bar), then reload this page.",
        ),
        Some(_) => Some("Your browser has not been allowed to show notifications from Roster yet."),
        None => Some("This browser cannot show desktop notifications."),
    }
}

/// The three switches; each change is saved at once.
#[component]
fn PreferencesForm(
    /// The preferences as the server has them.
    initial: NotificationPreferences,
) -> impl IntoView {
    let live = use_live();
    let current = RwSignal::new(initial);
    let permission = RwSignal::new(notification_permission());
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    // What the server has: the switches go back to it when a save fails.
    let stored = StoredValue::new(initial);
    // Switches flipped quickly send several saves: only the answer to the latest may move
    // the switches, or an older answer would undo a newer flip.
    let latest = StoredValue::new(0u32);
    let save = move |next: NotificationPreferences| {
        current.set(next);
        status.set(None);
        let number = latest.get_value().wrapping_add(1);
        latest.set_value(number);
        leptos::task::spawn_local(async move {
            let answer = api::set_notification_preferences(&next).await;
            if latest.get_value() != number {
                return;
            }
            match answer {
                Ok(saved) => {
                    stored.set_value(saved);
                    current.set(saved);
                    // Applies at once to this tab's live events.
                    live.preferences.set(Some(saved));
                    status.set(Some(Ok("Saved.")));
                }
                Err(error) => {
                    current.set(stored.get_value());
                    status.set(Some(Err(error.message())));
                }
            }
        });
    };
    let change = move |which: Preference, on: bool| {
        let mut next = current.get_untracked();
        which.set(&mut next, on);
        if which == Preference::Desktop
            && on
            && permission.get_untracked().as_deref() != Some("granted")
        {
            // Shown as on while the browser asks; off again if the answer is no.
            current.set(next);
            status.set(None);
            request_notification_permission(move |answer| {
                permission.set(Some(answer.clone()));
                if answer == "granted" {
                    save(next);
                } else {
                    current.update(|p| p.desktop = false);
                    status.set(Some(Err(permission_problem(
                        notification_permission().as_deref(),
                    )
                    .unwrap_or_default()
                    .to_owned())));
                }
            });
        } else {
            save(next);
        }
    };
    let switch =
        move |which: Preference, id: &'static str, title: &'static str, hint: &'static str| {
            let hint_id = format!("{id}-hint");
            view! {
                <li class="preference">
                    <input type="checkbox" role="switch" id=id data-test=id
                        prop:checked=move || which.get(&current.get())
                        aria-describedby=hint_id.clone()
                        on:change=move |ev| change(which, event_target_checked(&ev))/>
                    <label for=id>
                        <span class="preference-title">{title}</span>
                        <span class="hint" id=hint_id>{hint}</span>
                    </label>
                </li>
            }
        };
    view! {
        <div class="card">
            <h2>"New inbound messages"</h2>
            <p class="muted">"How Roster tells you about a new message on an account you can open, while it is open in this browser. Your choice applies on every device you sign in on."</p>
            <ul class="preferences">
                {switch(Preference::Desktop, "pref-desktop", "Desktop notifications",
                    "A notification on your screen with who wrote and the start of the message, also while Roster is in the background.")}
                {switch(Preference::Badge, "pref-badge", "Browser badge",
                    "A count of new messages on Roster's app icon, or in the tab's title, until you come back to Roster.")}
                {switch(Preference::Sound, "pref-sound", "Sound",
                    "A short chime.")}
            </ul>
            {move || (current.get().desktop).then(|| permission_problem(permission.get().as_deref())).flatten().map(|problem| view! {
                <div class="alert warn" role="alert" data-test="permission-problem">
                    <p>{problem}</p>
                    {(permission.get().as_deref() == Some("default")).then(|| view! {
                        <button type="button" class="button small" on:click=move |_| change(Preference::Desktop, true)>"Allow notifications"</button>
                    })}
                </div>
            })}
            {move || status.get().and_then(Result::err).map(|m| view! {
                <p class="alert error" role="alert" data-test="preferences-error">{m}</p>
            })}
            <div class="preferences-foot">
                <button type="button" class="button small" on:click=move |_| crate::live::play_chime() data-test="sound-sample">"Play the sound"</button>
                {move || status.get().and_then(Result::ok).map(|m| view! {
                    <p class="saved-note" role="status" data-test="preferences-saved">{m}</p>
                })}
            </div>
        </div>
    }
}

#[component]
pub fn DevicesTab() -> impl IntoView {
    let devices = Remote::new(api::devices);
    let failure = RwSignal::new(None::<String>);
    let sign_out = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api::sign_out_device(id).await {
                Ok(()) => devices.reload(),
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    let sign_out_others = move |_| {
        leptos::task::spawn_local(async move {
            match api::sign_out_other_devices().await {
                Ok(()) => devices.reload(),
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    view! {
        <div class="card">
            <div class="row-between">
                <h2>"Connected devices"</h2>
                <button class="button" on:click=sign_out_others data-test="sign-out-others">"Sign out of all other devices"</button>
            </div>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            {move || match devices.value.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(result) => match result {
                    Err(error) => view! { <div class="alert error" role="alert">{error.message()}</div> }.into_any(),
                    Ok(list) => view! {
                        <ul class="device-list" data-test="devices">
                            {list.into_iter().map(|device| view! { <DeviceRow device on_sign_out=sign_out/> }).collect_view()}
                        </ul>
                    }.into_any(),
                },
            }}
        </div>
    }
}

#[component]
fn DeviceRow(
    /// The device to show.
    device: Device,
    /// Signs it out.
    on_sign_out: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = device.id;
    view! {
        <li class="device" data-test="device" data-current=device.current.to_string()>
            <div>
                <p class="device-name">
                    {format!("{} on {}", device.browser, device.os)}
                    {device.current.then(|| view! { <span class="badge accent">"This device"</span> })}
                </p>
                <p class="muted small">
                    "Signed in "<Time at=device.signed_in_at/>{format!(" {}", device.method.phrase())}" · last active "<Time at=device.last_seen_at relative=true/>{format!(" · {}", device.ip)}
                </p>
            </div>
            {(!device.current).then(|| view! {
                <button class="button small" on:click=move |_| on_sign_out(id) aria-label=format!("Sign out {} on {}", device.browser, device.os)>"Sign out"</button>
            })}
        </li>
    }
}
