//! The one place the server reads the clock; rules get the time passed in.

use std::time::{SystemTime, UNIX_EPOCH};

use roster_shared::time::Timestamp;

pub(crate) fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(millis)
}
