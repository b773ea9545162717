//! `EmailChipsInput`: the "New User" email box. Addresses are typed or pasted, separated by
//! commas, spaces, semicolons, line breaks or Enter; each becomes a chip checked with
//! `EmailAddress::parse` as it is made. A bad one is red with its reason and can be clicked
//! to put it back into the box for fixing; × removes a chip; an address given twice (in any
//! case) is kept once, with a note. Pasted lists are split with the same
//! `invite_list::entries` the server reads them with.

use leptos::prelude::*;
use roster_shared::email::{EmailAddress, EmailError};
use roster_shared::invite_list;
use wasm_bindgen::{JsCast, JsValue};

use crate::components::field::capitalize;

/// One entry of the box.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailChip {
    /// As typed.
    pub text: String,
    /// The address, or why it is not one.
    pub parsed: Result<EmailAddress, EmailError>,
}

impl EmailChip {
    pub fn new(text: &str) -> Self {
        EmailChip {
            text: text.to_owned(),
            parsed: EmailAddress::parse(text),
        }
    }
}

/// Adds the entries of `text` to `chips`, merging addresses already there (compared without
/// case) and repeated bad entries; returns the addresses that were merged.
pub fn add_entries(chips: &mut Vec<EmailChip>, text: &str) -> Vec<String> {
    let mut merged = Vec::new();
    for entry in invite_list::entries(text) {
        let chip = EmailChip::new(entry);
        let repeated = match &chip.parsed {
            Ok(address) => {
                let key = address.key();
                chips
                    .iter()
                    .any(|c| c.parsed.as_ref().is_ok_and(|a| a.key() == key))
            }
            Err(_) => chips.iter().any(|c| c.text == chip.text),
        };
        if repeated {
            if !merged.contains(&chip.text) {
                merged.push(chip.text);
            }
        } else {
            chips.push(chip);
        }
    }
    merged
}

/// Splits what has been typed into finished entries (before the last separator) and the
/// entry still being typed. Inside a display name (`Ana Lopez <ana@…>` or a quote) only
/// commas, semicolons and line breaks finish an entry.
pub fn split_typed(text: &str) -> (&str, &str) {
    let soft = !text.contains(['<', '"']);
    let last = text
        .rfind(|c: char| matches!(c, ',' | ';' | '\n' | '\r') || (soft && matches!(c, ' ' | '\t')));
    match last {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => ("", text),
    }
}

/// The text a paste event carries (`event.clipboardData.getData("text")`).
fn pasted_text(ev: &leptos::ev::ClipboardEvent) -> Option<String> {
    use web_sys::js_sys::{Function, Reflect};
    let data = Reflect::get(ev.as_ref(), &JsValue::from_str("clipboardData")).ok()?;
    let get = Reflect::get(&data, &JsValue::from_str("getData"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    get.call1(&data, &JsValue::from_str("text"))
        .ok()?
        .as_string()
}

#[component]
pub fn EmailChipsInput(
    /// Id of the text input (the label points at it; hint and errors derive theirs from it).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The entries so far, good and bad, in the order given.
    chips: RwSignal<Vec<EmailChip>>,
    /// The text being typed, not yet an entry (it becomes one on a separator, Enter, or
    /// when the box loses focus).
    draft: RwSignal<String>,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let hint_id = format!("{id}-hint");
    let errors_id = format!("{id}-errors");
    let add = move |text: &str| {
        let mut merged = Vec::new();
        chips.update(|c| merged = add_entries(c, text));
        note.set(
            (!merged.is_empty())
                .then(|| format!("Already in the list, so kept once: {}.", merged.join(", "))),
        );
    };
    let commit = move || {
        let text = draft.get_untracked();
        if !text.trim().is_empty() {
            add(&text);
        }
        draft.set(String::new());
    };
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let remove = move |index: usize| {
        chips.update(|c| {
            if index < c.len() {
                c.remove(index);
            }
        });
        focus_input();
    };
    let edit = move |index: usize| {
        commit();
        let mut text = None;
        chips.update(|c| {
            if index < c.len() {
                text = Some(c.remove(index).text);
            }
        });
        if let Some(text) = text {
            draft.set(text);
        }
        focus_input();
    };
    let invalid = move || chips.with(|c| c.iter().any(|c| c.parsed.is_err()));
    let described = {
        let hint_id = hint_id.clone();
        let errors_id = errors_id.clone();
        move || {
            if invalid() {
                format!("{hint_id} {errors_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field email-chips" class:invalid=invalid>
            <label for=id>{label}</label>
            <p class="hint" id=hint_id>
                "Separate addresses with commas, spaces or new lines, or paste a list. Click a red one to fix it."
            </p>
            <div class="chips-box" on:click=move |_| focus_input()>
                <ul class="chips" aria-label="Addresses" data-test="chips">
                    {move || chips.get().into_iter().enumerate().map(|(index, chip)| match chip.parsed {
                        Ok(address) => {
                            let address = address.to_string();
                            view! {
                                <li class="chip" data-test="chip">
                                    <span class="chip-text">{address.clone()}</span>
                                    <button type="button" class="chip-remove" aria-label=format!("Remove {address}")
                                        on:click=move |ev| { ev.stop_propagation(); remove(index) }>"×"</button>
                                </li>
                            }.into_any()
                        }
                        Err(error) => {
                            let reason = capitalize(&error.to_string());
                            view! {
                                <li class="chip invalid" data-test="chip-invalid">
                                    <button type="button" class="chip-text chip-edit" title=reason.clone()
                                        aria-label=format!("Fix {}: {}", chip.text, reason)
                                        on:click=move |ev| { ev.stop_propagation(); edit(index) }>{chip.text.clone()}</button>
                                    <button type="button" class="chip-remove" aria-label=format!("Remove {}", chip.text)
                                        on:click=move |ev| { ev.stop_propagation(); remove(index) }>"×"</button>
                                </li>
                            }.into_any()
                        }
                    }).collect_view()}
                </ul>
                <input
                    id=id
                    class="chips-input"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    inputmode="email"
                    node_ref=input_ref
                    aria-describedby=described
                    aria-invalid=move || invalid().to_string()
                    prop:value=move || draft.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        let (done, rest) = split_typed(&value);
                        if !done.trim().is_empty() {
                            add(done);
                        }
                        draft.set(rest.to_owned());
                    }
                    on:paste=move |ev| {
                        if let Some(text) = pasted_text(&ev) {
                            ev.prevent_default();
                            let text = format!("{}{text}", draft.get_untracked());
                            draft.set(String::new());
                            add(&text);
                        }
                    }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => {
                            ev.prevent_default();
                            commit();
                        }
                        "Backspace" if draft.with_untracked(String::is_empty) => {
                            chips.update(|c| { c.pop(); });
                        }
                        _ => {}
                    }
                    on:blur=move |_| commit()
                />
            </div>
            {move || invalid().then(|| view! {
                <ul class="chip-errors" id=errors_id.clone() data-test="chip-errors">
                    {chips.get().into_iter().filter_map(|chip| chip.parsed.err().map(|error| view! {
                        <li>{format!("“{}”: {}.", chip.text, capitalize(&error.to_string()))}</li>
                    })).collect_view()}
                </ul>
            })}
            <p class="hint" role="status" data-test="chips-note">{move || note.get()}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_finishes_an_entry_at_a_separator() {
        assert_eq!(split_typed("ana@x.com"), ("", "ana@x.com"));
        assert_eq!(split_typed("ana@x.com, bo"), ("ana@x.com,", "bo"));
        assert_eq!(split_typed("ana@x.com;"), ("ana@x.com", ""));
        assert_eq!(split_typed("a@x.com b@x.com c"), ("a@x.com b@x.com", "c"));
        // Inside a display name only hard separators count.
        assert_eq!(split_typed("Ana Lopez <ana"), ("", "Ana Lopez <ana"));
        assert_eq!(
            split_typed("Ana Lopez <ana@x.com>, b"),
            ("Ana Lopez <ana@x.com>", " b")
        );
    }

    #[test]
    fn repeated_addresses_are_kept_once_and_bad_ones_kept_to_fix() {
        let mut chips = Vec::new();
        let merged = add_entries(&mut chips, "Ana@x.com bob@example ana@X.com\ncy@y.org");
        assert_eq!(merged, ["ana@X.com"]);
        let texts: Vec<_> = chips.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Ana@x.com", "bob@example", "cy@y.org"]);
        assert_eq!(chips[1].parsed, Err(EmailError::DomainWithoutDot));
        let merged = add_entries(&mut chips, "bob@example, \"Smith, Jo\" <jo@x.com>");
        assert_eq!(merged, ["bob@example"]);
        assert_eq!(chips.last().unwrap().text, "jo@x.com");
    }
}
