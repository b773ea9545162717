//! Writing addresses: one percent-encoder, and the sign-in address that comes back to a page.

/// Percent-encodes `text` (its UTF-8 bytes), keeping RFC 3986's unreserved characters
/// (`A–Z a–z 0–9 - _ . ~`) and the bytes of `keep`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    out
}

/// A value of a query string (`q=…`, `email=…`, `next=…`): everything but the unreserved
/// characters encoded.
pub fn query_value(text: &str) -> String {
    percent_encode(text, b"")
}

/// The sign-in page, coming back to `here` (a path, with its query and fragment) afterwards.
/// Slashes stay readable; everything else of `here` is encoded, so its own `?`, `&` and `#`
/// stay part of `next`.
pub fn sign_in_then(here: &str) -> String {
    format!("/sign-in?next={}", percent_encode(here, b"/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_and_the_kept_ones_stay() {
        assert_eq!(query_value("ana lo"), "ana%20lo");
        assert_eq!(query_value("a&b=c+d"), "a%26b%3Dc%2Bd");
        assert_eq!(query_value("é~"), "%C3%A9~");
        assert_eq!(percent_encode("<svg a='1'/>", b" =/'"), "%3Csvg a='1'/%3E");
    }

    #[test]
    fn sign_in_comes_back_to_the_whole_address() {
        assert_eq!(
            sign_in_then("/accounts/7/users?q=ana&page=2"),
            "/sign-in?next=/accounts/7/users%3Fq%3Dana%26page%3D2"
        );
        assert_eq!(
            sign_in_then("/invitations/accept#token=abc_D-1"),
            "/sign-in?next=/invitations/accept%23token%3Dabc_D-1"
        );
    }
}
