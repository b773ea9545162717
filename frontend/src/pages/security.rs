//! "Sign-in & Security": the person's name, password, passkeys and two-factor authentication.

use leptos::prelude::*;
use roster_shared::api::{
    AddPasskeyRequest, ChangePasswordRequest, PasskeyInfo, PasswordConfirmation, RecoveryCodes,
    TotpCodeRequest, TotpEnrolment, UpdateNameRequest,
};
use roster_shared::name::{PasskeyName, PersonName};
use roster_shared::password::NewPassword;

use crate::api;
use crate::components::clipboard::copy_to_clipboard;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::locale::Time;
use crate::pages::personal_layout::PersonalLayout;
use crate::remote::Remote;
use crate::session::use_session;
use crate::webauthn;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <PersonalLayout>
        <section class="narrow" aria-labelledby="security-title">
            <h1 id="security-title">"Sign-in & Security"</h1>
            <p class="muted">"How you appear to others and how you sign in."</p>
            <NameSection/>
            <PasswordSection/>
            <PasskeysSection/>
            <TwoFactorSection/>
            <div class="card">
                <h2>"Connected devices"</h2>
                <p class="muted">"See where you are signed in, and sign out of devices you no longer use."</p>
                <a class="button" href="/profile/devices">"Manage devices"</a>
            </div>
        </section>
        </PersonalLayout>
    }
}

#[component]
fn NameSection() -> impl IntoView {
    let session = use_session();
    let editing = RwSignal::new(false);
    let name = Input::new();
    let pending = RwSignal::new(false);
    let open = move |_| {
        name.value.set(
            session
                .info()
                .map(|i| i.user.name.to_string())
                .unwrap_or_default(),
        );
        name.error.set(None);
        editing.set(true);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(parsed) = name.check(PersonName::parse) else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::update_name(&UpdateNameRequest { name: parsed }).await {
                Ok(info) => {
                    session.signed_in(info);
                    editing.set(false);
                }
                Err(error) => name.fail(error.field("name").unwrap_or_else(|| error.message())),
            }
            pending.set(false);
        });
    };
    view! {
        <div class="card">
            <h2>"Name"</h2>
            <div class="row-between">
                <p class="big" data-test="security-name">{move || session.info().map(|i| i.user.name.to_string())}</p>
                <button class="button" on:click=open data-test="update-name">"Update name"</button>
            </div>
            <Dialog open=editing title="Update name" id="name-dialog">
                <form class="form" on:submit=save novalidate>
                    <TextField id="new-name" label="Name" value=name.value error=name.error autocomplete="name"
                        hint="Shown to everyone in your accounts."/>
                    <div class="form-actions">
                        <button class="button ghost" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                        <button class="button primary" type="submit" disabled=move || pending.get() data-test="save-name">"Save"</button>
                    </div>
                </form>
            </Dialog>
        </div>
    }
}

#[component]
fn PasswordSection() -> impl IntoView {
    let session = use_session();
    let current = Input::new();
    let new = Input::new();
    let again = Input::new();
    let pending = RwSignal::new(false);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let email = session
            .info()
            .map(|i| i.user.email.to_string())
            .unwrap_or_default();
        let current_ok = current.check(|p| {
            if p.is_empty() {
                Err("enter your current password")
            } else {
                Ok(p.to_owned())
            }
        });
        let new_password = new.check(|p| NewPassword::parse_for(p, &email));
        let typed = new.value.get_untracked();
        let same = again.check(|p| {
            if p == typed {
                Ok(())
            } else {
                Err("the two new passwords differ")
            }
        });
        let (Some(current_password), Some(new_password), Some(())) =
            (current_ok, new_password, same)
        else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::change_password(&ChangePasswordRequest {
                current_password,
                new_password,
            })
            .await
            {
                Ok(()) => {
                    for input in [current, new, again] {
                        input.value.set(String::new());
                    }
                    done.set(true);
                }
                Err(error) => {
                    if let Some(message) = error.field("current_password") {
                        current.fail(message);
                    } else if let Some(message) = error.field("new_password") {
                        new.fail(message);
                    } else {
                        current.fail(error.message());
                    }
                }
            }
            pending.set(false);
        });
    };
    view! {
        <form class="card form" on:submit=submit novalidate>
            <h2>"Password"</h2>
            <p class="muted">"Changing it signs you out on every other device."</p>
            {move || done.get().then(|| view! { <div class="alert ok" role="status">"Password changed. Other devices were signed out."</div> })}
            <TextField id="current-password" label="Current password" value=current.value error=current.error input_type="password" autocomplete="current-password"/>
            <TextField id="new-password" label="New password" value=new.value error=new.error input_type="password" autocomplete="new-password"
                hint="At least 10 characters."/>
            <TextField id="new-password-again" label="New password again" value=again.value error=again.error input_type="password" autocomplete="new-password"/>
            <div class="form-actions">
                <button class="button primary" type="submit" disabled=move || pending.get()>"Change password"</button>
            </div>
        </form>
    }
}

/// Passkeys: added here (the password first, then the browser's prompt), listed with when
/// each was last used, removable.
#[component]
fn PasskeysSection() -> impl IntoView {
    let passkeys = Remote::new(api::passkeys);
    let methods = Remote::new(api::sign_in_methods);
    let adding = RwSignal::new(false);
    let password = Input::new();
    let name = Input::new();
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);

    let open = move |_| {
        password.value.set(String::new());
        password.error.set(None);
        name.value.set(String::new());
        name.error.set(None);
        failure.set(None);
        adding.set(true);
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let typed = name.check(PasskeyName::parse);
        let given = password.check(|p| {
            if p.is_empty() {
                Err("enter your password")
            } else {
                Ok(p.to_owned())
            }
        });
        let (Some(name_given), Some(password_given)) = (typed, given) else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let ceremony = api::start_passkey(&PasswordConfirmation {
                    password: password_given,
                })
                .await
                .map_err(|error| match error.field("password") {
                    Some(_) => {
                        password.fail(error.message());
                        None
                    }
                    None => Some(error.message()),
                })?;
                let credential = webauthn::create(&ceremony.options).await.map_err(Some)?;
                api::add_passkey(&AddPasskeyRequest {
                    ceremony: ceremony.ceremony,
                    name: name_given,
                    credential,
                })
                .await
                .map_err(|error| Some(error.message()))
            }
            .await;
            pending.set(false);
            match outcome {
                Ok(added) => {
                    adding.set(false);
                    notice.set(Some(format!(
                        "“{}” was added. Next time, choose “Sign in with a passkey”.",
                        added.name
                    )));
                    passkeys.reload();
                }
                Err(Some(message)) => failure.set(Some(message)),
                Err(None) => {}
            }
        });
    };

    let removing = RwSignal::new(None::<PasskeyInfo>);
    let remove_open = RwSignal::new(false);
    let remove_pending = RwSignal::new(false);
    let remove_error = RwSignal::new(None::<String>);
    let remove = Callback::new(move |()| {
        let Some(passkey) = removing.get_untracked() else {
            return;
        };
        remove_pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::remove_passkey(passkey.id).await;
            remove_pending.set(false);
            match result {
                Ok(()) => {
                    remove_open.set(false);
                    notice.set(Some(format!(
                        "“{}” was removed: it no longer signs you in.",
                        passkey.name
                    )));
                    passkeys.reload();
                }
                Err(error) => remove_error.set(Some(error.message())),
            }
        });
    });
    let remove_message = Signal::derive(move || {
        removing
            .get()
            .map(|p| format!("Remove “{}”? It will no longer sign you in. The device may still list it; you can delete it there too.", p.name))
            .unwrap_or_default()
    });
    // Where passkeys work: this page's address, or (Roster reached by 127.0.0.1) its
    // localhost address.
    let availability = move || {
        let origin = methods.value.get()?.ok()?.passkey_origin;
        Some(match origin {
            Some(origin) if webauthn::usable_here(Some(&origin)) => Ok(()),
            Some(origin) if webauthn::supported() => Err(view! {
                <p class="alert info" data-test="passkeys-elsewhere">
                    "Passkeys are tied to Roster's name. Open "<a href=format!("{origin}/profile/security")>{origin.clone()}</a>" to add or use one."
                </p>
            }.into_any()),
            Some(_) => Err(view! {
                <p class="alert info">"This browser cannot use passkeys. Use a recent version of Chrome, Edge, Firefox or Safari."</p>
            }.into_any()),
            None => Err(view! {
                <p class="alert info">"Passkeys need Roster to be reached by its name (an https:// address), not by an IP address. Ask your administrator."</p>
            }.into_any()),
        })
    };

    view! {
        <div class="card" data-test="passkeys">
            <h2>"Passkeys"</h2>
            <p class="muted">"Sign in with your fingerprint, face or device PIN instead of your password and code. A passkey stays on your device or in your password manager, and works only for Roster."</p>
            {move || notice.get().map(|n| view! { <div class="alert ok" role="status" data-test="passkey-notice">{n}</div> })}
            {move || match passkeys.value.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! { <LoadError error=error retry=Callback::new(move |()| passkeys.reload())/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p data-test="passkeys-empty">"No passkeys yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="passkeys" data-test="passkey-list">
                        {list.into_iter().map(|passkey| {
                            let label = passkey.name.to_string();
                            let for_remove = passkey.clone();
                            view! {
                                <li class="device" data-test="passkey" data-name=label.clone()>
                                    <div>
                                        <p class="device-name">{label.clone()}</p>
                                        <p class="muted small">
                                            "Added "<Time at=passkey.created_at/>" · "
                                            {match passkey.last_used_at {
                                                Some(at) => view! { "last used "<Time at relative=true/> }.into_any(),
                                                None => "not used yet".into_any(),
                                            }}
                                        </p>
                                    </div>
                                    <button type="button" class="button small" aria-label=format!("Remove {label}") data-test="remove-passkey"
                                        on:click=move |_| {
                                            remove_error.set(None);
                                            removing.set(Some(for_remove.clone()));
                                            remove_open.set(true);
                                        }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || match availability() {
                None => None,
                Some(Ok(())) => Some(view! {
                    <button class="button" on:click=open data-test="add-passkey">"Add a passkey"</button>
                }.into_any()),
                Some(Err(why)) => Some(why),
            }}
            <Dialog open=adding title="Add a passkey" id="passkey-dialog">
                <form class="form" on:submit=add novalidate>
                    <p>"Your browser will ask where to keep the passkey (this device, a phone or a security key) and to unlock it."</p>
                    {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="passkey-error">{m}</div> })}
                    <TextField id="passkey-name" label="Name" value=name.value error=name.error autocomplete="off"
                        hint="So you can tell your passkeys apart, such as “Work laptop”."/>
                    <TextField id="passkey-password" label="Your password" value=password.value error=password.error input_type="password" autocomplete="current-password"/>
                    <div class="form-actions">
                        <button class="button ghost" type="button" on:click=move |_| adding.set(false)>"Cancel"</button>
                        <button class="button primary" type="submit" disabled=move || pending.get() data-test="create-passkey">
                            {move || if pending.get() { "Waiting for the browser…" } else { "Continue" }}
                        </button>
                    </div>
                </form>
            </Dialog>
            <ConfirmDialog open=remove_open title="Remove passkey" id="remove-passkey-dialog" message=remove_message
                confirm_label="Remove" danger=true pending=remove_pending error=remove_error on_confirm=remove/>
        </div>
    }
}

#[component]
fn TwoFactorSection() -> impl IntoView {
    let session = use_session();
    let enabled = move || session.info().is_some_and(|i| i.totp_enabled);
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let codes = RwSignal::new(None::<RecoveryCodes>);
    let code = Input::new();
    let password = Input::new();
    let disabling = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);

    let refresh_session = move || {
        leptos::task::spawn_local(async move {
            if let Ok(Some(info)) = api::session().await {
                session.signed_in(info);
            }
        });
    };
    let start = move |_| {
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::start_totp().await {
                Ok(started) => enrolment.set(Some(started)),
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = TotpCodeRequest {
            code: code.value.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::confirm_totp(&request).await {
                Ok(recovery) => {
                    enrolment.set(None);
                    codes.set(Some(recovery));
                    refresh_session();
                }
                Err(error) => code.fail(error.message()),
            }
        });
    };
    let disable = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = PasswordConfirmation {
            password: password.value.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::disable_totp(&request).await {
                Ok(()) => {
                    disabling.set(false);
                    password.value.set(String::new());
                    codes.set(None);
                    refresh_session();
                }
                Err(error) => password.fail(error.message()),
            }
        });
    };
    view! {
        <div class="card">
            <h2>"Two-factor authentication"</h2>
            {move || failure.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            {move || if let Some(recovery) = codes.get() {
                view! {
                    <div class="alert ok" role="status">
                        <p><strong>"Two-factor authentication is on."</strong>" Keep these recovery codes somewhere safe. Each works once if you lose your phone; they are shown only now."</p>
                        <ul class="codes" data-test="recovery-codes">
                            {recovery.codes.iter().map(|c| view! { <li><code>{c.clone()}</code></li> }).collect_view()}
                        </ul>
                        <RecoveryCodesActions codes=recovery.codes/>
                    </div>
                }.into_any()
            } else if let Some(started) = enrolment.get() {
                let qr = format!("data:image/svg+xml;utf8,{}", percent_encode(&started.qr_svg));
                view! {
                    <ol class="steps">
                        <li>"Scan this code with an authenticator app (such as 1Password, Google Authenticator or Aegis)."</li>
                    </ol>
                    <img class="qr" src=qr width="200" height="200" alt="QR code for your authenticator app"/>
                    <p class="muted">"Cannot scan it? Enter this key: "<code data-test="totp-secret">{started.secret}</code></p>
                    <form class="form" on:submit=confirm novalidate>
                        <TextField id="totp-confirm" label="Code from the app" value=code.value error=code.error autocomplete="one-time-code"/>
                        <div class="form-actions">
                            <button class="button ghost" type="button" on:click=move |_| enrolment.set(None)>"Cancel"</button>
                            <button class="button primary" type="submit" data-test="totp-confirm">"Turn on"</button>
                        </div>
                    </form>
                }.into_any()
            } else if enabled() {
                view! {
                    <p><span class="badge ok">"On"</span>" A code from your authenticator app is needed when you sign in."</p>
                    <Show when=move || disabling.get() fallback=move || view! {
                        <button class="button danger" on:click=move |_| disabling.set(true)>"Turn off"</button>
                    }>
                        <form class="form" on:submit=disable novalidate>
                            <TextField id="totp-off-password" label="Your password" value=password.value error=password.error input_type="password" autocomplete="current-password"/>
                            <div class="form-actions">
                                <button class="button ghost" type="button" on:click=move |_| disabling.set(false)>"Cancel"</button>
                                <button class="button danger" type="submit">"Turn off two-factor authentication"</button>
                            </div>
                        </form>
                    </Show>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"Protect your account with a code from an authenticator app in addition to your password."</p>
                    <button class="button" on:click=start data-test="totp-start">"Set up two-factor authentication"</button>
                }.into_any()
            }}
        </div>
    }
}

/// Percent-encodes an SVG or text for a `data:` URL (kept readable where that is allowed).
fn percent_encode(text: &str) -> String {
    crate::url::percent_encode(text, b" =:/,")
}

/// Copy and download for freshly shown recovery codes (they are not shown again).
#[component]
fn RecoveryCodesActions(
    /// The codes, as shown.
    codes: Vec<String>,
) -> impl IntoView {
    let text = format!(
        "Roster recovery codes\n\nEach code signs you in once if you cannot use your authenticator app.\n\n{}\n",
        codes.join("\n")
    );
    let download = format!("data:text/plain;charset=utf-8,{}", percent_encode(&text));
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    view! {
        <div class="form-actions start">
            <button type="button" class="button" data-test="copy-recovery-codes"
                on:click=move |_| text.with_value(|t| copy_to_clipboard(t, copied))>
                "Copy codes"
            </button>
            <a class="button" href=download download="roster-recovery-codes.txt" data-test="download-recovery-codes">
                "Download as a file"
            </a>
            <span class="muted small" role="status" data-test="recovery-codes-copied">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "This browser did not allow copying: select the codes instead.",
                    None => "",
                }}
            </span>
        </div>
    }
}
