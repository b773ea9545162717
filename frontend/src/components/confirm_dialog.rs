//! "Are you sure?": a [`Dialog`] with the question, Cancel (focused first, so Enter never
//! confirms by accident) and the action's own button.

use leptos::prelude::*;

use crate::components::dialog::Dialog;

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is open.
    open: RwSignal<bool>,
    /// Its title (also its accessible name), "Remove from this account".
    title: &'static str,
    /// Id for the dialog element.
    id: &'static str,
    /// The question in full, naming who and what ("Remove Ana Lopez from Support and its
    /// sub-accounts?").
    #[prop(into)]
    message: Signal<String>,
    /// The confirming button's label ("Remove").
    confirm_label: &'static str,
    /// Whether the action destroys something (a red button).
    #[prop(optional)]
    danger: bool,
    /// The action is on its way (the button is disabled meanwhile).
    #[prop(into)]
    pending: Signal<bool>,
    /// Why the action failed, if it did (shown in the dialog, which stays open).
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Runs the action.
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Dialog open title id>
            <p>{move || message.get()}</p>
            {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            <div class="form-actions">
                <button type="button" class="button ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                <button
                    type="button"
                    class="button"
                    class:danger=danger
                    class:primary=!danger
                    disabled=move || pending.get()
                    data-test="confirm"
                    on:click=move |_| on_confirm.run(())
                >
                    {confirm_label}
                </button>
            </div>
        </Dialog>
    }
}
