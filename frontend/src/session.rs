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

#[derive(Clone, Copy)]
pub struct Session {
    pub auth: RwSignal<Auth>,
}

impl Session {
    /// Records a fresh session (after sign-in, setup, or a profile change).
    pub fn signed_in(&self, info: SessionInfo) {
        api::set_csrf_token(Some(info.csrf_token.clone()));
        self.auth.set(Auth::SignedIn(info));
    }

    pub fn signed_out(&self) {
        api::set_csrf_token(None);
        self.auth.set(Auth::SignedOut);
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
