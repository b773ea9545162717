//! What a screen shows when its content could not be loaded: the server's sentence, and
//! "Try again" only where asking again can help (never after a refusal or a missing page).

use leptos::prelude::*;

use crate::api::ApiError;

#[component]
pub fn LoadError(
    /// Why the content is missing.
    error: ApiError,
    /// Asks the server again.
    retry: Callback<()>,
    /// `data-test` of the alert, for the screen's tests.
    #[prop(optional)]
    test: &'static str,
) -> impl IntoView {
    let transient = error.is_transient();
    view! {
        <div class="alert error" role="alert" data-test=(!test.is_empty()).then_some(test)>
            <p>{error.message()}</p>
            {transient.then(|| view! {
                <button type="button" class="button small" on:click=move |_| retry.run(())>"Try again"</button>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use roster_shared::api::ErrorBody;

    use super::*;

    fn server(status: u16) -> ApiError {
        ApiError::Server {
            status,
            body: ErrorBody {
                code: roster_shared::api::ErrorCode::Internal,
                message: "x".into(),
                fields: Vec::new(),
            },
        }
    }

    #[test]
    fn only_what_may_change_is_worth_asking_again() {
        assert!(ApiError::Unreachable.is_transient());
        assert!(server(503).is_transient());
        assert!(server(429).is_transient());
        assert!(ApiError::Unexpected { status: 502 }.is_transient());
        assert!(!server(403).is_transient());
        assert!(!server(404).is_transient());
        assert!(!server(422).is_transient());
        assert!(!ApiError::Unexpected { status: 400 }.is_transient());
    }
}
