//! The clipboard: copying a link or codes for the person to paste elsewhere.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `navigator.clipboard.writeText`; throws where there is no clipboard (insecure pages).
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    fn clipboard_write_text(text: &str) -> Result<web_sys::js_sys::Promise, JsValue>;
}

/// Puts `text` on the clipboard; `copied` becomes whether the browser allowed it.
pub fn copy_to_clipboard(text: &str, copied: RwSignal<Option<bool>>) {
    copied.set(None);
    match clipboard_write_text(text) {
        Ok(promise) => {
            // Each runs at most once; the two small closures are left to the browser.
            let done = Closure::once(move |_: JsValue| copied.set(Some(true)));
            let failed = Closure::once(move |_: JsValue| copied.set(Some(false)));
            let _ = promise.then2(&done, &failed);
            done.forget();
            failed.forget();
        }
        Err(_) => copied.set(Some(false)),
    }
}
