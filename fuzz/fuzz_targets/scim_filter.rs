//! SCIM `filter` query parameter (`GET /scim/v2/Users?filter=…`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        roster_backend::fuzzing::scim_filter(text);
    }
});
