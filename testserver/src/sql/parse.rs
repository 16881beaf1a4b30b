//! Splits a T-SQL batch into statements and control flow. T-SQL needs no `;` between
//! statements, so a statement ends where a keyword that can only start a new one appears at
//! the top level.

use super::lexer::{Tok, Token};

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Simple(Vec<Token>),
    If {
        cond: Vec<Token>,
        then: Box<Stmt>,
        otherwise: Option<Box<Stmt>>,
    },
    While {
        cond: Vec<Token>,
        body: Box<Stmt>,
    },
    Block(Vec<Stmt>),
    TryCatch {
        body: Vec<Stmt>,
        catch: Vec<Stmt>,
    },
}

/// Where a batch fails to parse: the token SQL Server would name in error 102.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub near: String,
    pub line: i32,
}

const STARTERS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "ALTER",
    "PRINT",
    "SET",
    "DECLARE",
    "IF",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVE",
    "USE",
    "EXEC",
    "EXECUTE",
    "RAISERROR",
    "THROW",
    "WAITFOR",
    "TRUNCATE",
    "WITH",
    "RETURN",
    "WHILE",
    "MERGE",
    "ELSE",
    "END",
    "BREAK",
    "CONTINUE",
    "GRANT",
    "DENY",
    "REVOKE",
];

pub fn parse_batch(tokens: &[Token]) -> Result<Vec<Stmt>, SyntaxError> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < tokens.len() {
        if tokens[pos].is_op(";") {
            pos += 1;
            continue;
        }
        out.push(parse_stmt(tokens, &mut pos)?);
    }
    Ok(out)
}

fn err(tokens: &[Token], pos: usize) -> SyntaxError {
    match tokens.get(pos).or(tokens.last()) {
        Some(t) => SyntaxError {
            near: t.to_string(),
            line: t.line,
        },
        None => SyntaxError {
            near: String::new(),
            line: 1,
        },
    }
}

fn skip_semis(tokens: &[Token], pos: &mut usize) {
    while tokens.get(*pos).is_some_and(|t| t.is_op(";")) {
        *pos += 1;
    }
}

fn parse_stmt(tokens: &[Token], pos: &mut usize) -> Result<Stmt, SyntaxError> {
    skip_semis(tokens, pos);
    let t = tokens.get(*pos).ok_or_else(|| err(tokens, *pos))?;
    match t.keyword().as_deref() {
        Some("IF") => {
            *pos += 1;
            let cond = collect(tokens, pos, true);
            if cond.is_empty() {
                return Err(err(tokens, *pos));
            }
            let then = Box::new(parse_stmt(tokens, pos)?);
            skip_semis(tokens, pos);
            let otherwise = if tokens.get(*pos).is_some_and(|t| t.is("ELSE")) {
                *pos += 1;
                Some(Box::new(parse_stmt(tokens, pos)?))
            } else {
                None
            };
            Ok(Stmt::If {
                cond,
                then,
                otherwise,
            })
        }
        Some("WHILE") => {
            *pos += 1;
            let cond = collect(tokens, pos, true);
            if cond.is_empty() {
                return Err(err(tokens, *pos));
            }
            let body = Box::new(parse_stmt(tokens, pos)?);
            Ok(Stmt::While { cond, body })
        }
        Some("BEGIN") => {
            let next = tokens.get(*pos + 1).and_then(|t| t.keyword());
            match next.as_deref() {
                Some("TRAN" | "TRANSACTION" | "DISTRIBUTED") => {
                    Ok(Stmt::Simple(collect(tokens, pos, false)))
                }
                Some("TRY") => {
                    *pos += 2;
                    let body = parse_block(tokens, pos, Some("TRY"))?;
                    if !(tokens.get(*pos).is_some_and(|t| t.is("BEGIN"))
                        && tokens.get(*pos + 1).is_some_and(|t| t.is("CATCH")))
                    {
                        return Err(err(tokens, *pos));
                    }
                    *pos += 2;
                    let catch = parse_block(tokens, pos, Some("CATCH"))?;
                    Ok(Stmt::TryCatch { body, catch })
                }
                _ => {
                    *pos += 1;
                    Ok(Stmt::Block(parse_block(tokens, pos, None)?))
                }
            }
        }
        Some("ELSE" | "END") => Err(err(tokens, *pos)),
        _ => {
            let s = collect(tokens, pos, false);
            if s.is_empty() {
                return Err(err(tokens, *pos));
            }
            Ok(Stmt::Simple(s))
        }
    }
}

/// Statements up to the matching `END` (and `END TRY`/`END CATCH` when `label` is given).
fn parse_block(
    tokens: &[Token],
    pos: &mut usize,
    label: Option<&str>,
) -> Result<Vec<Stmt>, SyntaxError> {
    let mut out = Vec::new();
    loop {
        skip_semis(tokens, pos);
        let t = tokens.get(*pos).ok_or_else(|| err(tokens, *pos))?;
        if t.is("END") {
            *pos += 1;
            if let Some(label) = label {
                if !tokens.get(*pos).is_some_and(|t| t.is(label)) {
                    return Err(err(tokens, *pos));
                }
                *pos += 1;
            }
            return Ok(out);
        }
        out.push(parse_stmt(tokens, pos)?);
    }
}

/// Collects one simple statement (or an IF/WHILE condition when `condition`).
fn collect(tokens: &[Token], pos: &mut usize, condition: bool) -> Vec<Token> {
    let start = *pos;
    let first = tokens
        .get(start)
        .and_then(|t| t.keyword())
        .unwrap_or_default();
    let second = tokens
        .get(start + 1)
        .and_then(|t| t.keyword())
        .unwrap_or_default();
    // A module definition runs to the end of the batch, as T-SQL requires.
    if !condition
        && (first == "CREATE" || first == "ALTER")
        && matches!(
            second.as_str(),
            "PROC" | "PROCEDURE" | "FUNCTION" | "TRIGGER" | "VIEW" | "OR"
        )
    {
        *pos = tokens.len();
        return tokens[start..].to_vec();
    }
    let mut depth = 0i32;
    let mut case_depth = 0i32;
    // The statement's main verb: the first word, or the first DML word after a CTE.
    let mut head = if condition {
        String::new()
    } else {
        first.clone()
    };
    let mut seen_query = false;
    let mut seen_set = false;
    let mut i = start;
    while i < tokens.len() {
        let t = &tokens[i];
        if i > start || condition {
            if depth == 0 && t.is_op(";") {
                break;
            }
            if depth == 0
                && case_depth == 0
                && let Some(kw) = t.keyword()
            {
                if STARTERS.contains(&kw.as_str())
                    && (i > start || condition)
                    && (starts_new(tokens, i, &kw, &head, seen_query, condition && i == start)
                        || (kw == "SET" && head == "UPDATE" && seen_set))
                {
                    break;
                }
                if kw == "SET" {
                    seen_set = true;
                }
                if head == "WITH"
                    && matches!(
                        kw.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                    )
                {
                    head = kw.clone();
                }
                if kw == "SELECT" || kw == "VALUES" || (kw == "EXEC" || kw == "EXECUTE") {
                    seen_query = true;
                }
            }
        }
        match &t.tok {
            Tok::Op("(") => depth += 1,
            Tok::Op(")") => depth -= 1,
            Tok::Word(w) if w.eq_ignore_ascii_case("CASE") => case_depth += 1,
            Tok::Word(w) if w.eq_ignore_ascii_case("END") && case_depth > 0 => case_depth -= 1,
            _ => {}
        }
        i += 1;
    }
    *pos = i;
    tokens[start..i].to_vec()
}

/// Whether keyword `kw` at `tokens[i]` begins a new statement rather than continuing this one.
fn starts_new(
    tokens: &[Token],
    i: usize,
    kw: &str,
    head: &str,
    seen_query: bool,
    cond_start: bool,
) -> bool {
    if cond_start {
        return false;
    }
    let prev = tokens
        .get(i.wrapping_sub(1))
        .and_then(|t| t.keyword())
        .unwrap_or_default();
    let next = tokens.get(i + 1);
    match kw {
        "SELECT" => {
            !(matches!(
                prev.as_str(),
                "UNION" | "ALL" | "EXCEPT" | "INTERSECT" | "AS" | "FOR"
            ) || (head == "INSERT" && !seen_query)
                || head == "WITH"
                || head == "MERGE")
        }
        "EXEC" | "EXECUTE" => (seen_query || head != "INSERT") && prev != "WITH",
        "SET" => {
            !(matches!(head, "UPDATE" | "MERGE" | "ALTER")
                || matches!(prev.as_str(), "DELETE" | "UPDATE"))
        }
        "INSERT" | "UPDATE" | "DELETE" => {
            // `ON DELETE`/`ON UPDATE` of a foreign key continue the statement; after a SET
            // option's ON (Django's `SET NOCOUNT ON INSERT ...`) a new statement begins.
            let continues = matches!(head, "WITH" | "MERGE" | "GRANT" | "DENY" | "REVOKE")
                || matches!(prev.as_str(), "FOR" | "AFTER" | "OF" | "INSTEAD")
                || (prev == "ON" && head != "SET")
                || tokens.get(i - 1).is_some_and(|t| t.is_op(","));
            !continues
        }
        "WITH" => {
            // A CTE: WITH name AS ( / WITH name (cols) AS. Anything else (hints, NOWAIT...) continues.
            let is_name = next.is_some_and(|t| t.name().is_some() && !t.is("TIES"));
            let after = tokens.get(i + 2);
            is_name
                && after.is_some_and(|t| t.is("AS") || t.is_op("("))
                && !next.is_some_and(|t| t.is("XMLNAMESPACES"))
        }
        "IF" => !matches!(
            prev.as_str(),
            "TABLE"
                | "VIEW"
                | "PROCEDURE"
                | "PROC"
                | "FUNCTION"
                | "INDEX"
                | "TRIGGER"
                | "SCHEMA"
                | "TYPE"
                | "DATABASE"
                | "SEQUENCE"
                | "COLUMN"
                | "CONSTRAINT"
                | "USER"
                | "LOGIN"
        ),
        "ROLLBACK" | "COMMIT" => prev != "ON",
        "GRANT" | "DENY" | "REVOKE" => prev != "WITH",
        "END" | "ELSE" => true,
        "DROP" | "CREATE" | "ALTER" => !matches!(head, "GRANT" | "DENY" | "REVOKE"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::tokenize;

    fn split(sql: &str) -> Vec<Stmt> {
        parse_batch(&tokenize(sql).unwrap()).unwrap()
    }

    fn first_words(stmts: &[Stmt]) -> Vec<String> {
        stmts
            .iter()
            .map(|s| match s {
                Stmt::Simple(t) => t[0].to_string().to_uppercase(),
                other => format!("{other:?}")
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string(),
            })
            .collect()
    }

    #[test]
    fn statements_without_semicolons() {
        let s = split("select 1 select 2 insert into t select 3 update t set a = 1 set nocount on");
        assert_eq!(
            first_words(&s),
            ["SELECT", "SELECT", "INSERT", "UPDATE", "SET"]
        );
    }

    #[test]
    fn a_set_option_then_dml_without_semicolons() {
        let s = split(
            "SET NOCOUNT ON INSERT INTO t (a) VALUES (1); SELECT CAST(SCOPE_IDENTITY() AS bigint)",
        );
        assert_eq!(first_words(&s), ["SET", "INSERT", "SELECT"]);
        let s = split("SET XACT_ABORT ON UPDATE t SET a = 1 SET NOCOUNT OFF DELETE FROM t");
        assert_eq!(first_words(&s), ["SET", "UPDATE", "SET", "DELETE"]);
        let s = split(
            "CREATE TABLE c (id INT, pid INT REFERENCES p(id) ON DELETE CASCADE ON UPDATE NO ACTION)",
        );
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn unions_ctes_and_hints_stay_together() {
        let s = split(
            "with c as (select 1 a) select a from c with (nolock) union all select 2; print 'x'",
        );
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn if_else_and_blocks() {
        let s = split(
            "IF OBJECT_ID('t') IS NOT NULL DROP TABLE t ELSE BEGIN SELECT 1; SELECT 2 END SELECT 3",
        );
        assert_eq!(s.len(), 2);
        match &s[0] {
            Stmt::If {
                otherwise: Some(b), ..
            } => assert!(matches!(**b, Stmt::Block(ref v) if v.len() == 2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn case_end_does_not_close_a_block() {
        let s = split("BEGIN SELECT CASE WHEN 1=1 THEN 'a' ELSE 'b' END END");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn drop_if_exists_is_one_statement() {
        assert_eq!(split("DROP TABLE IF EXISTS t").len(), 1);
    }

    #[test]
    fn stray_end_is_an_error() {
        assert!(parse_batch(&tokenize("select 1 end").unwrap()).is_err());
    }
}
