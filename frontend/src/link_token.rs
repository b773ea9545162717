//! The token a link from Roster carries in its fragment (`…#token=…`): invitation, address
//! confirmation and password-reset links. In the fragment it never reaches a server's logs or
//! another site's `Referer`.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The `token=` of the current address's fragment, if it has a non-empty one.
pub fn use_link_token() -> Memo<Option<String>> {
    let location = use_location();
    Memo::new(move |_| location.hash.with(|hash| token_in(hash)))
}

fn token_in(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .strip_prefix("token=")
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}
