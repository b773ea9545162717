//! Profile Details: Home, Notification preferences and Connected devices tabs.

use leptos::prelude::*;
use roster_shared::api::Device;

use crate::api;
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
        <section class="page narrow" aria-labelledby="profile-title">
            <h1 id="profile-title">"Profile details"</h1>
            <nav class="tabs" aria-label="Profile sections">
                {tab_link(ProfileTab::Home, "/profile", "Home")}
                {tab_link(ProfileTab::Notifications, "/profile/notifications", "Notification preferences")}
                {tab_link(ProfileTab::Devices, "/profile/devices", "Connected devices")}
            </nav>
            {match tab {
                ProfileTab::Home => view! { <HomeTab/> }.into_any(),
                ProfileTab::Notifications => view! { <p class="card muted">"Notification preferences are coming soon."</p> }.into_any(),
                ProfileTab::Devices => view! { <DevicesTab/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn HomeTab() -> impl IntoView {
    let session = use_session();
    view! {
        <div class="card">
            <h2>"User details"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd>{move || session.info().map(|i| i.user.name.to_string())}</dd>
                <dt>"Email address"</dt>
                <dd>{move || session.info().map(|i| i.user.email.to_string())}</dd>
            </dl>
            <p class="muted">"Change your name on "<a href="/security">"Sign-in & Security"</a>"."</p>
        </div>
    }
}

#[component]
fn DevicesTab() -> impl IntoView {
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
                    {format!("Signed in {} · last active {} · {}", device.signed_in_at.format_date(), device.last_seen_at.format_date_time(), device.ip)}
                </p>
            </div>
            {(!device.current).then(|| view! {
                <button class="button small" on:click=move |_| on_sign_out(id) aria-label=format!("Sign out {} on {}", device.browser, device.os)>"Sign out"</button>
            })}
        </li>
    }
}
