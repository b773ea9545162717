//! Mobile numbers as people type them, read in a country (the first two bytes): what parses is
//! kept in E.164 and reads back as itself.
#![no_main]
use roster_shared::country::CountryCode;
use roster_shared::phone::PhoneNumber;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let code: String = data[..2].iter().map(|b| char::from(b'A' + b % 26)).collect();
    let Ok(country) = CountryCode::parse(&code) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    if let Ok(number) = PhoneNumber::parse(text, country) {
        let again = PhoneNumber::from_e164(number.as_str()).expect("E.164 reads back");
        assert_eq!(again, number);
    }
});
