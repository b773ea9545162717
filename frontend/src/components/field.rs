//! A labelled form field with its rule explained and its error shown in place.

use leptos::prelude::*;

/// A text input bound to `value`, showing `error` below it (and telling assistive technology
/// the field is invalid).
#[component]
pub fn TextField(
    /// Unique id (also ties the label, hint and error to the input).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The field's current text.
    value: RwSignal<String>,
    /// The problem with the current text, if any (cleared as soon as the person types, so
    /// the form does not shift under their pointer when the field loses focus).
    error: RwSignal<Option<String>>,
    /// `text`, `email`, `password`, `tel`, …
    #[prop(default = "text")]
    input_type: &'static str,
    /// The browser's autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A short explanation under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Called when the field loses focus (to check it).
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    /// Whether the field takes focus when the page opens.
    #[prop(optional)]
    autofocus: bool,
    /// Whether the field is read-only for now (while a request is on its way).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <input
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                autofocus=autofocus
                disabled=move || disabled.get()
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if error.get_untracked().is_some() {
                        error.set(None);
                    }
                }
                on:blur=move |_| if let Some(callback) = on_blur { callback.run(()) }
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {move || error.get().map(|message| view! {
                <p class="field-error" id=error_id.clone()>{message}</p>
            })}
        </div>
    }
}

/// A form input's text and its current problem.
#[derive(Clone, Copy)]
pub struct Input {
    pub value: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
}

impl Input {
    pub fn new() -> Self {
        Self::with(String::new())
    }

    pub fn with(value: impl Into<String>) -> Self {
        Input {
            value: RwSignal::new(value.into()),
            error: RwSignal::new(None),
        }
    }

    /// Runs the `shared` parser on the text: the value, or `None` with the reason shown.
    pub fn check<T, E: std::fmt::Display>(
        &self,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        match parse(&self.value.get_untracked()) {
            Ok(value) => {
                self.error.set(None);
                Some(value)
            }
            Err(error) => {
                self.error.set(Some(capitalize(&error.to_string())));
                None
            }
        }
    }

    /// Shows a problem the server found.
    pub fn fail(&self, message: impl Into<String>) {
        self.error.set(Some(capitalize(&message.into())));
    }
}

impl Default for Input {
    fn default() -> Self {
        Self::new()
    }
}

/// Rules phrase their reasons in lower case ("missing @"); a form shows them as sentences.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
