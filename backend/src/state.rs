//! The handles a request handler can reach. Cloning is cheap (one `Arc`).

use std::sync::Arc;

use crate::db::Db;
use crate::settings::Settings;

#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: Settings,
}

impl AppState {
    pub(crate) fn new(db: Db, settings: Settings) -> Self {
        Self {
            inner: Arc::new(Inner { db, settings }),
        }
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }
}
