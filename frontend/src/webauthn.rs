//! The browser's passkey prompts (WebAuthn), with the server's JSON in and out.
//!
//! The server sends WebAuthn's options as JSON; the browser turns them into its own objects
//! with `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`,
//! and the credential it answers back into JSON with `toJSON()`. Those are the standard's own
//! conversions (every current browser has them), so no JavaScript library is needed and the
//! bytes are never handled here.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const UNSUPPORTED: &str =
    "This browser cannot use passkeys. Use a recent version of Chrome, Edge, Firefox or Safari.";

/// Whether this page is where passkeys work (`origin` from the server: `SignInMethods`).
pub fn usable_here(origin: Option<&str>) -> bool {
    let here = leptos::prelude::window().location().origin().ok();
    origin.is_some() && here.as_deref() == origin && supported()
}

/// Whether the browser has passkeys with the JSON conversions.
pub fn supported() -> bool {
    constructor()
        .and_then(|pkc| method(&pkc, "parseRequestOptionsFromJSON"))
        .is_some()
}

fn constructor() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &"PublicKeyCredential".into())
        .ok()
        .filter(|value| !value.is_undefined())
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|value| value.dyn_into().ok())
}

/// Makes a passkey: the browser asks the person to choose where, and to unlock it.
pub async fn create(options: &serde_json::Value) -> Result<serde_json::Value, String> {
    run(options, "parseCreationOptionsFromJSON", "create").await
}

/// Asks the person for one of their passkeys for this site.
pub async fn get(options: &serde_json::Value) -> Result<serde_json::Value, String> {
    run(options, "parseRequestOptionsFromJSON", "get").await
}

async fn run(
    options: &serde_json::Value,
    parse: &str,
    call: &str,
) -> Result<serde_json::Value, String> {
    let pkc = constructor().ok_or(UNSUPPORTED)?;
    let parse = method(&pkc, parse).ok_or(UNSUPPORTED)?;
    let json = serde_json::to_string(&options["publicKey"]).map_err(|e| e.to_string())?;
    let json = JSON::parse(&json).map_err(describe)?;
    let public_key = parse.call1(&pkc, &json).map_err(describe)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(describe)?;
    let credentials = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"credentials".into()))
        .map_err(describe)?;
    let prompt = method(&credentials, call).ok_or(UNSUPPORTED)?;
    let promise: Promise = prompt
        .call1(&credentials, &request)
        .map_err(describe)?
        .dyn_into()
        .map_err(describe)?;
    let credential = JsFuture::from(promise).await.map_err(describe)?;
    if credential.is_null() || credential.is_undefined() {
        return Err("No passkey was chosen.".into());
    }
    let to_json = method(&credential, "toJSON").ok_or(UNSUPPORTED)?;
    let json = to_json.call0(&credential).map_err(describe)?;
    let text: String = JSON::stringify(&json).map_err(describe)?.into();
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A sentence for what the browser refused (its `DOMException` names the case).
fn describe(error: JsValue) -> String {
    let field = |name: &str| {
        Reflect::get(&error, &name.into())
            .ok()
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    };
    match field("name").as_str() {
        "NotAllowedError" | "AbortError" => {
            "The passkey prompt was closed or timed out. Nothing changed; you can try again.".into()
        }
        "InvalidStateError" => {
            "This device or key already holds a passkey for Roster. Use that one.".into()
        }
        "SecurityError" => {
            "The browser refused passkeys at this address. Open Roster at its usual address.".into()
        }
        "NotSupportedError" => UNSUPPORTED.into(),
        _ => format!("The passkey prompt failed: {}", field("message")),
    }
}
