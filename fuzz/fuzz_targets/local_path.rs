//! `?next=` after signing in: only a path of this site is accepted, and it reads back as itself.
#![no_main]
use roster_shared::redirect::LocalPath;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = LocalPath::parse(text) {
        let shown = path.as_str();
        assert!(shown.starts_with('/') && !shown.starts_with("//") && !shown.starts_with("/\\"));
        assert_eq!(LocalPath::parse(shown).expect("parses again").as_str(), shown);
    }
});
