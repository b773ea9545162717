//! `SecretOnce`: a secret shown this once (a new API token, a webhook's signing secret), with
//! Copy and "I have copied it". Focus moves to it, so keyboard and screen reader users find it
//! at once; once dismissed it is gone for good (the server keeps no readable copy to show).

use leptos::prelude::*;

use crate::components::clipboard::copy_to_clipboard;

#[component]
pub fn SecretOnce(
    /// The region's heading.
    title: String,
    /// What the value is called ("Token", "Signing secret").
    label: &'static str,
    /// After "Copy it now: you will not see it again.": what to do with it, or if it is lost.
    advice: &'static str,
    /// The secret.
    value: String,
    /// The region's `data-test`; its value is `{test}-value`, its button `{test}-done`.
    test: &'static str,
    /// The person has taken the secret (hides it for good).
    on_done: Callback<()>,
    /// What follows the copy status (what the secret acts on).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let secret = StoredValue::new(value);
    let heading_ref = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    let (title_id, heading_id) = (format!("{test}-title"), format!("{test}-title"));
    let (input_id, label_for) = (format!("{test}-input"), format!("{test}-input"));
    view! {
        <div class="card new-token" role="region" aria-labelledby=title_id data-test=test>
            <h2 id=heading_id tabindex="-1" node_ref=heading_ref>{title}</h2>
            <p class="alert warn">
                <strong>"Copy it now: you will not see it again."</strong>
                " "{advice}
            </p>
            <label class="label" for=label_for>{label}</label>
            <div class="secret-row">
                <input id=input_id class="input secret" readonly prop:value=secret.get_value()
                    data-test=format!("{test}-value") on:focus=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }/>
                <button type="button" class="button" data-test=format!("{test}-copy")
                    on:click=move |_| secret.with_value(|s| copy_to_clipboard(s, copied))>"Copy"</button>
            </div>
            <p class="small" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "The browser did not allow copying: select it and copy it yourself.",
                    None => "",
                }}
            </p>
            {children.map(|children| children())}
            <div class="form-actions">
                <button type="button" class="button primary" data-test=format!("{test}-done") on:click=move |_| on_done.run(())>"I have copied it"</button>
            </div>
        </div>
    }
}
