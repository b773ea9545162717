//! Punycode (RFC 3492) encoding, for storing internationalised domain names in their ASCII
//! form (`münchen.de` → `xn--mnchen-3ya.de`). Only encoding is needed, and a full IDNA crate
//! would add hundreds of kilobytes of Unicode tables to the browser's wasm.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;

/// The Punycode of `input` (without the `xn--` prefix), or `None` if it would overflow
/// (only for absurdly long inputs; domain labels are at most 63 octets anyway).
pub(crate) fn encode(input: &str) -> Option<String> {
    let code_points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(output.len()).ok()?;
    let total = u32::try_from(code_points.len()).ok()?;
    if basic > 0 {
        output.push('-');
    }
    let mut n = INITIAL_N;
    let mut delta: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut handled = basic;
    while handled < total {
        let next = code_points.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((next - n).checked_mul(handled + 1)?)?;
        n = next;
        for &c in &code_points {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    let d = d as u8;
    if d < 26 {
        char::from(b'a' + d)
    } else {
        char::from(b'0' + d - 26)
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn rfc_and_registry_examples() {
        assert_eq!(encode("münchen").unwrap(), "mnchen-3ya");
        assert_eq!(encode("bücher").unwrap(), "bcher-kva");
        assert_eq!(encode("例え").unwrap(), "r8jz45g");
        assert_eq!(encode("テスト").unwrap(), "zckzah");
        assert_eq!(encode("bréf").unwrap(), "brf-cma");
        // RFC 3492 7.1 (L): Japanese "3年B組金八先生"
        assert_eq!(
            encode("3年b組金八先生").unwrap(),
            "3b-ww4c5e180e575a65lsy2b"
        );
        // RFC 3492 7.1 (A): Arabic (Egyptian)
        assert_eq!(
            encode("ليهمابتكلموشعربي؟").unwrap(),
            "egbpdaj6bu4bxfgehfvwxn"
        );
    }

    #[test]
    fn ascii_only_gets_a_trailing_delimiter() {
        assert_eq!(encode("abc").unwrap(), "abc-");
    }
}
