//! SCIM filters (RFC 7644 §3.4.2.2): parsed into a small expression and evaluated against a
//! resource's JSON. String comparisons ignore case, as the attributes Roster exposes are not
//! case-exact.
//!
//! # Limits
//!
//! A filter is written by whoever holds a SCIM token, and reading one is recursive (a group
//! holds a filter), so [`parse`] bounds it before it can go deep:
//!
//! - **Length**: at most [`MAX_FILTER_BYTES`] (64 KiB). Filters arrive in the query string,
//!   which hyper already caps at 65,534 bytes (414 beyond); the limit holds should a filter
//!   ever arrive another way. Reading the text into tokens is a loop, linear in its length.
//! - **Nesting depth**: at most [`MAX_DEPTH`] (32) groups open at once. A group is a
//!   parenthesised filter (`not (…)` included) or a value path's `[…]`: `userName eq "a"` is
//!   0 deep, `not (userName eq "a")` 1, `emails[type eq "work" and not (value co "x")]` 2.
//!   The parser counts the groups it is inside and refuses the 33rd before it descends into
//!   it, so its own recursion (five calls at most per group) never goes deeper than 33 groups.
//! - **Terms**: at most [`MAX_TERMS`] (256) attribute comparisons (`attr op value`) and
//!   presence tests (`attr pr`), wherever they stand, value paths included. `and`, `or`,
//!   `not`, groups and the value path itself are not terms. Each is counted as it is read, so
//!   reading stops at the 257th. `and` and `or` chains are read in a loop, not by recursion.
//!
//! A filter over a limit is refused like any other unreadable one: HTTP 400 with
//! `scimType: "invalidFilter"`, the detail naming the limit ([`FilterError`]).
//!
//! The parsed expression is no deeper than its groups: `a or b or c` is one [`Filter::Or`]
//! of three, not a chain of two, so along any path from the root there are at most an `Or`,
//! an `And`, and a `Not` or `Each` (or the leaf) per group level, the top level included:
//! 3 × 33 = 99 nodes, whatever the number of terms. Evaluating a filter ([`matches`],
//! recursive) and dropping one go no deeper than that.
//!
//! Filters are evaluated in memory (Roster does not translate them to SQL), at most 256
//! terms per resource. Expected strings are lower-cased once, when parsed, and a comparison
//! costs at most about the length of the resource's value, not of the filter's.

use std::fmt;

use roster_shared::excerpt::excerpt;
use serde_json::Value;

/// Longest filter read, in bytes.
pub(crate) const MAX_FILTER_BYTES: usize = 64 * 1024;
/// Most groups (`(…)`, `not (…)`, `attr[…]`) open at once.
pub(crate) const MAX_DEPTH: usize = 32;
/// Most attribute comparisons and presence tests in one filter.
pub(crate) const MAX_TERMS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    /// `attr op value`; a string value is kept lower-cased.
    Compare {
        path: String,
        op: Op,
        value: Value,
    },
    Present(String),
    /// Two or more filters that must all match.
    And(Vec<Filter>),
    /// Two or more filters of which one must match.
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `emails[value eq "x"]`: a filter on the elements of a multi-valued attribute.
    Each {
        path: String,
        filter: Box<Filter>,
    },
}

/// Why a filter cannot be read. The `Display` text ends the sentence "The filter cannot be
/// read: …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FilterError {
    TooLong,
    TooDeep,
    TooManyTerms,
    Syntax(String),
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::TooLong => write!(f, "it is longer than {MAX_FILTER_BYTES} bytes"),
            FilterError::TooDeep => write!(
                f,
                "its groups are nested more than {MAX_DEPTH} deep (each \"(\", \"not (\" and \"[\" opens one)"
            ),
            FilterError::TooManyTerms => write!(
                f,
                "it has more than {MAX_TERMS} comparisons and presence tests"
            ),
            FilterError::Syntax(reason) => f.write_str(reason),
        }
    }
}

impl From<String> for FilterError {
    fn from(reason: String) -> Self {
        FilterError::Syntax(reason)
    }
}

impl From<&str> for FilterError {
    fn from(reason: &str) -> Self {
        FilterError::Syntax(reason.to_owned())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            // Any white space: a word stops at each (below), so one not skipped here would
            // become an empty word again and again without end (found by fuzzing: "\r").
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '[' => {
                chars.next();
                tokens.push(Token::OpenBracket);
            }
            ']' => {
                chars.next();
                tokens.push(Token::CloseBracket);
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some(escaped) => text.push(escaped),
                            None => return Err("unfinished string".into()),
                        },
                        Some('"') => break,
                        Some(other) => text.push(other),
                        None => return Err("unfinished string".into()),
                    }
                }
                tokens.push(Token::Str(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Groups the parser is inside now.
    depth: usize,
    /// Comparisons and presence tests read so far.
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut any = vec![self.and()?];
        while self.keyword("or") {
            self.next();
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.pop().expect("one filter")
        } else {
            Filter::Or(any)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut all = vec![self.term()?];
        while self.keyword("and") {
            self.next();
            all.push(self.term()?);
        }
        Ok(if all.len() == 1 {
            all.pop().expect("one filter")
        } else {
            Filter::And(all)
        })
    }

    fn term(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            self.next();
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group();
        }
        let path = match self.next() {
            Some(Token::Word(path)) => path,
            other => {
                return Err(format!(
                    "expected an attribute, found {}",
                    excerpt(&format!("{other:?}"))
                )
                .into());
            }
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.next();
            let inner = self.inside(Token::CloseBracket)?;
            return Ok(Filter::Each {
                path,
                filter: Box::new(inner),
            });
        }
        if self.terms == MAX_TERMS {
            return Err(FilterError::TooManyTerms);
        }
        self.terms += 1;
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "expected an operator after {}, found {}",
                    excerpt(&path),
                    excerpt(&format!("{other:?}"))
                )
                .into());
            }
        };
        if op == "pr" {
            return Ok(Filter::Present(path));
        }
        let op = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("unknown operator {other}").into()),
        };
        let value = match self.next() {
            // Lower-cased once here rather than for every resource it is compared with.
            Some(Token::Str(text)) => Value::String(text.to_lowercase()),
            Some(Token::Word(word)) if word == "true" => Value::Bool(true),
            Some(Token::Word(word)) if word == "false" => Value::Bool(false),
            Some(Token::Word(word)) if word == "null" => Value::Null,
            Some(Token::Word(word)) => word
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("{word} is not a value"))?,
            other => {
                return Err(
                    format!("expected a value, found {}", excerpt(&format!("{other:?}"))).into(),
                );
            }
        };
        Ok(Filter::Compare { path, op, value })
    }

    fn group(&mut self) -> Result<Filter, FilterError> {
        if self.next() != Some(Token::Open) {
            return Err("expected (".into());
        }
        self.inside(Token::Close)
    }

    /// The filter of a group whose opening token was just read, up to its `close`: refused
    /// before descending when that would open more than [`MAX_DEPTH`] groups.
    fn inside(&mut self, close: Token) -> Result<Filter, FilterError> {
        if self.depth == MAX_DEPTH {
            return Err(FilterError::TooDeep);
        }
        self.depth += 1;
        let inner = self.or()?;
        self.depth -= 1;
        if self.next().as_ref() != Some(&close) {
            return Err(match close {
                Token::CloseBracket => "expected ]",
                _ => "expected )",
            }
            .into());
        }
        Ok(inner)
    }
}

/// Reads a filter, within the limits of the module's documentation.
pub(crate) fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_FILTER_BYTES {
        return Err(FilterError::TooLong);
    }
    let mut parser = Parser {
        tokens: tokenize(input)?,
        at: 0,
        depth: 0,
        terms: 0,
    };
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err("unexpected text after the filter".into());
    }
    Ok(filter)
}

/// The values at `path` (`emails.value` walks into each email).
fn lookup<'a>(resource: &'a Value, path: &str) -> Vec<&'a Value> {
    // Attribute names are case-insensitive; a schema URN prefix may precede them.
    let path = path.rsplit_once(':').map_or(path, |(_, attr)| attr);
    let mut current = vec![resource];
    for part in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            let found = value.as_object().and_then(|object| {
                object
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(part))
                    .map(|(_, v)| v)
            });
            match found {
                Some(Value::Array(items)) => next.extend(items.iter()),
                Some(other) => next.push(other),
                None => {}
            }
        }
        current = next;
    }
    current
}

/// `expected` is the filter's value: a string there is already lower-case.
fn compare(actual: &Value, op: Op, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let a = a.to_lowercase();
            match op {
                Op::Eq => a == *e,
                Op::Ne => a != *e,
                // Searching costs the needle's length up front: skip needles that cannot fit.
                Op::Co => e.len() <= a.len() && a.contains(e.as_str()),
                Op::Sw => a.starts_with(e.as_str()),
                Op::Ew => a.ends_with(e.as_str()),
                Op::Gt => a > *e,
                Op::Ge => a >= *e,
                Op::Lt => a < *e,
                Op::Le => a <= *e,
            }
        }
        (a, e) => match op {
            Op::Eq => a == e,
            Op::Ne => a != e,
            _ => false,
        },
    }
}

/// Whether `resource` matches; recursive, as deep as the filter (99 nodes at most).
pub(crate) fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Compare { path, op, value } => {
            let found = lookup(resource, path);
            if found.is_empty() {
                return *op == Op::Ne;
            }
            found.iter().any(|actual| compare(actual, *op, value))
        }
        Filter::Present(path) => lookup(resource, path).iter().any(|v| {
            !v.is_null() && v.as_str() != Some("") && v.as_array().is_none_or(|a| !a.is_empty())
        }),
        Filter::And(all) => all.iter().all(|f| matches(f, resource)),
        Filter::Or(any) => any.iter().any(|f| matches(f, resource)),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::Each { path, filter } => lookup(resource, path)
            .iter()
            .any(|item| matches(filter, item)),
    }
}

/// `attribute eq "text"` on a plain attribute: the attribute's name in lower case, and the
/// text (kept lower-cased, as every string of a filter).
pub(crate) fn equality(filter: &Filter) -> Option<(String, String)> {
    match filter {
        Filter::Compare {
            path,
            op: Op::Eq,
            value: Value::String(value),
        } if !path.contains('.') && !path.contains(':') => {
            Some((path.to_ascii_lowercase(), value.clone()))
        }
        _ => None,
    }
}

/// The address a filter looks for, when it is just `userName eq "…"` or an email equality:
/// answered with one lookup instead of a scan.
pub(crate) fn email_equality(filter: &Filter) -> Option<String> {
    match filter {
        Filter::Compare {
            path,
            op: Op::Eq,
            value: Value::String(value),
        } if ["username", "emails", "emails.value"]
            .contains(&path.to_ascii_lowercase().as_str()) =>
        {
            Some(value.clone())
        }
        Filter::Each { path, filter } if path.eq_ignore_ascii_case("emails") => {
            match filter.as_ref() {
                Filter::Compare {
                    path,
                    op: Op::Eq,
                    value: Value::String(value),
                } if path.eq_ignore_ascii_case("value") => Some(value.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "userName": "Ana@Example.com",
            "active": true,
            "name": { "givenName": "Ana", "familyName": "López" },
            "emails": [{ "value": "ana@example.com", "type": "work", "primary": true }],
        })
    }

    #[test]
    fn rfc_examples_parse_and_match() {
        for (text, expected) in [
            (r#"userName eq "ana@example.com""#, true),
            (r#"userName Eq "bob@example.com""#, false),
            (r#"name.familyName co "ópe""#, true),
            (r#"userName sw "ANA""#, true),
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (r#"emails.value eq "ana@example.com""#, true),
            (r#"active eq true and not (userName eq "x")"#, true),
            (r#"title pr"#, false),
            (r#"userName pr or title pr"#, true),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ana@example.com""#,
                true,
            ),
        ] {
            let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(matches(&filter, &user()), expected, "{text}");
        }
    }

    #[test]
    fn bad_filters_are_refused() {
        for text in [
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"(userName eq "x""#,
            r#"userName eq "x" extra"#,
            r#"userName eq "x"#,
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn email_lookups_are_recognised() {
        assert_eq!(
            email_equality(&parse(r#"userName eq "a@b.c""#).unwrap()).as_deref(),
            Some("a@b.c")
        );
        assert_eq!(
            email_equality(&parse(r#"emails[value eq "a@b.c"]"#).unwrap()).as_deref(),
            Some("a@b.c")
        );
        assert_eq!(email_equality(&parse(r#"userName sw "a""#).unwrap()), None);
    }

    /// `userName pr` inside `depth` nested `not (…)`.
    fn nots(depth: usize) -> String {
        format!("{}userName pr{}", "not (".repeat(depth), ")".repeat(depth))
    }

    /// `count` copies of `term` joined by `joiner`.
    fn terms(count: usize, term: &str, joiner: &str) -> String {
        vec![term; count].join(joiner)
    }

    /// Nodes from the root to the deepest leaf.
    fn tree_depth(filter: &Filter) -> usize {
        1 + match filter {
            Filter::Compare { .. } | Filter::Present(_) => 0,
            Filter::And(list) | Filter::Or(list) => {
                list.iter().map(tree_depth).max().unwrap_or_default()
            }
            Filter::Not(inner) | Filter::Each { filter: inner, .. } => tree_depth(inner),
        }
    }

    /// The deepest filter there can be: at each of the 33 levels an `or`, an `and` and a
    /// `not`. It matches `user()` only by evaluating every level.
    fn deepest() -> String {
        let mut text = "title pr or userName pr and userName pr".to_owned();
        for _ in 0..MAX_DEPTH {
            text = format!("title pr or userName pr and not ({text})");
        }
        text
    }

    #[test]
    fn expected_strings_are_lower_cased_once() {
        let filter = parse(r#"name.familyName co "LÓPEZ""#).unwrap();
        assert_eq!(
            filter,
            Filter::Compare {
                path: "name.familyName".into(),
                op: Op::Co,
                value: Value::from("lópez"),
            }
        );
        for (text, expected) in [
            (r#"userName eq "ANA@EXAMPLE.COM""#, true),
            (r#"userName gt "ANA@""#, true),
            (r#"userName lt "ANA@""#, false),
            (r#"userName ew "EXAMPLE.COM""#, true),
            // A needle longer than the value is not looked for.
            (r#"userName co "ana@example.com and more""#, false),
        ] {
            assert_eq!(matches(&parse(text).unwrap(), &user()), expected, "{text}");
        }
    }

    #[test]
    fn groups_nest_32_deep_at_most() {
        assert!(parse(&nots(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&nots(MAX_DEPTH + 1)), Err(FilterError::TooDeep));
        // A bare group and a value path's brackets open a group too.
        let parens = |n: usize| format!("{}userName pr{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&parens(32)).is_ok());
        assert_eq!(parse(&parens(33)), Err(FilterError::TooDeep));
        let paths =
            |n: usize| format!("{}emails[value pr]{}", "(".repeat(n - 1), ")".repeat(n - 1));
        assert!(parse(&paths(32)).is_ok());
        assert_eq!(parse(&paths(33)), Err(FilterError::TooDeep));
        // Sibling groups do not add up: depth is what is open at once.
        let siblings = vec![nots(MAX_DEPTH); 4].join(" and ");
        assert!(parse(&siblings).is_ok());
        // The attack: 2,000 nested `not (` (10 KB), and 60,000 unclosed `(`.
        assert_eq!(parse(&nots(2_000)), Err(FilterError::TooDeep));
        assert_eq!(parse(&"(".repeat(60_000)), Err(FilterError::TooDeep));
    }

    #[test]
    fn a_filter_has_256_terms_at_most() {
        for joiner in [" or ", " and "] {
            assert!(parse(&terms(256, "userName pr", joiner)).is_ok());
            assert_eq!(
                parse(&terms(257, "userName pr", joiner)),
                Err(FilterError::TooManyTerms)
            );
        }
        // Comparisons count as presence tests do, and so do those inside groups and value
        // paths; the value path itself does not.
        let compares = terms(257, r#"userName eq "a""#, " or ");
        assert_eq!(parse(&compares), Err(FilterError::TooManyTerms));
        let split = |inside: usize| {
            format!(
                "emails[{}] or not ({})",
                terms(inside, "value pr", " and "),
                terms(128, "userName pr", " or ")
            )
        };
        assert!(parse(&split(128)).is_ok());
        assert_eq!(parse(&split(129)), Err(FilterError::TooManyTerms));
        // Reading stops at the 257th: 8,000 terms (64 KB) are refused the same way.
        assert_eq!(
            parse(&terms(8_000, "x pr", " or ")),
            Err(FilterError::TooManyTerms)
        );
    }

    #[test]
    fn a_filter_is_64_kib_at_most() {
        // `userName eq ""` is 14 bytes.
        let padded = |len: usize| format!(r#"userName eq "{}""#, "a".repeat(len - 14));
        assert!(parse(&padded(MAX_FILTER_BYTES)).is_ok());
        assert_eq!(
            parse(&padded(MAX_FILTER_BYTES + 1)),
            Err(FilterError::TooLong)
        );
    }

    #[test]
    fn refusals_name_the_limit() {
        assert!(
            FilterError::TooDeep
                .to_string()
                .contains("nested more than 32 deep")
        );
        assert!(
            FilterError::TooManyTerms
                .to_string()
                .contains("more than 256 comparisons and presence tests")
        );
        assert!(FilterError::TooLong.to_string().contains("65536 bytes"));
    }

    #[test]
    fn every_kind_of_white_space_separates_words() {
        // Each once made the tokenizer push empty words for ever (memory without bound).
        for space in ['\r', '\u{b}', '\u{c}', '\u{a0}', '\u{2028}', '\u{3000}'] {
            let text = format!("userName{space}eq{space}\"ana@example.com\"");
            assert!(matches(&parse(&text).unwrap(), &user()), "{space:?}");
        }
        // The input the fuzzer found.
        assert!(parse("ma\r\0s[to\0ype eq kr\" ga\"wnpleem.ails[c").is_err());
    }

    #[test]
    fn parsed_filters_are_no_deeper_than_their_groups() {
        let filter = parse(&deepest()).unwrap();
        assert_eq!(tree_depth(&filter), 3 * (MAX_DEPTH + 1));
        assert!(matches(&filter, &user()));
        // A chain of 256 terms is one level, not 256.
        assert_eq!(
            tree_depth(&parse(&terms(256, "userName pr", " or ")).unwrap()),
            2
        );
        assert_eq!(tree_depth(&parse(&nots(MAX_DEPTH)).unwrap()), MAX_DEPTH + 1);
    }

    #[test]
    fn hostile_filters_need_little_stack() {
        // Parsing, evaluating and dropping stay shallow: a quarter of a thread's usual stack
        // is plenty, where 2,000 nested groups used to overflow all of it.
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                assert_eq!(parse(&nots(2_000)), Err(FilterError::TooDeep));
                assert_eq!(parse(&"a[".repeat(30_000)), Err(FilterError::TooDeep));
                let filter = parse(&deepest()).unwrap();
                assert!(matches(&filter, &user()));
                drop(filter);
                let wide = parse(&terms(256, "title pr", " or ")).unwrap();
                assert!(!matches(&wide, &user()));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
