//! T-SQL tokens: the translation layer works on these instead of raw text, so that quoting,
//! comments and `N'...'` literals are handled in one place.

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An unquoted identifier or keyword (also `#temp` names).
    Word(String),
    /// `[name]` or `"name"`, unquoted.
    Quoted(String),
    /// A string literal, unescaped; `national` for `N'...'`.
    Str { value: String, national: bool },
    /// A numeric literal as written.
    Num(String),
    /// `0x...` as bytes.
    Hex(Vec<u8>),
    /// `@name` (lower-cased name keeps the `@`).
    Var(String),
    /// `@@NAME` upper-cased without the `@@`.
    SysVar(String),
    /// Punctuation and operators.
    Op(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based line of the token's start, for error messages.
    pub line: i32,
}

impl Token {
    /// True for an unquoted word equal (case-insensitively) to `kw`.
    pub fn is(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    pub fn is_op(&self, op: &str) -> bool {
        matches!(&self.tok, Tok::Op(o) if *o == op)
    }

    /// The identifier a word or quoted name denotes.
    pub fn name(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) | Tok::Quoted(w) => Some(w),
            _ => None,
        }
    }

    /// Upper-cased keyword if this is an unquoted word.
    pub fn keyword(&self) -> Option<String> {
        match &self.tok {
            Tok::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }
}

impl fmt::Display for Token {
    /// The token as SQL Server would quote it in "Incorrect syntax near '...'".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tok {
            Tok::Word(w) => write!(f, "{w}"),
            Tok::Quoted(w) => write!(f, "{w}"),
            Tok::Str { value, .. } => write!(f, "{value}"),
            Tok::Num(n) => write!(f, "{n}"),
            Tok::Hex(b) => {
                write!(f, "0x")?;
                b.iter().try_for_each(|x| write!(f, "{x:02X}"))
            }
            Tok::Var(v) => write!(f, "{v}"),
            Tok::SysVar(v) => write!(f, "@@{v}"),
            Tok::Op(o) => write!(f, "{o}"),
        }
    }
}

/// A lexical error, already phrased as SQL Server phrases it.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub number: i32,
    pub text: String,
    pub line: i32,
}

const OPS: [&str; 26] = [
    "<>", "!=", "<=", ">=", "!<", "!>", "+=", "-=", "*=", "/=", "::", "(", ")", ",", ";", ".", "=",
    "<", ">", "+", "-", "*", "/", "%", "&", "|",
];
const OPS1: [&str; 3] = ["^", "~", ":"];

pub fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        let push = |out: &mut Vec<Token>, tok| {
            out.push(Token {
                tok,
                line: start_line,
            })
        };
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            // T-SQL block comments nest.
            let mut depth = 0;
            loop {
                if i >= chars.len() {
                    return Err(LexError {
                        number: 113,
                        text: "Missing end comment mark '*/'.".into(),
                        line: start_line,
                    });
                }
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '\'' || ((c == 'N' || c == 'n') && chars.get(i + 1) == Some(&'\'')) {
            let national = c != '\'';
            i += if national { 2 } else { 1 };
            let begin = i;
            let mut value = String::new();
            loop {
                if i >= chars.len() {
                    let rest: String = chars[begin..].iter().collect();
                    return Err(LexError {
                        number: 105,
                        text: format!(
                            "Unclosed quotation mark after the character string '{rest}'."
                        ),
                        line: start_line,
                    });
                }
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        value.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if chars[i] == '\n' {
                    line += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
            push(&mut out, Tok::Str { value, national });
        } else if c == '[' || c == '"' {
            let close = if c == '[' { ']' } else { '"' };
            i += 1;
            let mut name = String::new();
            loop {
                if i >= chars.len() {
                    let text =
                        format!("Unclosed quotation mark after the character string '{name}'.");
                    return Err(LexError {
                        number: 105,
                        text,
                        line: start_line,
                    });
                }
                if chars[i] == close {
                    if chars.get(i + 1) == Some(&close) {
                        name.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            push(&mut out, Tok::Quoted(name));
        } else if c == '0' && matches!(chars.get(i + 1), Some('x') | Some('X')) {
            i += 2;
            let begin = i;
            while i < chars.len() && chars[i].is_ascii_hexdigit() {
                i += 1;
            }
            let mut digits: String = chars[begin..i].iter().collect();
            if digits.len() % 2 == 1 {
                digits.insert(0, '0');
            }
            let bytes = (0..digits.len())
                .step_by(2)
                .map(|k| u8::from_str_radix(&digits[k..k + 2], 16).unwrap_or(0))
                .collect();
            push(&mut out, Tok::Hex(bytes));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let begin = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            push(&mut out, Tok::Num(chars[begin..i].iter().collect()));
        } else if c == '@' {
            let sys = chars.get(i + 1) == Some(&'@');
            i += if sys { 2 } else { 1 };
            let begin = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let name: String = chars[begin..i].iter().collect();
            if sys {
                push(&mut out, Tok::SysVar(name.to_ascii_uppercase()));
            } else {
                push(&mut out, Tok::Var(format!("@{}", name.to_lowercase())));
            }
        } else if is_ident_start(c) {
            let begin = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            push(&mut out, Tok::Word(chars[begin..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if let Some(op) = OPS.iter().find(|op| op.len() == 2 && **op == two) {
                push(&mut out, Tok::Op(op));
                i += 2;
            } else if let Some(op) = OPS
                .iter()
                .chain(OPS1.iter())
                .find(|op| op.len() == 1 && op.starts_with(c))
            {
                push(&mut out, Tok::Op(op));
                i += 1;
            } else {
                return Err(LexError {
                    number: 102,
                    text: format!("Incorrect syntax near '{c}'."),
                    line: start_line,
                });
            }
        }
    }
    Ok(out)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '#' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '#' || c == '$' || c == '@'
}

/// T-SQL text for tokens (procedure bodies are stored this way).
pub fn render(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut line = tokens.first().map_or(1, |t| t.line);
    for t in tokens {
        // Keep line breaks so that error lines inside bodies stay meaningful.
        while line < t.line {
            out.push('\n');
            line += 1;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        match &t.tok {
            Tok::Str { value, national } => {
                if *national {
                    out.push('N');
                }
                out.push('\'');
                out.push_str(&value.replace('\'', "''"));
                out.push('\'');
            }
            Tok::Quoted(q) => {
                out.push('[');
                out.push_str(&q.replace(']', "]]"));
                out.push(']');
            }
            _ => out.push_str(&t.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_strings_brackets_and_comments() {
        let t = tokenize("SELECT N'é''x' AS [a b] -- c\n/* x /* y */ */ FROM #t").unwrap();
        assert_eq!(
            t[1].tok,
            Tok::Str {
                value: "é'x".into(),
                national: true
            }
        );
        assert_eq!(t[3].tok, Tok::Quoted("a b".into()));
        assert!(t[4].is("from"));
        assert_eq!(t[4].line, 2);
        assert_eq!(t[5].tok, Tok::Word("#t".into()));
    }

    #[test]
    fn unclosed_string_is_error_105() {
        assert_eq!(tokenize("select 'abc").unwrap_err().number, 105);
    }

    #[test]
    fn numbers_vars_hex() {
        let t = tokenize("1e0 2.5 @X @@version 0xABC <> .5").unwrap();
        assert_eq!(t[0].tok, Tok::Num("1e0".into()));
        assert_eq!(t[2].tok, Tok::Var("@x".into()));
        assert_eq!(t[3].tok, Tok::SysVar("VERSION".into()));
        assert_eq!(t[4].tok, Tok::Hex(vec![0x0A, 0xBC]));
        assert!(t[5].is_op("<>"));
        assert_eq!(t[6].tok, Tok::Num(".5".into()));
    }
}
