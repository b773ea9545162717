//! `Remote<T>`: what a screen shows from the server, loaded again whenever the signals its
//! request reads change (the account in the address, a filter, a page number).
//!
//! A lighter stand-in for `LocalResource`: one small effect and one task per load, and the
//! latest request always wins, so an answer to an older search that arrives late never
//! replaces the answer to the newer one. (Each `LocalResource<T>` adds several kilobytes of
//! wasm per type; the app loads a dozen types.)

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;

use crate::api::ApiError;

pub struct Remote<T: Send + Sync + 'static> {
    /// `None` until the first answer; then the latest answer (kept while the next loads).
    pub value: RwSignal<Option<Result<T, ApiError>>>,
    /// A request is on its way.
    pub loading: RwSignal<bool>,
    reloads: RwSignal<u32>,
}

impl<T: Send + Sync + 'static> Clone for Remote<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Remote<T> {}

impl<T: Send + Sync + 'static> Remote<T> {
    /// Starts loading with `fetch`, and again whenever a signal `fetch` reads (before its
    /// `async` part) changes.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let value = RwSignal::new(None);
        let loading = RwSignal::new(false);
        let reloads = RwSignal::new(0u32);
        let latest = Rc::new(Cell::new(0u32));
        Effect::new(move |_| {
            reloads.track();
            let request = fetch();
            let number = latest.get().wrapping_add(1);
            latest.set(number);
            let latest = Rc::clone(&latest);
            loading.set(true);
            leptos::task::spawn_local(async move {
                let answer = request.await;
                if latest.get() == number {
                    // Silently ignored when the screen has gone meanwhile.
                    value.set(Some(answer));
                    loading.set(false);
                }
            });
        });
        Remote {
            value,
            loading,
            reloads,
        }
    }

    /// Asks the server again.
    pub fn reload(&self) {
        self.reloads.update(|n| *n = n.wrapping_add(1));
    }

    /// The error of the latest answer, as a sentence (tracked).
    pub fn error(&self) -> Option<String> {
        self.value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err().map(ApiError::message))
        })
    }
}
