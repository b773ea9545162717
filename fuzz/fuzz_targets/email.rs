//! Email addresses (every form, invitation and import reads them): what parses prints as an
//! address that parses to the same, with the same key.
#![no_main]
use roster_shared::email::EmailAddress;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(address) = EmailAddress::parse(text) {
        let again = EmailAddress::parse(address.as_str()).expect("a parsed address parses again");
        assert_eq!(again, address);
        assert_eq!(again.key(), address.key());
    }
});
