//! The seat quantity typed into Seats: what parses is exactly its digits.
#![no_main]
use roster_shared::seats::SeatCount;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(count) = SeatCount::parse(text) {
        assert_eq!(count.get().to_string(), text.trim().trim_start_matches('0'));
    }
});
