//! The New User address box (pasted lists of addresses, names and separators).
#![no_main]
use roster_shared::invite_list::{InviteList, entries};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for entry in entries(text) {
        assert!(text.contains(entry), "an entry is a piece of the text");
    }
    let _ = InviteList::parse(text);
});
