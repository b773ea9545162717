//! SCIM filters (RFC 7644 §3.4.2.2): parsed into a small expression and evaluated against a
//! resource's JSON. String comparisons ignore case, as the attributes Roster exposes are not
//! case-exact.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Compare {
        path: String,
        op: Op,
        value: Value,
    },
    Present(String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[value eq "x"]`: a filter on the elements of a multi-valued attribute.
    Each {
        path: String,
        filter: Box<Filter>,
    },
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

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' => {
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

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while self.keyword("and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            self.next();
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group();
        }
        let path = match self.next() {
            Some(Token::Word(path)) => path,
            other => return Err(format!("expected an attribute, found {other:?}")),
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.next();
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err("expected ]".into());
            }
            return Ok(Filter::Each {
                path,
                filter: Box::new(inner),
            });
        }
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "expected an operator after {path}, found {other:?}"
                ));
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
            other => return Err(format!("unknown operator {other}")),
        };
        let value = match self.next() {
            Some(Token::Str(text)) => Value::String(text),
            Some(Token::Word(word)) if word == "true" => Value::Bool(true),
            Some(Token::Word(word)) if word == "false" => Value::Bool(false),
            Some(Token::Word(word)) if word == "null" => Value::Null,
            Some(Token::Word(word)) => word
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("{word} is not a value"))?,
            other => return Err(format!("expected a value, found {other:?}")),
        };
        Ok(Filter::Compare { path, op, value })
    }

    fn group(&mut self) -> Result<Filter, String> {
        if self.next() != Some(Token::Open) {
            return Err("expected (".into());
        }
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err("expected )".into());
        }
        Ok(inner)
    }
}

pub(crate) fn parse(input: &str) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        at: 0,
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

fn compare(actual: &Value, op: Op, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let (a, e) = (a.to_lowercase(), e.to_lowercase());
            match op {
                Op::Eq => a == e,
                Op::Ne => a != e,
                Op::Co => a.contains(&e),
                Op::Sw => a.starts_with(&e),
                Op::Ew => a.ends_with(&e),
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
            }
        }
        (a, e) => match op {
            Op::Eq => a == e,
            Op::Ne => a != e,
            _ => false,
        },
    }
}

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
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::Each { path, filter } => lookup(resource, path)
            .iter()
            .any(|item| matches(filter, item)),
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
}
