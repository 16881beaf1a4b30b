//! The SQL Server type of a select-list expression, for result columns SQLite cannot trace to
//! a table column (literals, CAST/CONVERT, functions, variables, arithmetic).

use super::SqlType;
use super::lexer::{Tok, Token};
use super::translate::{matching_paren, split_commas};
use super::types::{literal_type, parse_type};

pub trait TypeEnv {
    fn var_type(&self, name: &str) -> Option<SqlType>;
    /// The type and nullability of a column named by `name` (optionally `qualifier.name`).
    fn column_type(&self, qualifier: Option<&str>, name: &str) -> Option<(SqlType, bool)>;
}

/// Type and nullability of an expression, or None if unknown.
pub fn expr_type(tokens: &[Token], env: &dyn TypeEnv) -> Option<(SqlType, bool)> {
    if tokens.is_empty() {
        return None;
    }
    if let Some((pos, op)) = lowest_binary(tokens) {
        let l = expr_type(&tokens[..pos], env)?;
        let r = expr_type(&tokens[pos + 1..], env)?;
        return Some((combine(&l.0, &r.0, op)?, l.1 || r.1));
    }
    if tokens[0].is_op("-") || tokens[0].is_op("+") {
        return expr_type(&tokens[1..], env);
    }
    primary(tokens, env)
}

/// The rightmost top-level `+`/`-` (else `*`,`/`,`%`) that is a binary operator.
fn lowest_binary(tokens: &[Token]) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, &'static str, u8)> = None;
    let mut depth = 0;
    let mut case_depth = 0;
    for (i, t) in tokens.iter().enumerate() {
        match &t.tok {
            Tok::Op("(") => depth += 1,
            Tok::Op(")") => depth -= 1,
            Tok::Word(w) if w.eq_ignore_ascii_case("CASE") => case_depth += 1,
            Tok::Word(w) if w.eq_ignore_ascii_case("END") => case_depth -= 1,
            Tok::Op(o @ ("+" | "-" | "*" | "/" | "%" | "&" | "|" | "^"))
                if depth == 0 && case_depth == 0 && i > 0 =>
            {
                // Binary only if the left side ends an operand.
                let prev = &tokens[i - 1];
                let operand_end = !matches!(prev.tok, Tok::Op(p) if p != ")");
                if !operand_end {
                    continue;
                }
                let prec = if matches!(*o, "+" | "-" | "&" | "|" | "^") {
                    1
                } else {
                    2
                };
                if best.is_none_or(|(_, _, p)| prec <= p) {
                    best = Some((i, o, prec));
                }
            }
            _ => {}
        }
    }
    best.map(|(i, o, _)| (i, o))
}

/// SQL Server's data type precedence (higher wins).
fn precedence(t: &SqlType) -> u8 {
    use SqlType::*;
    match t {
        Variant => 30,
        Xml => 29,
        DateTimeOffset { .. } => 28,
        DateTime2 { .. } => 27,
        DateTime => 26,
        SmallDateTime => 25,
        Date => 24,
        Time { .. } => 23,
        Float => 22,
        Real => 21,
        Decimal { .. } | Numeric { .. } => 20,
        Money => 19,
        SmallMoney => 18,
        BigInt => 17,
        Int => 16,
        SmallInt => 15,
        TinyInt => 14,
        Bit => 13,
        NText => 12,
        Text => 11,
        Image => 10,
        UniqueIdentifier => 8,
        NVarChar(_) => 7,
        NChar(_) => 6,
        VarChar(_) => 5,
        Char(_) => 4,
        VarBinary(_) => 3,
        Binary(_) => 2,
    }
}

fn as_decimal(t: &SqlType) -> Option<(u8, u8)> {
    use SqlType::*;
    Some(match t {
        Decimal { precision, scale } | Numeric { precision, scale } => (*precision, *scale),
        Bit | TinyInt => (3, 0),
        SmallInt => (5, 0),
        Int => (10, 0),
        BigInt => (19, 0),
        Money => (19, 4),
        SmallMoney => (10, 4),
        _ => return None,
    })
}

fn str_len(t: &SqlType) -> Option<Option<u16>> {
    use SqlType::*;
    match t {
        Char(n) | NChar(n) => Some(Some(*n)),
        VarChar(n) | NVarChar(n) => Some(*n),
        _ => None,
    }
}

fn combine(l: &SqlType, r: &SqlType, op: &str) -> Option<SqlType> {
    use SqlType::*;
    if op == "+"
        && let (Some(a), Some(b)) = (str_len(l), str_len(r))
    {
        let unicode = matches!(l, NChar(_) | NVarChar(_)) || matches!(r, NChar(_) | NVarChar(_));
        let limit = if unicode { 4000 } else { 8000 };
        let n = match (a, b) {
            (Some(a), Some(b)) if (a as u32 + b as u32) <= limit => Some(a + b),
            _ => None,
        };
        return Some(if unicode { NVarChar(n) } else { VarChar(n) });
    }
    let hi = if precedence(l) >= precedence(r) { l } else { r };
    if matches!(hi, Decimal { .. } | Numeric { .. }) {
        let (p1, s1) = as_decimal(l)?;
        let (p2, s2) = as_decimal(r)?;
        let (p, s) = match op {
            "+" | "-" => {
                let s = s1.max(s2) as i32;
                (
                    s + (p1 as i32 - s1 as i32).max(p2 as i32 - s2 as i32) + 1,
                    s,
                )
            }
            "*" => (p1 as i32 + p2 as i32 + 1, s1 as i32 + s2 as i32),
            "/" => {
                let s = 6.max(s1 as i32 + p2 as i32 + 1);
                (p1 as i32 - s1 as i32 + s2 as i32 + s, s)
            }
            _ => (p1.max(p2) as i32, s1.max(s2) as i32),
        };
        let (p, s) = if p > 38 {
            let int = p - s;
            let s = (38 - int).max(s.min(6)).max(0);
            (38, s.min(38))
        } else {
            (p, s)
        };
        return Some(Numeric {
            precision: p as u8,
            scale: s as u8,
        });
    }
    if matches!(hi, Bit) {
        return Some(Int);
    }
    Some(hi.clone())
}

/// A CASE's type, as SQL Server derives it: the highest-precedence type of its THEN and ELSE
/// results (strings as long as the longest, decimals wide enough for each); a bare NULL result
/// has no say, and a CASE of NULLs only is int. Results of unknown type are left out.
fn case_type(tokens: &[Token], env: &dyn TypeEnv) -> Option<SqlType> {
    let mut known = None;
    let mut all_null = true;
    for result in case_results(tokens) {
        if result.len() == 1 && result[0].is("NULL") {
            continue;
        }
        all_null = false;
        if let Some((t, _)) = expr_type(result, env) {
            known = Some(match known {
                None => t,
                Some(prev) => case_union(&prev, &t),
            });
        }
    }
    known.or(all_null.then_some(SqlType::Int))
}

/// The THEN and ELSE result expressions of a CASE, at its own nesting level.
fn case_results(tokens: &[Token]) -> Vec<&[Token]> {
    let mut results = Vec::new();
    let (mut depth, mut start) = (0, None);
    for (i, t) in tokens.iter().enumerate().skip(1) {
        if t.is("CASE") {
            depth += 1;
        } else if t.is("END") && depth > 0 {
            depth -= 1;
        } else if depth == 0 && (t.is("WHEN") || t.is("ELSE") || t.is("END") || t.is("THEN")) {
            if let Some(s) = start.take() {
                results.push(&tokens[s..i]);
            }
            if t.is("THEN") || t.is("ELSE") {
                start = Some(i + 1);
            }
        }
    }
    results
}

fn case_union(a: &SqlType, b: &SqlType) -> SqlType {
    use SqlType::*;
    if let (Some(la), Some(lb)) = (str_len(a), str_len(b)) {
        let unicode = matches!(a, NChar(_) | NVarChar(_)) || matches!(b, NChar(_) | NVarChar(_));
        let n = la.zip(lb).map(|(x, y)| x.max(y));
        return if unicode { NVarChar(n) } else { VarChar(n) };
    }
    let hi = if precedence(a) >= precedence(b) { a } else { b };
    if matches!(hi, Decimal { .. } | Numeric { .. })
        && let (Some((p1, s1)), Some((p2, s2))) = (as_decimal(a), as_decimal(b))
    {
        let scale = s1.max(s2);
        let precision = (scale + (p1 - s1).max(p2 - s2)).min(38);
        return Numeric { precision, scale };
    }
    hi.clone()
}

fn primary(tokens: &[Token], env: &dyn TypeEnv) -> Option<(SqlType, bool)> {
    let first = &tokens[0];
    if tokens.len() == 1 {
        return match &first.tok {
            Tok::Word(w) if w.eq_ignore_ascii_case("NULL") => Some((SqlType::Int, true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("CURRENT_TIMESTAMP") => {
                Some((SqlType::DateTime, false))
            }
            Tok::Word(w) | Tok::Quoted(w) => env.column_type(None, w),
            Tok::Var(v) => env.var_type(v).map(|t| (t, true)),
            Tok::SysVar(v) => sysvar_type(v).map(|t| (t, false)),
            tok => literal_type(tok).map(|t| (t, false)),
        };
    }
    if first.is_op("(") {
        let close = matching_paren(tokens, 0)?;
        if close == tokens.len() - 1 && !tokens.get(1).is_some_and(|t| t.is("SELECT")) {
            return expr_type(&tokens[1..close], env);
        }
        return None;
    }
    // qualifier.column
    if tokens.len() == 3 && tokens[1].is_op(".") {
        return env.column_type(first.name(), tokens[2].name()?);
    }
    if first.is("CASE") {
        return case_type(tokens, env).map(|t| (t, true));
    }
    let name = first.name()?.to_ascii_uppercase();
    if !tokens.get(1).is_some_and(|t| t.is_op("(")) {
        return None;
    }
    let close = matching_paren(tokens, 1)?;
    if close != tokens.len() - 1 {
        return None;
    }
    let inner = &tokens[2..close];
    let args = split_commas(inner);
    let arg = |i: usize| args.get(i).and_then(|a| expr_type(a, env));
    let nn = |t: SqlType| Some((t, false));
    let null = |t: SqlType| Some((t, true));
    use SqlType::*;
    match name.as_str() {
        "CAST" | "TRY_CAST" => {
            let as_pos = inner.iter().rposition(|t| t.is("AS"))?;
            let mut p = as_pos + 1;
            let ty = parse_type(inner, &mut p, true).ok()?;
            let nullable =
                name == "TRY_CAST" || expr_type(&inner[..as_pos], env).is_none_or(|t| t.1);
            Some((ty, nullable))
        }
        "CONVERT" | "TRY_CONVERT" => {
            let mut p = 0;
            let ty = parse_type(args.first()?, &mut p, true).ok()?;
            let nullable = name == "TRY_CONVERT" || arg(1).is_none_or(|t| t.1);
            Some((ty, nullable))
        }
        "GETDATE" | "GETUTCDATE" => nn(DateTime),
        "SYSDATETIME" | "SYSUTCDATETIME" => nn(DateTime2 { scale: 7 }),
        "SYSDATETIMEOFFSET" => nn(DateTimeOffset { scale: 7 }),
        "SCOPE_IDENTITY" | "IDENT_CURRENT" => null(Numeric {
            precision: 38,
            scale: 0,
        }),
        "DB_NAME" | "SCHEMA_NAME" | "USER_NAME" | "SUSER_SNAME" | "SUSER_NAME" | "HOST_NAME"
        | "APP_NAME" | "OBJECT_NAME" | "ORIGINAL_LOGIN" | "TYPE_NAME" | "COL_NAME"
        | "OBJECT_SCHEMA_NAME" => null(NVarChar(Some(128))),
        "SERVERPROPERTY" | "DATABASEPROPERTYEX" | "CONNECTIONPROPERTY" | "SESSIONPROPERTY" => {
            null(Variant)
        }
        "COUNT" => nn(Int),
        "COUNT_BIG" => nn(BigInt),
        "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE" => nn(BigInt),
        "NEWID" => nn(UniqueIdentifier),
        "LEN" | "DATALENGTH" | "CHARINDEX" | "PATINDEX" | "DATEDIFF" | "DATEPART" | "YEAR"
        | "MONTH" | "DAY" | "ASCII" | "UNICODE" | "ISNUMERIC" | "ISDATE" | "OBJECT_ID"
        | "USER_ID" | "SCHEMA_ID" | "ERROR_NUMBER" | "ERROR_SEVERITY" | "ERROR_STATE"
        | "ERROR_LINE" | "CHECKSUM" | "COLUMNPROPERTY" | "OBJECTPROPERTY" => null(Int),
        "DB_ID" | "XACT_STATE" => null(SmallInt),
        "DATEDIFF_BIG" => null(BigInt),
        "DATENAME" => null(NVarChar(Some(30))),
        "ERROR_MESSAGE" => null(NVarChar(Some(4000))),
        "ERROR_PROCEDURE" => null(NVarChar(Some(128))),
        "EOMONTH" => null(Date),
        // A date in a string is a datetime to DATEADD.
        "DATEADD" | "DATETRUNC" => args
            .get(2)
            .or(args.get(1))
            .and_then(|a| expr_type(a, env))
            .map(|(t, n)| match t {
                Date
                | Time { .. }
                | DateTime
                | SmallDateTime
                | DateTime2 { .. }
                | DateTimeOffset { .. } => (t, n),
                _ => (DateTime, n),
            }),
        "ISNULL" => arg(0).map(|(t, _)| (t, arg(1).is_none_or(|t| t.1))),
        "COALESCE" => args
            .iter()
            .filter_map(|a| expr_type(a, env))
            .max_by_key(|(t, _)| precedence(t))
            .map(|(t, _)| (t, true)),
        "NULLIF" => arg(0).map(|(t, _)| (t, true)),
        "IIF" => arg(1).map(|(t, _)| (t, true)),
        "SUM" => arg(0).map(|(t, _)| {
            let t = match t {
                TinyInt | SmallInt | Bit => Int,
                Decimal { scale, .. } | Numeric { scale, .. } => Numeric {
                    precision: 38,
                    scale,
                },
                Real => Float,
                SmallMoney => Money,
                t => t,
            };
            (t, true)
        }),
        "AVG" => arg(0).map(|(t, _)| {
            let t = match t {
                TinyInt | SmallInt | Bit => Int,
                Decimal { scale, .. } | Numeric { scale, .. } => Numeric {
                    precision: 38,
                    scale: scale.max(6),
                },
                Real => Float,
                SmallMoney => Money,
                t => t,
            };
            (t, true)
        }),
        "MIN" | "MAX" | "ABS" | "ROUND" | "FLOOR" | "CEILING" | "SIGN" | "LAG" | "LEAD"
        | "FIRST_VALUE" | "LAST_VALUE" | "UPPER" | "LOWER" | "LTRIM" | "RTRIM" | "TRIM"
        | "REVERSE" => arg(0).map(|(t, _)| (t, true)),
        "SUBSTRING" | "LEFT" | "RIGHT" | "REPLACE" | "STUFF" => arg(0).map(|(t, _)| {
            let t = match t {
                Char(n) => VarChar(Some(n)),
                NChar(n) => NVarChar(Some(n)),
                Text => VarChar(None),
                NText => NVarChar(None),
                t => t,
            };
            (
                if name == "REPLACE" || name == "STUFF" {
                    widen(t)
                } else {
                    t
                },
                true,
            )
        }),
        "REPLICATE" => arg(0).map(|(t, _)| (widen(t), true)),
        "CONCAT" | "CONCAT_WS" | "STRING_AGG" => {
            let unicode = args
                .iter()
                .any(|a| matches!(expr_type(a, env), Some((NVarChar(_) | NChar(_) | NText, _))));
            let n = if name == "STRING_AGG" {
                None
            } else {
                Some(8000)
            };
            nn(if unicode {
                NVarChar(n.map(|_| 4000))
            } else {
                VarChar(n)
            })
        }
        "QUOTENAME" => null(NVarChar(Some(258))),
        "SPACE" | "STR" | "CHAR" => null(VarChar(Some(if name == "CHAR" { 1 } else { 8000 }))),
        "NCHAR" => null(NVarChar(Some(1))),
        "FORMAT" => null(NVarChar(Some(4000))),
        "SQRT" | "SQUARE" | "EXP" | "LOG" | "LOG10" | "RAND" | "PI" | "SIN" | "COS" | "TAN"
        | "ATAN" | "ASIN" | "ACOS" | "ATN2" | "DEGREES" | "RADIANS" | "POWER" => {
            if name == "POWER" {
                arg(0).map(|(t, _)| (t, true))
            } else {
                null(Float)
            }
        }
        "HASHBYTES" => null(VarBinary(Some(8000))),
        "OBJECT_DEFINITION" => null(NVarChar(None)),
        _ => None,
    }
}

fn widen(t: SqlType) -> SqlType {
    match t {
        SqlType::VarChar(_) => SqlType::VarChar(Some(8000)),
        SqlType::NVarChar(_) => SqlType::NVarChar(Some(4000)),
        t => t,
    }
}

pub fn sysvar_type(name: &str) -> Option<SqlType> {
    use SqlType::*;
    Some(match name {
        "VERSION" => NVarChar(Some(300)),
        "SERVERNAME" | "SERVICENAME" | "LANGUAGE" => NVarChar(Some(128)),
        "SPID" | "LANGID" => SmallInt,
        "IDENTITY" => Numeric {
            precision: 38,
            scale: 0,
        },
        "MAX_PRECISION" | "DATEFIRST" => TinyInt,
        "DBTS" => VarBinary(Some(8)),
        _ => Int,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::tokenize;

    struct Env;
    impl TypeEnv for Env {
        fn var_type(&self, name: &str) -> Option<SqlType> {
            (name == "@d").then_some(SqlType::Decimal {
                precision: 10,
                scale: 2,
            })
        }
        fn column_type(&self, _: Option<&str>, name: &str) -> Option<(SqlType, bool)> {
            (name == "price").then_some((SqlType::Money, true))
        }
    }

    fn ty(sql: &str) -> Option<SqlType> {
        expr_type(&tokenize(sql).unwrap(), &Env).map(|t| t.0)
    }

    #[test]
    fn literals_casts_and_functions() {
        assert_eq!(ty("CAST(1 AS bigint)"), Some(SqlType::BigInt));
        assert_eq!(
            ty("CONVERT(varchar(10), 5)"),
            Some(SqlType::VarChar(Some(10)))
        );
        assert_eq!(
            ty("-2.5"),
            Some(SqlType::Numeric {
                precision: 2,
                scale: 1
            })
        );
        assert_eq!(ty("'ab' + N'c'"), Some(SqlType::NVarChar(Some(3))));
        assert_eq!(
            ty("1 + 2.5"),
            Some(SqlType::Numeric {
                precision: 12,
                scale: 1
            })
        );
        assert_eq!(ty("1e0 * 2"), Some(SqlType::Float));
        assert_eq!(ty("SUM(price)"), Some(SqlType::Money));
        assert_eq!(
            ty("@d"),
            Some(SqlType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert_eq!(ty("COUNT(*)"), Some(SqlType::Int));
        assert_eq!(
            ty("CASE WHEN 1=1 THEN N'x' ELSE N'yy' END"),
            Some(SqlType::NVarChar(Some(2)))
        );
        // sys.dm_exec_sessions as SQLAlchemy reads the isolation level: NULL first.
        assert_eq!(
            ty(
                "CASE 2 WHEN 0 THEN NULL WHEN 1 THEN 'READ UNCOMMITTED' WHEN 2 THEN 'READ COMMITTED' END"
            ),
            Some(SqlType::VarChar(Some(16)))
        );
        assert_eq!(ty("CASE WHEN 1=1 THEN NULL END"), Some(SqlType::Int));
        assert_eq!(
            ty("CASE WHEN 1=1 THEN 1 WHEN 1=2 THEN CASE WHEN 1=1 THEN 2.5 END ELSE 'x' END"),
            Some(SqlType::Numeric {
                precision: 11,
                scale: 1
            })
        );
        assert_eq!(ty("@@VERSION"), Some(SqlType::NVarChar(Some(300))));
        assert_eq!(ty("mystery(1)"), None);
        assert_eq!(ty("DATEADD(day, 1, '2024-01-31')"), Some(SqlType::DateTime));
        assert_eq!(
            ty("DATEADD(day, 1, CAST('2024-01-31' AS date))"),
            Some(SqlType::Date)
        );
    }
}
