//! Where the rows come from: a CSV file, or rows pasted from a spreadsheet.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::state::Import;

/// Files larger than this are surely not a list of invitations (the server reads at most
/// 10,000 rows).
const MAX_FILE_BYTES: f64 = 2_000_000.0;

#[component]
pub(super) fn ImportSource(import: Import) -> impl IntoView {
    let Import {
        account,
        text,
        file_note,
        failure,
        checking,
        ..
    } = import;
    let here_name = import.here_name();
    let on_file = move |ev: leptos::ev::Event| {
        file_note.set(None);
        read_file(&ev, move |read| match read {
            Ok(content) => {
                let rows = content.lines().filter(|l| !l.trim().is_empty()).count();
                text.set(content);
                file_note.set(Some(Ok(format!(
                    "The file has {rows} line{}; check them below, or check the rows now.",
                    if rows == 1 { "" } else { "s" }
                ))));
            }
            Err(message) => file_note.set(Some(Err(message))),
        });
    };
    view! {
        <form class="card form import-source" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); import.check_text(); }>
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <p class="hint" id="import-file-hint">
                    {format!("One row per line: email, role (Owner, Admin, Basic or Reporting), account (its name, a path such as “Europe / Support”, or empty for {here_name}). A header line is optional.")}
                </p>
                <input id="import-file" type="file" accept=".csv,text/csv,text/plain" aria-describedby="import-file-hint" on:change=on_file data-test="import-file"/>
            </div>
            <div class="field">
                <label for="import-text">"Rows"</label>
                <p class="hint" id="import-text-hint">"The chosen file's rows appear here; you can also paste them from a spreadsheet."</p>
                <textarea id="import-text" class="csv-text" rows="8" spellcheck="false" aria-describedby="import-text-hint"
                    placeholder="email,role,account\nana@example.com,Basic,Support"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); file_note.set(None); }
                    data-test="import-text"></textarea>
            </div>
            {move || file_note.get().map(|note| match note {
                Ok(message) => view! { <p class="alert info" role="status" data-test="file-note">{message}</p> }.into_any(),
                Err(message) => view! { <p class="alert error" role="alert" data-test="file-note">{message}</p> }.into_any(),
            })}
            {move || failure.get().map(|error| view! { <div class="alert error" role="alert" data-test="import-error">{error.message()}</div> })}
            <div class="form-actions">
                <a class="button ghost" href=format!("/accounts/{account}/users")>"Cancel"</a>
                <button type="submit" class="button primary" disabled=move || checking.get() data-test="import-check">
                    {move || if checking.get() { "Checking…" } else { "Check rows" }}
                </button>
            </div>
        </form>
    }
}

/// Reads the first file chosen in an `<input type=file>` as text.
fn read_file(ev: &leptos::ev::Event, on_text: impl FnOnce(Result<String, String>) + 'static) {
    use wasm_bindgen::JsCast;
    let Some(file) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        return;
    };
    if file.size() > MAX_FILE_BYTES {
        on_text(Err(format!(
            "“{}” is larger than 2 MB; a file of invitations is much smaller. Choose the CSV file, or split it.",
            file.name()
        )));
        return;
    }
    let name = file.name();
    let on_text = std::rc::Rc::new(std::cell::RefCell::new(Some(on_text)));
    let on_failure = on_text.clone();
    // Each runs at most once; the two small closures are left to the browser.
    let done = Closure::once(move |text: JsValue| {
        if let Some(f) = on_text.borrow_mut().take() {
            f(text
                .as_string()
                .ok_or_else(|| "The file cannot be read as text.".to_owned()));
        }
    });
    let failed = Closure::once(move |_: JsValue| {
        if let Some(f) = on_failure.borrow_mut().take() {
            f(Err(format!(
                "“{name}” cannot be read. Choose it again, or paste its rows below."
            )));
        }
    });
    let _ = file.text().then2(&done, &failed);
    done.forget();
    failed.forget();
}
