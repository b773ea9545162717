//! The operator's plans file (`--plans-file`, TOML).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        roster_backend::fuzzing::plans_file(text);
    }
});
