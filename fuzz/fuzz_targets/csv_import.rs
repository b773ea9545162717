//! A CSV file uploaded to Import CSV.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    roster_backend::fuzzing::csv_import(&String::from_utf8_lossy(data));
});
