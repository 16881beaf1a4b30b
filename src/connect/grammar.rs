//! The connection-string grammar of msodbcsql18.
//!
//! - `key=value` pairs separated by `;`; empty segments are skipped.
//! - Keys and values are taken verbatim: nothing is trimmed.
//! - A value starting with `{` runs to the matching `}`; inside it `;` is literal and `}}` is a
//!   literal `}`. An unterminated `{` swallows the rest of the string and gives 01S00.
//! - An unbraced `}` is an ordinary character.
//! - Text between a closing `}` and the next `;` keeps the braced value but gives 01S00 and
//!   ends parsing: msodbcsql 18.6 ignores everything after it (measured:
//!   `PWD={ab}cd;Encrypt=bad` connects with a warning).
//! - However many problems there are, one 01S00 is reported.
//!
//! The grammar only splits; which keys exist, duplicates and values are judged by
//! [`super::settings`].

use super::ConnectProblem;

/// A connection string split into pairs, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedString {
    pub pairs: Vec<(String, String)>,
    /// Warnings (01S00) found while splitting.
    pub problems: Vec<ConnectProblem>,
}

/// The 01S00 warning msodbcsql gives for a string or key it cannot use.
pub fn invalid_attribute() -> ConnectProblem {
    ConnectProblem {
        sqlstate: "01S00",
        native: 0,
        message: "Invalid connection string attribute".to_string(),
    }
}

/// Splits `s` into key/value pairs.
pub fn parse(s: &str) -> ParsedString {
    let mut out = ParsedString::default();
    let mut rest = s;
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            // Text without `=`: not a pair. A lone trailing fragment is ignored with a warning
            // unless it is only separators.
            if !rest.chars().all(|c| c == ';') {
                out.problems.push(invalid_attribute());
            }
            break;
        };
        if let Some(semi) = rest[..eq].find(';') {
            // `junk;key=value`: the part before `;` has no `=`.
            if semi > 0 {
                out.problems.push(invalid_attribute());
            }
            rest = &rest[semi + 1..];
            continue;
        }
        let key = &rest[..eq];
        let after = &rest[eq + 1..];
        let (value, end) = read_value(after);
        out.pairs.push((key.to_string(), value));
        match end {
            ValueEnd::Next(remaining) => rest = remaining,
            ValueEnd::Last => break,
            ValueEnd::Malformed => {
                out.problems.push(invalid_attribute());
                break;
            }
        }
    }
    out.problems.dedup();
    out
}

/// How a value ended.
enum ValueEnd<'a> {
    /// At a `;`, with this text after it.
    Next(&'a str),
    /// At the end of the string.
    Last,
    /// An unterminated `{`, or text after a closing `}`: nothing more is read.
    Malformed,
}

/// Reads one value and says how it ended.
fn read_value(text: &str) -> (String, ValueEnd<'_>) {
    let Some(body) = text.strip_prefix('{') else {
        return match text.find(';') {
            Some(semi) => (text[..semi].to_string(), ValueEnd::Next(&text[semi + 1..])),
            None => (text.to_string(), ValueEnd::Last),
        };
    };
    let mut value = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '}' {
            value.push(c);
            continue;
        }
        if matches!(chars.peek(), Some((_, '}'))) {
            chars.next();
            value.push('}');
            continue;
        }
        let tail = &body[i + 1..];
        let end = if tail.is_empty() {
            ValueEnd::Last
        } else if let Some(next) = tail.strip_prefix(';') {
            ValueEnd::Next(next)
        } else {
            ValueEnd::Malformed
        };
        return (value, end);
    }
    (value, ValueEnd::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        let p = parse(s);
        assert!(p.problems.is_empty(), "{s}: {:?}", p.problems);
        p.pairs
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn splits_pairs_verbatim() {
        assert_eq!(
            pairs("Server=h;UID=sa;PWD= x ;"),
            vec![pair("Server", "h"), pair("UID", "sa"), pair("PWD", " x ")]
        );
    }

    #[test]
    fn keys_are_not_trimmed() {
        assert_eq!(
            pairs("Server=h; UID =sa"),
            vec![pair("Server", "h"), pair(" UID ", "sa")]
        );
    }

    #[test]
    fn empty_segments_are_skipped() {
        assert_eq!(
            pairs(";;Server=h;;;UID=u;;"),
            vec![pair("Server", "h"), pair("UID", "u")]
        );
        assert!(parse("").pairs.is_empty());
    }

    #[test]
    fn braces_protect_semicolons_and_double_close_is_literal() {
        assert_eq!(
            pairs("PWD={se;cr}}et};UID=u"),
            vec![pair("PWD", "se;cr}et"), pair("UID", "u")]
        );
        assert_eq!(pairs("PWD={}"), vec![pair("PWD", "")]);
        assert_eq!(pairs("PWD={a=b}"), vec![pair("PWD", "a=b")]);
    }

    #[test]
    fn unbraced_close_brace_is_literal() {
        assert_eq!(
            pairs("PWD=a}b;UID=u"),
            vec![pair("PWD", "a}b"), pair("UID", "u")]
        );
    }

    #[test]
    fn value_may_contain_equals() {
        assert_eq!(pairs("PWD=a=b"), vec![pair("PWD", "a=b")]);
    }

    #[test]
    fn unterminated_brace_swallows_the_rest_with_01s00() {
        let p = parse("PWD={abc;UID=u");
        assert_eq!(p.pairs, vec![pair("PWD", "abc;UID=u")]);
        assert_eq!(p.problems, vec![invalid_attribute()]);
    }

    #[test]
    fn a_segment_without_equals_warns() {
        let p = parse("Server=h;garbage;UID=u");
        assert_eq!(p.pairs, vec![pair("Server", "h"), pair("UID", "u")]);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].sqlstate, "01S00");
        let p = parse("Server=h;garbage");
        assert_eq!(p.pairs, vec![pair("Server", "h")]);
        assert_eq!(p.problems.len(), 1);
    }

    #[test]
    fn text_after_a_closing_brace_warns_and_ends_parsing() {
        let p = parse("PWD={ab}cd;UID=u;Encrypt=bad");
        assert_eq!(p.pairs, vec![pair("PWD", "ab")]);
        assert_eq!(p.problems, vec![invalid_attribute()]);
    }

    #[test]
    fn many_problems_give_one_warning() {
        let p = parse("a;b;c;PWD={x");
        assert_eq!(p.problems, vec![invalid_attribute()]);
    }

    #[test]
    fn non_ascii_survives() {
        assert_eq!(pairs("PWD={pä;ß}"), vec![pair("PWD", "pä;ß")]);
    }
}
