//! A device name people recognise ("Chrome 131", "macOS 14.5") from a User-Agent header.

/// `(browser, os)`, each "Unknown" when the header says nothing useful.
pub(crate) fn describe(user_agent: &str) -> (String, String) {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let Some(result) = parsed else {
        return ("Unknown browser".into(), "Unknown system".into());
    };
    let browser = match (result.name, result.version) {
        ("UNKNOWN", _) | ("", _) => "Unknown browser".to_owned(),
        (name, "UNKNOWN") | (name, "") => name.to_owned(),
        (name, version) => {
            let major = version.split('.').next().unwrap_or(version);
            format!("{name} {major}")
        }
    };
    let os = match (result.os, result.os_version.as_ref()) {
        ("UNKNOWN", _) | ("", _) => "Unknown system".to_owned(),
        (os, "UNKNOWN") | (os, "") => os.to_owned(),
        (os, version) => format!("{os} {version}"),
    };
    (browser, os)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_get_short_names() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), ("Chrome 131".into(), "Linux".into()));
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let (browser, os) = describe(firefox);
        assert_eq!(browser, "Firefox 128");
        assert!(os.starts_with("Windows"), "{os}");
        assert_eq!(
            describe(""),
            ("Unknown browser".into(), "Unknown system".into())
        );
    }
}
