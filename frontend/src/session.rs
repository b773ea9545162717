//! Who is signed in on this browser, shared by every screen.

use leptos::prelude::*;
use roster_shared::api::SessionInfo;

use crate::api;

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Still asking the server.
    Checking,
    SignedOut,
    SignedIn(SessionInfo),
}

/// Why this browser's session ended without the person signing out here: the sign-in page
/// says so, instead of appearing without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Signed out from another device (or by a password change there).
    Elsewhere,
    /// The server no longer knows the session: it ran out, or was ended while this page was
    /// not listening.
    Ended,
}

impl SessionEnd {
    pub fn explanation(self) -> &'static str {
        match self {
            SessionEnd::Elsewhere => {
                "This device was signed out from another device, or because the password was changed. Sign in again to continue."
            }
            SessionEnd::Ended => {
                "Your session on this device has ended. Sign in again to continue where you were."
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct Session {
    pub auth: RwSignal<Auth>,
    /// Set when the session ended on its own (not by signing out here); cleared on sign-in.
    pub ended: RwSignal<Option<SessionEnd>>,
}

impl Session {
    /// Records a fresh session (after sign-in, setup, or a profile change).
    pub fn signed_in(&self, info: SessionInfo) {
        api::set_csrf_token(Some(info.csrf_token.clone()));
        self.ended.set(None);
        self.auth.set(Auth::SignedIn(info));
    }

    pub fn signed_out(&self) {
        api::set_csrf_token(None);
        self.auth.set(Auth::SignedOut);
    }

    /// The session ended without the person signing out here, for `why`.
    pub fn ended(&self, why: SessionEnd) {
        self.ended.set(Some(why));
        self.signed_out();
    }

    /// The signed-in person's session, if any (tracked).
    pub fn info(&self) -> Option<SessionInfo> {
        match self.auth.get() {
            Auth::SignedIn(info) => Some(info),
            _ => None,
        }
    }
}

/// Creates the session state, asks the server once, and makes it reachable with
/// [`use_session`].
pub fn provide_session() -> Session {
    let session = Session {
        auth: RwSignal::new(Auth::Checking),
        ended: RwSignal::new(None),
    };
    provide_context(session);
    leptos::task::spawn_local(async move {
        match api::session().await {
            Ok(Some(info)) => session.signed_in(info),
            Ok(None) => session.signed_out(),
            // Unreachable server: show the sign-in page, which explains the failure.
            Err(_) => session.signed_out(),
        }
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
