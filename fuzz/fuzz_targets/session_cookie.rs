//! `Cookie` request headers (one per line).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let headers: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    roster_backend::fuzzing::session_cookie(&headers);
});
