//! T-SQL tokens -> SQLite SQL: names, literals, TOP/OFFSET-FETCH, CAST/CONVERT, T-SQL
//! functions, `alias = expr` select items, OUTPUT clauses, and CREATE TABLE.

use super::SqlType;
use super::lexer::{Tok, Token};
use super::types::{self, decl, parse_type};

/// A translation failure, as SQL Server phrases it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransError {
    pub number: i32,
    pub class: u8,
    pub text: String,
    /// The batch line of the token a syntax error is near; 0 when no token is to blame.
    pub line: i32,
}

impl TransError {
    pub fn syntax(near: &Token) -> TransError {
        let mut e = Self::syntax_without_line(near);
        e.line = near.line;
        e
    }

    fn syntax_without_line(near: &Token) -> TransError {
        match &near.tok {
            Tok::Word(w) if is_reserved(w) => TransError {
                line: 0,
                number: 156,
                class: 15,
                text: format!(
                    "Incorrect syntax near the keyword '{}'.",
                    w.to_ascii_uppercase()
                ),
            },
            _ => TransError {
                line: 0,
                number: 102,
                class: 15,
                text: format!("Incorrect syntax near '{near}'."),
            },
        }
    }

    pub fn syntax_at_end() -> TransError {
        TransError {
            line: 0,
            number: 102,
            class: 15,
            text: "Incorrect syntax near ')'.".into(),
        }
    }

    pub fn unsupported(what: &str) -> TransError {
        TransError {
            line: 0,
            number: 40000,
            class: 16,
            text: format!("testserver does not support {what}."),
        }
    }
}

pub fn is_reserved(w: &str) -> bool {
    const KW: &[&str] = &[
        "SELECT",
        "FROM",
        "WHERE",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "TABLE",
        "INTO",
        "VALUES",
        "SET",
        "AND",
        "OR",
        "NOT",
        "NULL",
        "ORDER",
        "GROUP",
        "BY",
        "HAVING",
        "UNION",
        "JOIN",
        "ON",
        "AS",
        "END",
        "ELSE",
        "BEGIN",
        "IF",
        "WHILE",
        "EXEC",
        "EXECUTE",
        "PRINT",
        "DECLARE",
        "WITH",
        "TOP",
        "DISTINCT",
        "PROCEDURE",
        "PROC",
        "VIEW",
        "INDEX",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "DEFAULT",
        "CHECK",
        "CONSTRAINT",
        "UNIQUE",
        "CASE",
        "WHEN",
        "THEN",
        "IS",
        "IN",
        "EXISTS",
        "BETWEEN",
        "LIKE",
        "RETURN",
        "COMMIT",
        "ROLLBACK",
        "TRAN",
        "TRANSACTION",
        "USE",
        "ALTER",
        "TRUNCATE",
        "IDENTITY",
        "OUTPUT",
        "FETCH",
        "OPEN",
        "CLOSE",
        "CURSOR",
        "FOR",
        "OPTION",
        "ALL",
        "ANY",
        "SOME",
        "CROSS",
        "OUTER",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "ASC",
        "DESC",
        "COLLATE",
        "CONVERT",
        "CURRENT_TIMESTAMP",
        "RAISERROR",
        "WAITFOR",
    ];
    KW.iter().any(|k| k.eq_ignore_ascii_case(w))
}

/// What the translator needs from the session: values it inlines as literals.
pub trait Env {
    /// `@@NAME` as an SQLite literal, or None if unknown.
    fn sysvar(&self, name: &str) -> Option<String>;
    /// A session-dependent function (DB_NAME(), SCOPE_IDENTITY()...) as a literal, given its
    /// translated arguments; None if `name` is not one.
    fn session_function(
        &self,
        name: &str,
        args: &[Vec<Token>],
    ) -> Option<Result<String, TransError>>;
    /// Whether `expr` (within `statement`, for its tables) has a character type, which makes
    /// `+` a concatenation.
    fn is_string(&self, _expr: &[Token], _statement: &[Token]) -> bool {
        false
    }
    /// Whether `@name` is a table variable (a TEMP table of that name).
    fn is_table_variable(&self, _name: &str) -> bool {
        false
    }
    /// The T-SQL type of `expr` (within `statement`, for its tables), if it can be told.
    fn expr_type(&self, _expr: &[Token], _statement: &[Token]) -> Option<SqlType> {
        None
    }
}

/// How a binary `+`/`-` must be computed, from its operands' types: SQLite's own `+` does
/// neither T-SQL's implicit conversions nor its date arithmetic.
enum Arith {
    /// String concatenation (`||`).
    Concat,
    /// `datetime ± number`: days added to the date.
    DateDays,
    /// A string operand converted to the other operand's type (so 'abc' + 1 fails as in
    /// SQL Server, where int has the higher precedence).
    ConvertLeft(SqlType),
    ConvertRight(SqlType),
    /// SQLite's arithmetic is right.
    Plain,
}

fn is_char_type(t: &SqlType) -> bool {
    use SqlType::*;
    matches!(
        t,
        Char(_) | VarChar(_) | NChar(_) | NVarChar(_) | Text | NText
    )
}

fn is_number_type(t: &SqlType) -> bool {
    use SqlType::*;
    matches!(
        t,
        Bit | TinyInt
            | SmallInt
            | Int
            | BigInt
            | Real
            | Float
            | Decimal { .. }
            | Numeric { .. }
            | Money
            | SmallMoney
    )
}

/// The operand left of the operator at `op`: a literal, a (qualified) name, or a call or
/// parenthesized expression.
fn left_operand(tokens: &[Token], op: usize) -> &[Token] {
    let end = op;
    let Some(last) = op.checked_sub(1) else {
        return &[];
    };
    let mut start = last;
    if tokens[last].is_op(")") {
        let mut depth = 0;
        for k in (0..=last).rev() {
            if tokens[k].is_op(")") {
                depth += 1;
            } else if tokens[k].is_op("(") {
                depth -= 1;
                if depth == 0 {
                    start = k;
                    break;
                }
            }
        }
        if start > 0 && tokens[start - 1].name().is_some() {
            start -= 1;
        }
    } else {
        while start >= 2 && tokens[start - 1].is_op(".") && tokens[start - 2].name().is_some() {
            start -= 2;
        }
    }
    &tokens[start..end]
}

fn right_operand(tokens: &[Token], op: usize) -> &[Token] {
    let start = op + 1;
    let Some(first) = tokens.get(start) else {
        return &[];
    };
    let mut end = start + 1;
    if first.is_op("(") {
        end = matching_paren(tokens, start).map_or(tokens.len(), |c| c + 1);
    } else if first.name().is_some() {
        while tokens.get(end).is_some_and(|t| t.is_op("."))
            && tokens.get(end + 1).is_some_and(|t| t.name().is_some())
        {
            end += 2;
        }
        if tokens.get(end).is_some_and(|t| t.is_op("(")) {
            end = matching_paren(tokens, end).map_or(tokens.len(), |c| c + 1);
        }
    }
    &tokens[start..end.min(tokens.len())]
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn quote_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Index of the `)` matching the `(` at `open`.
pub fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits `tokens` at top-level commas.
pub fn split_commas(tokens: &[Token]) -> Vec<Vec<Token>> {
    let mut out = vec![Vec::new()];
    let mut depth = 0;
    let mut case_depth = 0;
    for t in tokens {
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
        } else if t.is("CASE") {
            case_depth += 1;
        } else if t.is("END") && case_depth > 0 {
            case_depth -= 1;
        }
        if depth == 0 && case_depth == 0 && t.is_op(",") {
            out.push(Vec::new());
        } else {
            out.last_mut().unwrap().push(t.clone());
        }
    }
    if out.len() == 1 && out[0].is_empty() {
        out.clear();
    }
    out
}

/// Words that end a select list at its own depth.
const LIST_END: &[&str] = &[
    "FROM",
    "INTO",
    "WHERE",
    "GROUP",
    "HAVING",
    "ORDER",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "OPTION",
    "FOR",
];

/// One item of a SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub alias: Option<String>,
    pub expr: Vec<Token>,
}

impl SelectItem {
    pub fn is_star(&self) -> bool {
        self.expr.last().is_some_and(|t| t.is_op("*"))
            && (self.expr.len() == 1
                || self.expr.len() >= 2 && self.expr[self.expr.len() - 2].is_op("."))
    }

    /// The result column name SQL Server gives: the alias, the column name, or "".
    pub fn column_name(&self) -> String {
        if let Some(a) = &self.alias {
            return a.clone();
        }
        let e = &self.expr;
        let is_ref = e.iter().enumerate().all(|(i, t)| {
            if i % 2 == 0 {
                t.name().is_some()
            } else {
                t.is_op(".")
            }
        });
        if is_ref && e.len() % 2 == 1 {
            e.last()
                .and_then(|t| t.name())
                .unwrap_or_default()
                .to_string()
        } else {
            String::new()
        }
    }
}

/// The select list of the SELECT at `tokens[select]`, with the index just past it.
pub fn select_items(tokens: &[Token], select: usize) -> (Vec<SelectItem>, usize) {
    let mut i = select + 1;
    while tokens
        .get(i)
        .is_some_and(|t| t.is("DISTINCT") || t.is("ALL"))
    {
        i += 1;
    }
    if tokens.get(i).is_some_and(|t| t.is("TOP")) {
        i = skip_top(tokens, i).0;
    }
    let start = i;
    let mut depth = 0;
    let mut case_depth = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if t.is("CASE") {
            case_depth += 1;
        } else if t.is("END") && case_depth > 0 {
            case_depth -= 1;
        } else if depth == 0
            && case_depth == 0
            && (LIST_END.iter().any(|k| t.is(k)) || t.is_op(";"))
        {
            break;
        }
        i += 1;
    }
    let items = split_commas(&tokens[start..i])
        .into_iter()
        .map(item_of)
        .collect();
    (items, i)
}

fn item_of(mut expr: Vec<Token>) -> SelectItem {
    // alias = expr
    if expr.len() > 2
        && expr[1].is_op("=")
        && let Tok::Word(a) | Tok::Quoted(a) | Tok::Str { value: a, .. } = &expr[0].tok
    {
        let alias = a.clone();
        return SelectItem {
            alias: Some(alias),
            expr: expr.split_off(2),
        };
    }
    let n = expr.len();
    // expr AS alias / expr alias
    if n >= 3
        && expr[n - 2].is("AS")
        && let Tok::Word(a) | Tok::Quoted(a) | Tok::Str { value: a, .. } = &expr[n - 1].tok
    {
        let alias = a.clone();
        expr.truncate(n - 2);
        return SelectItem {
            alias: Some(alias),
            expr,
        };
    }
    if n >= 2 {
        let last = &expr[n - 1];
        let prev = &expr[n - 2];
        let alias_tok = matches!(&last.tok, Tok::Quoted(_) | Tok::Str { .. })
            || matches!(&last.tok, Tok::Word(w) if !is_reserved(w));
        let prev_ok = !prev.is_op(".") && !matches!(prev.tok, Tok::Op(o) if o != ")");
        if alias_tok && prev_ok && !(prev.is("CASE")) {
            let alias = match &last.tok {
                Tok::Word(a) | Tok::Quoted(a) | Tok::Str { value: a, .. } => a.clone(),
                _ => unreachable!(),
            };
            expr.truncate(n - 1);
            return SelectItem {
                alias: Some(alias),
                expr,
            };
        }
    }
    SelectItem { alias: None, expr }
}

/// Skips `TOP n` / `TOP (expr)` [PERCENT] [WITH TIES] at `tokens[i]`; returns the index after
/// it and the limit tokens.
fn skip_top(tokens: &[Token], i: usize) -> (usize, Vec<Token>) {
    let mut j = i + 1;
    let limit = if tokens.get(j).is_some_and(|t| t.is_op("(")) {
        let Some(close) = matching_paren(tokens, j) else {
            return (tokens.len(), Vec::new());
        };
        let l = tokens[j + 1..close].to_vec();
        j = close + 1;
        l
    } else {
        let l = tokens.get(j).cloned().into_iter().collect();
        j += 1;
        l
    };
    if tokens.get(j).is_some_and(|t| t.is("PERCENT")) {
        j += 1;
    }
    if tokens.get(j).is_some_and(|t| t.is("WITH"))
        && tokens.get(j + 1).is_some_and(|t| t.is("TIES"))
    {
        j += 2;
    }
    (j, limit)
}

/// Translates an expression or query to SQLite.
pub struct Translator<'a> {
    pub env: &'a dyn Env,
}

struct SelectFrame {
    depth: i32,
    limit: Option<String>,
    /// Inside the select list, the alias of the current `alias = expr` item.
    in_list: bool,
    pending_alias: Option<String>,
}

impl Translator<'_> {
    pub fn translate(&self, tokens: &[Token]) -> Result<String, TransError> {
        let mut out = String::with_capacity(tokens.len() * 8);
        let mut frames: Vec<SelectFrame> = Vec::new();
        let mut depth = 0i32;
        let mut case_depth = 0i32;
        let mut i = 0;
        // OUTPUT clause of a DML statement, emitted as RETURNING at the end.
        let mut returning: Option<String> = None;
        let verb = tokens.first().and_then(|t| t.keyword()).unwrap_or_default();
        // Where each token's translation starts in `out`, so an operator can wrap its already
        // translated left operand.
        let mut starts: Vec<Option<usize>> = vec![None; tokens.len()];
        while i < tokens.len() {
            let t = &tokens[i];
            let next = tokens.get(i + 1);
            starts[i] = Some(out.len());
            // End of a select-list item: emit its alias.
            if let Some(f) = frames.last_mut()
                && f.depth == depth
                && f.in_list
                && case_depth == 0
            {
                let ends_list = LIST_END.iter().any(|k| t.is(k)) || t.is_op(")");
                if t.is_op(",") || ends_list {
                    if let Some(a) = f.pending_alias.take() {
                        out.push_str(" AS ");
                        out.push_str(&quote_ident(&a));
                    }
                    if ends_list {
                        f.in_list = false;
                    }
                    if t.is_op(",") {
                        out.push(',');
                        i += 1;
                        self.start_item(tokens, &mut i, f);
                        continue;
                    }
                }
            }
            match &t.tok {
                Tok::Op("(") if next.is_some_and(|n| n.is("VALUES")) => {
                    if let Some(end) = self.values_table(tokens, i, &mut out)? {
                        i = end;
                        continue;
                    }
                    depth += 1;
                    out.push('(');
                }
                Tok::Op("(") => {
                    depth += 1;
                    out.push('(');
                }
                Tok::Op(")") => {
                    self.close_frames(&mut frames, depth, &mut out);
                    depth -= 1;
                    out.push(')');
                }
                Tok::Op("!<") => out.push_str(">="),
                Tok::Op("!>") => out.push_str("<="),
                Tok::Op(o @ ("+" | "-")) if i > 0 => {
                    let left = left_operand(tokens, i);
                    let right = right_operand(tokens, i);
                    let left_start = starts[i - left.len()];
                    match self.arithmetic(o, left, right, tokens) {
                        Arith::Concat => out.push_str(" || "),
                        Arith::Plain => {
                            out.push(' ');
                            out.push_str(o);
                            out.push(' ');
                        }
                        Arith::DateDays => {
                            // The left operand is already out: wrap it.
                            let Some(at) = left_start else {
                                return Err(TransError::syntax(t));
                            };
                            let sign = if *o == "-" { "-" } else { "" };
                            let date = out.split_off(at);
                            let days = self.translate(right)?;
                            out.push_str(&format!(" ss_dateadd('day', {sign}({days}), {date})"));
                            i += 1 + right.len();
                            continue;
                        }
                        Arith::ConvertLeft(ty) => {
                            let Some(at) = left_start else {
                                return Err(TransError::syntax(t));
                            };
                            out.insert_str(at, " ss_cast(");
                            out.push_str(&format!(", {}) {o} ", quote_str(&decl(&ty))));
                        }
                        Arith::ConvertRight(ty) => {
                            let value = self.translate(right)?;
                            out.push_str(&format!(
                                " {o} ss_cast({value}, {})",
                                quote_str(&decl(&ty))
                            ));
                            i += 1 + right.len();
                            continue;
                        }
                    }
                }
                Tok::Op(o @ ("/" | "%")) if !right_operand(tokens, i).is_empty() => {
                    // A zero divisor is error 8134 in SQL Server (SQLite would answer NULL).
                    let divisor = right_operand(tokens, i);
                    out.push_str(&format!(" {o} ss_divisor({})", self.translate(divisor)?));
                    i += 1 + divisor.len();
                    continue;
                }
                Tok::Op(o) => {
                    out.push(' ');
                    out.push_str(o);
                    out.push(' ');
                }
                Tok::Str { value, .. } => {
                    out.push(' ');
                    out.push_str(&quote_str(value));
                    // A literal compared to anything compares as SQL Server's collation does
                    // (columns already carry it; literals and parameters do not).
                    let compared = |t: Option<&Token>| {
                        t.is_some_and(|t| {
                            ["=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>"]
                                .iter()
                                .any(|o| t.is_op(o))
                        })
                    };
                    // `SELECT name = 'x'` names a column: no comparison there.
                    let names_column = frames.last().is_some_and(|f| {
                        f.in_list
                            && f.pending_alias.is_some()
                            && i >= 2
                            && tokens[i - 2].name() == f.pending_alias.as_deref()
                    });
                    let before = i.checked_sub(1).and_then(|p| tokens.get(p));
                    if (compared(before) && !names_column) || compared(next) {
                        out.push_str(&format!(" COLLATE {}", super::functions::COLLATION));
                    }
                }
                Tok::Num(n) => {
                    out.push(' ');
                    out.push_str(&number_literal(n));
                }
                Tok::Hex(b) => {
                    out.push_str(" X'");
                    b.iter().for_each(|x| out.push_str(&format!("{x:02X}")));
                    out.push('\'');
                }
                Tok::Var(v) if self.env.is_table_variable(v) => {
                    out.push(' ');
                    out.push_str(&quote_ident(v));
                }
                Tok::Var(v)
                    if i > 0
                        && ["FROM", "JOIN", "INTO", "UPDATE", "INSERT", "DELETE"]
                            .iter()
                            .any(|k| tokens[i - 1].is(k)) =>
                {
                    return Err(TransError {
                        line: 0,
                        number: 1087,
                        class: 15,
                        text: format!("Must declare the table variable \"{v}\"."),
                    });
                }
                Tok::Var(v) => {
                    out.push(' ');
                    out.push_str(v);
                }
                Tok::SysVar(v) => {
                    let lit = self.env.sysvar(v).ok_or_else(|| TransError {
                        line: 0,
                        number: 137,
                        class: 15,
                        text: format!("Must declare the scalar variable \"@@{v}\"."),
                    })?;
                    out.push(' ');
                    out.push_str(&lit);
                }
                Tok::Word(_) | Tok::Quoted(_)
                    if name_chain(tokens, i).is_some() && !tokens[i].is("bench") =>
                {
                    let (parts, len) = name_chain(tokens, i).unwrap();
                    out.push(' ');
                    for (k, p) in resolve_chain(&parts).iter().enumerate() {
                        if k > 0 {
                            out.push('.');
                        }
                        emit_name(&mut out, p);
                    }
                    i += len;
                    // A qualified function call: dbo.f(...) keeps its arguments.
                    continue;
                }
                Tok::Quoted(q) => {
                    out.push(' ');
                    out.push_str(&quote_ident(q));
                }
                Tok::Word(w) => {
                    let kw = w.to_ascii_uppercase();
                    if (next.is_some_and(|n| n.is_op("(")) && !is_reserved(w)
                        || kw == "LEFT"
                        || kw == "RIGHT"
                        || kw == "CONVERT")
                        && next.is_some_and(|n| n.is_op("("))
                        && let Some(end) = self.function(tokens, i, &kw, &mut out)?
                    {
                        i = end;
                        continue;
                    }
                    match kw.as_str() {
                        "SELECT" => {
                            out.push_str(" SELECT");
                            i += 1;
                            while tokens
                                .get(i)
                                .is_some_and(|t| t.is("DISTINCT") || t.is("ALL"))
                            {
                                out.push(' ');
                                out.push_str(&tokens[i].to_string());
                                i += 1;
                            }
                            let mut frame = SelectFrame {
                                depth,
                                limit: None,
                                in_list: true,
                                pending_alias: None,
                            };
                            if tokens.get(i).is_some_and(|t| t.is("TOP")) {
                                let (end, limit) = skip_top(tokens, i);
                                frame.limit = Some(self.translate(&limit)?);
                                i = end;
                            }
                            self.start_item(tokens, &mut i, &mut frame);
                            frames.push(frame);
                            continue;
                        }
                        "INSERT" if i == 0 && !next.is_some_and(|n| n.is("INTO")) => {
                            out.push_str("INSERT INTO")
                        }
                        "DELETE" if i == 0 && !next.is_some_and(|n| n.is("FROM")) => {
                            out.push_str("DELETE FROM")
                        }
                        "CASE" => {
                            case_depth += 1;
                            out.push_str(" CASE");
                        }
                        "END" if case_depth > 0 => {
                            case_depth -= 1;
                            out.push_str(" END");
                        }
                        "CURRENT_TIMESTAMP" => out.push_str(" getdate()"),
                        "SESSION_USER" | "CURRENT_USER" | "SYSTEM_USER" | "USER" => {
                            match self.env.session_function(&kw, &[]) {
                                Some(r) => {
                                    out.push(' ');
                                    out.push_str(&r?);
                                }
                                None => out.push_str(&format!(" {w}")),
                            }
                        }
                        "COLLATE" => {
                            i += 2;
                            continue;
                        }
                        "WITH" if next.is_some_and(|n| n.is_op("(")) => {
                            // Table hints.
                            i = matching_paren(tokens, i + 1).map_or(tokens.len(), |c| c + 1);
                            continue;
                        }
                        "OPTION" if next.is_some_and(|n| n.is_op("(")) && depth == 0 => {
                            i = matching_paren(tokens, i + 1).map_or(tokens.len(), |c| c + 1);
                            continue;
                        }
                        "OFFSET" => {
                            i = self.offset_fetch(tokens, i, &mut out)?;
                            continue;
                        }
                        "OUTPUT"
                            if depth == 0
                                && matches!(verb.as_str(), "INSERT" | "UPDATE" | "DELETE") =>
                        {
                            let (end, cols) = self.output_clause(tokens, i)?;
                            returning = Some(cols);
                            i = end;
                            continue;
                        }
                        "APPLY" | "PIVOT" | "UNPIVOT" => return Err(TransError::unsupported(&kw)),
                        "FOR"
                            if depth == 0
                                && next.is_some_and(|n| {
                                    n.is("XML") || n.is("JSON") || n.is("BROWSE")
                                }) =>
                        {
                            return Err(TransError::unsupported("FOR XML/JSON"));
                        }
                        _ if w.starts_with('#') => {
                            out.push(' ');
                            out.push_str(&quote_ident(w));
                        }
                        _ => {
                            out.push(' ');
                            out.push_str(w);
                        }
                    }
                }
            }
            i += 1;
        }
        // Close select lists and limits still open at the end.
        if let Some(f) = frames.last_mut()
            && f.in_list
            && f.depth == depth
            && let Some(a) = f.pending_alias.take()
        {
            out.push_str(" AS ");
            out.push_str(&quote_ident(&a));
        }
        self.close_frames(&mut frames, depth, &mut out);
        if let Some(r) = returning {
            out.push_str(" RETURNING ");
            out.push_str(&r);
        }
        Ok(out)
    }

    /// At the start of a select-list item: consume `alias =` if present.
    fn start_item(&self, tokens: &[Token], i: &mut usize, f: &mut SelectFrame) {
        if let (Some(a), Some(eq)) = (tokens.get(*i), tokens.get(*i + 1))
            && eq.is_op("=")
            && let Tok::Word(n) | Tok::Quoted(n) | Tok::Str { value: n, .. } = &a.tok
        {
            f.pending_alias = Some(n.clone());
            *i += 2;
        }
    }

    fn close_frames(&self, frames: &mut Vec<SelectFrame>, depth: i32, out: &mut String) {
        while frames.last().is_some_and(|f| f.depth >= depth) {
            let f = frames.pop().unwrap();
            if let Some(a) = f.pending_alias
                && f.in_list
            {
                out.push_str(" AS ");
                out.push_str(&quote_ident(&a));
            }
            if let Some(l) = f.limit {
                out.push_str(" LIMIT ");
                out.push_str(&l);
            }
        }
    }

    /// `(VALUES (..), (..)) [AS] t (c1, c2)`: SQLite names VALUES columns column1, column2...,
    /// so the aliases become a select list. Returns the index after it if rewritten.
    fn values_table(
        &self,
        tokens: &[Token],
        open: usize,
        out: &mut String,
    ) -> Result<Option<usize>, TransError> {
        let Some(close) = matching_paren(tokens, open) else {
            return Ok(None);
        };
        let mut k = close + 1;
        if tokens.get(k).is_some_and(|t| t.is("AS")) {
            k += 1;
        }
        let Some(alias) = tokens.get(k).and_then(|t| t.name()) else {
            return Ok(None);
        };
        if !tokens.get(k + 1).is_some_and(|t| t.is_op("(")) {
            return Ok(None);
        }
        let Some(cols_close) = matching_paren(tokens, k + 1) else {
            return Ok(None);
        };
        let cols: Vec<String> = split_commas(&tokens[k + 2..cols_close])
            .iter()
            .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
            .collect();
        let inner = self.translate(&tokens[open + 1..close])?;
        let list: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(n, c)| format!("column{} AS {}", n + 1, quote_ident(c)))
            .collect();
        out.push_str(&format!(
            " (SELECT {} FROM ({inner})) AS {}",
            list.join(", "),
            quote_ident(alias)
        ));
        Ok(Some(cols_close + 1))
    }

    /// OFFSET n ROWS [FETCH NEXT m ROWS ONLY] -> LIMIT m OFFSET n.
    fn offset_fetch(
        &self,
        tokens: &[Token],
        i: usize,
        out: &mut String,
    ) -> Result<usize, TransError> {
        let mut j = i + 1;
        let start = j;
        while j < tokens.len() && !(tokens[j].is("ROWS") || tokens[j].is("ROW")) {
            j += 1;
        }
        let offset = self.translate(&tokens[start..j])?;
        j += 1;
        let mut limit = "-1".to_string();
        if tokens.get(j).is_some_and(|t| t.is("FETCH")) {
            j += 2; // FETCH NEXT|FIRST
            let s = j;
            while j < tokens.len() && !(tokens[j].is("ROWS") || tokens[j].is("ROW")) {
                j += 1;
            }
            limit = self.translate(&tokens[s..j])?;
            j += 1;
            if tokens.get(j).is_some_and(|t| t.is("ONLY")) {
                j += 1;
            }
        }
        out.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        Ok(j)
    }

    /// OUTPUT inserted.a, deleted.b ... -> the RETURNING list.
    fn output_clause(&self, tokens: &[Token], i: usize) -> Result<(usize, String), TransError> {
        let mut j = i + 1;
        let mut depth = 0;
        while j < tokens.len() {
            let t = &tokens[j];
            if t.is_op("(") {
                depth += 1;
            } else if t.is_op(")") {
                depth -= 1;
            } else if depth == 0
                && [
                    "VALUES", "SELECT", "DEFAULT", "FROM", "WHERE", "INTO", "EXEC", "EXECUTE",
                ]
                .iter()
                .any(|k| t.is(k))
            {
                break;
            }
            j += 1;
        }
        if tokens.get(j).is_some_and(|t| t.is("INTO")) {
            return Err(TransError::unsupported("OUTPUT ... INTO"));
        }
        let mut cols: Vec<Token> = Vec::new();
        let mut k = i + 1;
        while k < j {
            let t = &tokens[k];
            if (t.is("INSERTED") || t.is("DELETED"))
                && tokens.get(k + 1).is_some_and(|n| n.is_op("."))
            {
                k += 2;
                continue;
            }
            cols.push(t.clone());
            k += 1;
        }
        // RETURNING has no select-list aliases by `=`; translate as a select list.
        let mut sql = self.translate(
            &[
                vec![Token {
                    tok: Tok::Word("SELECT".into()),
                    line: 0,
                }],
                cols,
            ]
            .concat(),
        )?;
        sql = sql.trim_start().trim_start_matches("SELECT").to_string();
        Ok((j, sql))
    }

    /// The translated operand of a CAST/CONVERT to `target`. Unicode text becomes binary as
    /// its UTF-16LE bytes (SQLite keeps all text as UTF-8, which is right only for varchar).
    fn binary_source(
        &self,
        expr: &[Token],
        target: &SqlType,
        statement: &[Token],
    ) -> Result<String, TransError> {
        let e = self.translate(expr)?;
        if !matches!(
            target,
            SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image
        ) {
            return Ok(e);
        }
        let unicode = match expr {
            [t] if matches!(t.tok, Tok::Str { .. }) => {
                matches!(t.tok, Tok::Str { national: true, .. })
            }
            _ => matches!(
                self.env.expr_type(expr, statement),
                Some(SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText)
            ),
        };
        Ok(if unicode {
            format!(" ss_utf16le({e})")
        } else {
            e
        })
    }

    /// What a binary `+`/`-` between `left` and `right` means in T-SQL.
    fn arithmetic(&self, op: &str, left: &[Token], right: &[Token], statement: &[Token]) -> Arith {
        if left.is_empty() || right.is_empty() {
            return Arith::Plain;
        }
        let type_of = |operand: &[Token]| match operand {
            [t] if matches!(t.tok, Tok::Str { .. }) => Some(SqlType::VarChar(None)),
            operand => self.env.expr_type(operand, statement),
        };
        let (lt, rt) = (type_of(left), type_of(right));
        let string = |t: &Option<SqlType>| t.as_ref().is_some_and(is_char_type);
        let number = |t: &Option<SqlType>| t.as_ref().is_some_and(is_number_type);
        let datetime =
            |t: &Option<SqlType>| matches!(t, Some(SqlType::DateTime | SqlType::SmallDateTime));
        if datetime(&lt) && number(&rt) {
            return Arith::DateDays;
        }
        if op != "+" {
            return Arith::Plain;
        }
        // A string literal beside a number converts to the number's type.
        let literal = |o: &[Token]| matches!(o, [t] if matches!(t.tok, Tok::Str { .. }));
        match (&lt, &rt) {
            (_, Some(r)) if literal(left) && number(&rt) => Arith::ConvertLeft(r.clone()),
            (Some(l), _) if literal(right) && number(&lt) => Arith::ConvertRight(l.clone()),
            _ if string(&lt) || string(&rt) => Arith::Concat,
            // Without types, fall back to the older token test.
            _ if self.env.is_string(left, statement) || self.env.is_string(right, statement) => {
                Arith::Concat
            }
            _ => Arith::Plain,
        }
    }

    /// Function calls that need rewriting. Returns the index after the call if handled.
    fn function(
        &self,
        tokens: &[Token],
        i: usize,
        kw: &str,
        out: &mut String,
    ) -> Result<Option<usize>, TransError> {
        let open = i + 1;
        let close = matching_paren(tokens, open)
            .ok_or_else(|| TransError::syntax(&tokens[tokens.len() - 1]))?;
        let inner = &tokens[open + 1..close];
        let args = split_commas(inner);
        let tr_args = |args: &[Vec<Token>]| -> Result<Vec<String>, TransError> {
            args.iter().map(|a| self.translate(a)).collect()
        };
        let call = |name: &str, args: Vec<String>| format!(" {name}({})", args.join(","));
        let text = match kw {
            "CAST" | "TRY_CAST" => {
                let as_pos = inner
                    .iter()
                    .rposition(|t| t.is("AS"))
                    .ok_or_else(|| TransError::syntax(&tokens[close]))?;
                let ty = type_at(inner, as_pos + 1)?;
                let e = self.binary_source(&inner[..as_pos], &ty, tokens)?;
                let f = if kw == "CAST" {
                    "ss_cast"
                } else {
                    "ss_try_cast"
                };
                format!(" {f}({e}, {})", quote_str(&decl(&ty)))
            }
            "CONVERT" | "TRY_CONVERT" => {
                if args.len() < 2 {
                    return Err(TransError::syntax(&tokens[close]));
                }
                let ty = type_at(&args[0], 0)?;
                let e = self.binary_source(&args[1], &ty, tokens)?;
                let style = match args.get(2) {
                    Some(s) => self.translate(s)?,
                    None => "NULL".into(),
                };
                let f = if kw == "CONVERT" {
                    "ss_cast"
                } else {
                    "ss_try_cast"
                };
                format!(" {f}({e}, {}, {style})", quote_str(&decl(&ty)))
            }
            "DATEADD" | "DATEDIFF" | "DATEDIFF_BIG" | "DATEPART" | "DATENAME" | "DATETRUNC" => {
                let part = args
                    .first()
                    .and_then(|a| a.first())
                    .and_then(|t| match &t.tok {
                        Tok::Word(w) => Some(w.to_ascii_lowercase()),
                        Tok::Str { value, .. } => Some(value.to_ascii_lowercase()),
                        _ => None,
                    });
                let part = part.ok_or_else(|| TransError::syntax(&tokens[open]))?;
                let mut a = vec![quote_str(&part)];
                a.extend(tr_args(&args[1..])?);
                call(&format!("ss_{}", kw.to_ascii_lowercase()), a)
            }
            "LEFT" | "RIGHT" => call(&format!("ss_{}", kw.to_ascii_lowercase()), tr_args(&args)?),
            "ISNULL" => call("ifnull", tr_args(&args)?),
            "SUBSTRING" => call("substr", tr_args(&args)?),
            "COUNT_BIG" => format!(" count({})", self.translate(inner)?),
            "CEILING" => call("ss_ceiling", tr_args(&args)?),
            "OBJECT_ID" => {
                let a = tr_args(&args)?;
                format!(
                    " (SELECT ss_object_id(name) FROM (SELECT name, type FROM sqlite_schema UNION ALL \
                     SELECT name, type FROM temp.sqlite_schema UNION ALL SELECT name, 'proc' FROM __ss_procs) \
                     WHERE name = ss_object_name_part({}) COLLATE NOCASE AND type IN ('table','view','proc') LIMIT 1)",
                    a.first().cloned().unwrap_or("NULL".into())
                )
            }
            "OBJECTPROPERTY" | "OBJECTPROPERTYEX" => {
                let a = tr_args(&args)?;
                let (id, prop) = (
                    a.first().cloned().unwrap_or("NULL".into()),
                    a.get(1).cloned().unwrap_or("NULL".into()),
                );
                format!(
                    " (SELECT CASE lower({prop}) WHEN 'isprocedure' THEN type = 'P' WHEN 'isusertable' THEN type = 'U'
                        WHEN 'istable' THEN type = 'U' WHEN 'isview' THEN type = 'V' WHEN 'ismsshipped' THEN 0
                        WHEN 'ownerid' THEN 1 WHEN 'schemaid' THEN 1 END
                       FROM \"sys.objects\" WHERE object_id = {id})"
                )
            }
            "OBJECT_NAME" => {
                let a = tr_args(&args)?;
                format!(
                    " (SELECT name FROM (SELECT name FROM sqlite_schema UNION ALL SELECT name FROM temp.sqlite_schema \
                     UNION ALL SELECT name FROM __ss_procs) WHERE ss_object_id(name) = {} LIMIT 1)",
                    a.first().cloned().unwrap_or("NULL".into())
                )
            }
            _ => match self.env.session_function(kw, &args) {
                Some(lit) => format!(" {}", lit?),
                None => return Ok(None),
            },
        };
        out.push_str(&text);
        Ok(Some(close + 1))
    }
}

/// A numeric literal for SQLite. Decimals with more digits than a double holds travel as
/// their text in a BLOB (see `types::decimal_storage`), so that no digit is lost.
fn number_literal(n: &str) -> String {
    let digits = n.bytes().filter(u8::is_ascii_digit).count();
    let exact_int = !n.contains(['.', 'e', 'E']) && n.parse::<i64>().is_ok();
    if digits > 15 && !exact_int && !n.contains(['e', 'E']) {
        let hex: String = n.bytes().map(|b| format!("{b:02X}")).collect();
        return format!("X'{hex}'");
    }
    n.to_string()
}

fn type_at(tokens: &[Token], pos: usize) -> Result<SqlType, TransError> {
    let mut p = pos;
    let ty = parse_type(tokens, &mut p, true).map_err(|e| match e.strip_prefix("type:") {
        Some(name) => TransError {
            line: 0,
            number: 243,
            class: 16,
            text: format!("Type {name} is not a defined system type."),
        },
        None => tokens
            .get(p)
            .map_or_else(TransError::syntax_at_end, TransError::syntax),
    })?;
    if p != tokens.len() {
        return Err(TransError::syntax(&tokens[p]));
    }
    Ok(ty)
}

/// A dotted name at `tokens[i]` (`a.b.c`, `db..t`): its parts ("" for an omitted one) and
/// how many tokens it spans. None unless it has at least one dot.
pub fn name_chain(tokens: &[Token], i: usize) -> Option<(Vec<String>, usize)> {
    if i > 0 && tokens[i - 1].is_op(".") {
        return None;
    }
    let mut parts = vec![tokens.get(i)?.name()?.to_string()];
    let mut k = i + 1;
    while tokens.get(k).is_some_and(|t| t.is_op(".")) {
        match tokens.get(k + 1) {
            Some(t) if t.is_op(".") => {
                parts.push(String::new());
                k += 1;
            }
            Some(t) if t.name().is_some() => {
                parts.push(t.name().unwrap().to_string());
                k += 2;
            }
            // `alias.*`
            _ => break,
        }
    }
    (parts.len() > 1).then_some((parts, k - i))
}

/// The catalog view a `sys.x` / `INFORMATION_SCHEMA.x` name denotes (its SQLite name).
pub fn catalog_view_name(schema: &str, name: &str) -> Option<String> {
    if schema.eq_ignore_ascii_case("sys") {
        Some(format!("sys.{}", name.to_ascii_lowercase()))
    } else if schema.eq_ignore_ascii_case("INFORMATION_SCHEMA") {
        Some(format!("INFORMATION_SCHEMA.{}", name.to_ascii_uppercase()))
    } else {
        None
    }
}

/// Resolves a dotted name: catalog views become one quoted name, database and `dbo`
/// qualifiers go away (`db.dbo.t.c` -> `t`, `c`).
pub fn resolve_chain(parts: &[String]) -> Vec<String> {
    let n = parts.len();
    for k in 0..n.min(2) {
        if k + 1 < n
            && (k == 0 || parts[0].is_empty() || n > 2)
            && let Some(view) = catalog_view_name(&parts[k], &parts[k + 1])
        {
            let mut out = vec![view];
            out.extend(parts[k + 2..].iter().cloned());
            return out;
        }
    }
    if n >= 3 && (parts[1].is_empty() || parts[1].eq_ignore_ascii_case("dbo")) {
        return parts[2..].to_vec();
    }
    if n >= 2 && parts[0].eq_ignore_ascii_case("dbo") {
        return parts[1..].to_vec();
    }
    parts.to_vec()
}

/// The object a table reference at `tokens[i]` names, and the tokens it spans.
pub fn table_ref(tokens: &[Token], i: usize) -> Option<(String, usize)> {
    if let Some((parts, len)) = name_chain(tokens, i) {
        let resolved = resolve_chain(&parts);
        return Some((resolved.last()?.clone(), len));
    }
    match &tokens.get(i)?.tok {
        Tok::Var(v) => Some((v.clone(), 1)),
        _ => Some((tokens[i].name()?.to_string(), 1)),
    }
}

/// Temporary tables (`#t`) and table variables (`@t`) live in SQLite's TEMP schema.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('#') || name.starts_with('@')
}

fn emit_name(out: &mut String, name: &str) {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !is_reserved(name);
    if plain {
        out.push_str(name);
    } else {
        out.push_str(&quote_ident(name));
    }
}

/// How many tokens of a schema/database prefix start at `tokens[i]` (`dbo.`, `db.dbo.`,
/// `db..`), so that `dbo.t` names the SQLite table `t`.
pub fn schema_prefix(tokens: &[Token], i: usize) -> Option<usize> {
    let dot = |k: usize| tokens.get(k).is_some_and(|t| t.is_op("."));
    let name = |k: usize| tokens.get(k).and_then(|t| t.name());
    let prev_dot = i > 0 && dot(i - 1);
    if prev_dot {
        return None;
    }
    name(i)?;
    // db..name
    if dot(i + 1) && dot(i + 2) && name(i + 3).is_some() {
        return Some(3);
    }
    // db.schema.name
    if dot(i + 1) && name(i + 2).is_some() && dot(i + 3) && name(i + 4).is_some() {
        return Some(4);
    }
    // schema.name, only for the default schema: `t.col` must stay.
    let n = name(i).unwrap();
    if dot(i + 1) && name(i + 2).is_some() && n.eq_ignore_ascii_case("dbo") {
        return Some(2);
    }
    None
}

/// Index of the first top-level word `kw` in `tokens[from..]`.
fn top_level(tokens: &[Token], from: usize, kw: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(from) {
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
        } else if depth == 0 && t.is(kw) {
            return Some(i);
        }
    }
    None
}

/// The table a reference in a FROM clause names, if `target` is its alias or its name.
fn find_target(from: &[Token], target: &str) -> Option<String> {
    let mut k = 0;
    while k < from.len() {
        let starts = k == 0 || from[k - 1].is("JOIN") || from[k - 1].is_op(",");
        if starts && let Some((name, len)) = table_ref(from, k) {
            let mut a = k + len;
            if from.get(a).is_some_and(|t| t.is("AS")) {
                a += 1;
            }
            let alias = from
                .get(a)
                .and_then(|t| t.name())
                .filter(|n| !is_reserved(n));
            let matches = match alias {
                Some(alias) => alias.eq_ignore_ascii_case(target),
                None => name.eq_ignore_ascii_case(target),
            };
            if matches {
                return Some(name);
            }
        }
        k += 1;
    }
    None
}

/// T-SQL's `UPDATE t SET ... FROM t JOIN s ...` and `DELETE t FROM t JOIN s ...`, which
/// SQLite cannot run, as statements over the target's rowids that it can.
pub fn rewrite_dml_joins(tokens: &[Token]) -> Option<Vec<Token>> {
    use super::lexer::{render, tokenize};
    if tokens.iter().any(|t| t.is("OUTPUT") || t.is("TOP")) {
        return None;
    }
    let bracket = |n: &str| format!("[{}]", n.replace(']', "]]"));
    if tokens.first()?.is("UPDATE") {
        let (target, len) = table_ref(tokens, 1)?;
        let set = 1 + len;
        if !tokens.get(set)?.is("SET") {
            return None;
        }
        let from = top_level(tokens, set, "FROM")?;
        let where_at = top_level(tokens, from, "WHERE").unwrap_or(tokens.len());
        let from_clause = &tokens[from + 1..where_at];
        let real = find_target(from_clause, &target)?;
        let mut sets = Vec::new();
        let mut exprs = Vec::new();
        for (n, a) in split_commas(&tokens[set + 1..from]).iter().enumerate() {
            let eq = a.iter().position(|t| t.is_op("="))?;
            let column = a[..eq].last()?.name()?;
            sets.push(format!("{} = __s.v{n}", bracket(column)));
            exprs.push(format!("{} AS v{n}", render(&a[eq + 1..])));
        }
        let cond = if where_at < tokens.len() {
            format!("WHERE {}", render(&tokens[where_at + 1..]))
        } else {
            String::new()
        };
        let sql = format!(
            "UPDATE {r} SET {} FROM (SELECT {t}.rowid AS __rid, {} FROM {} {cond}) AS __s WHERE {r}.rowid = __s.__rid",
            sets.join(", "),
            exprs.join(", "),
            render(from_clause),
            r = bracket(&real),
            t = bracket(&target),
        );
        return tokenize(&sql).ok();
    }
    if tokens.first()?.is("DELETE") {
        let mut k = 1;
        if tokens.get(k)?.is("FROM") {
            k += 1;
        }
        let (target, len) = table_ref(tokens, k)?;
        let from = k + len;
        if !tokens.get(from)?.is("FROM") {
            return None;
        }
        let where_at = top_level(tokens, from, "WHERE").unwrap_or(tokens.len());
        let from_clause = &tokens[from + 1..where_at];
        let real = find_target(from_clause, &target)?;
        let cond = if where_at < tokens.len() {
            format!("WHERE {}", render(&tokens[where_at + 1..]))
        } else {
            String::new()
        };
        let sql = format!(
            "DELETE FROM {} WHERE rowid IN (SELECT {}.rowid FROM {} {cond})",
            bracket(&real),
            bracket(&target),
            render(from_clause)
        );
        return tokenize(&sql).ok();
    }
    None
}

/// A column definition of CREATE TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: Option<(i64, i64)>,
    pub primary_key: bool,
    /// The default as SQL Server shows it (`((0))`, `(N'x')`, `(getdate())`).
    pub default: Option<String>,
}

/// A default expression in SQL Server's stored form.
fn default_text(expr: &[Token]) -> String {
    let mut e = expr;
    while e.first().is_some_and(|t| t.is_op("(")) && matching_paren(e, 0) == Some(e.len() - 1) {
        e = &e[1..e.len() - 1];
    }
    let lowered: Vec<Token> = e
        .iter()
        .enumerate()
        .map(|(i, t)| match &t.tok {
            Tok::Word(w) if e.get(i + 1).is_some_and(|n| n.is_op("(")) => Token {
                tok: Tok::Word(w.to_lowercase()),
                line: t.line,
            },
            _ => t.clone(),
        })
        .collect();
    let text = super::lexer::render(&lowered)
        .replace("( ", "(")
        .replace(" )", ")");
    let numeric = e
        .iter()
        .all(|t| matches!(t.tok, Tok::Num(_)) || t.is_op("-"));
    if numeric {
        format!("(({text}))")
    } else {
        format!("({text})")
    }
}

/// The SQLite CREATE TABLE for a T-SQL one, and its columns.
pub struct CreateTable {
    pub sql: String,
    pub table: String,
    pub temp: bool,
    pub columns: Vec<ColumnDef>,
    /// Named PRIMARY KEY / UNIQUE constraints: (name, kind, columns).
    pub constraints: Vec<(String, String, Vec<String>)>,
}

/// Translates `CREATE TABLE name (...)` (tokens start at CREATE).
pub fn create_table(tr: &Translator, tokens: &[Token]) -> Result<CreateTable, TransError> {
    let mut i = 2;
    let skip = schema_prefix(tokens, i).unwrap_or(0);
    i += skip;
    let table = tokens
        .get(i)
        .and_then(|t| t.name())
        .ok_or_else(|| err_at(tokens, i))?
        .to_string();
    let temp = is_temp_name(&table);
    i += 1;
    if !tokens.get(i).is_some_and(|t| t.is_op("(")) {
        return Err(err_at(tokens, i));
    }
    let close = matching_paren(tokens, i).ok_or_else(|| err_at(tokens, tokens.len()))?;
    let parts = split_commas(&tokens[i + 1..close]);
    let mut columns = Vec::new();
    let mut col_sql = Vec::new();
    let mut table_constraints = Vec::new();
    let mut constraints = Vec::new();
    // The table-level PRIMARY KEY: its index among the constraints and its columns.
    let mut table_pk: Option<(usize, Vec<String>)> = None;
    for part in &parts {
        let first = part.first().ok_or_else(|| err_at(tokens, close))?;
        if first.is("CONSTRAINT")
            || first.is("PRIMARY")
            || first.is("UNIQUE")
            || first.is("FOREIGN")
            || first.is("CHECK")
            || first.is("INDEX")
        {
            if first.is("INDEX") {
                continue;
            }
            let (sql, named) = table_constraint(tr, part, &table)?;
            if let Some(c) = named {
                if c.1 == "PRIMARY KEY" {
                    table_pk = Some((table_constraints.len(), c.2.clone()));
                }
                constraints.push(c);
            }
            table_constraints.push(sql);
            continue;
        }
        columns.push(part);
    }
    let mut defs = Vec::new();
    for part in &columns {
        let (def, sql, named) = column_def(tr, part, &table)?;
        col_sql.push(sql);
        if let Some(c) = named {
            constraints.push(c);
        }
        defs.push(def);
    }
    let pk_count = defs.iter().filter(|d| d.primary_key).count() + table_pk.is_some() as usize;
    // An identity column becomes SQLite's auto-increment rowid when it can be the key: no other
    // key, its own PRIMARY KEY, or a table PRIMARY KEY on it alone.
    for (d, sql) in defs.iter().zip(col_sql.iter_mut()) {
        let table_key_is_it = table_pk
            .as_ref()
            .is_some_and(|(_, cols)| cols.len() == 1 && cols[0].eq_ignore_ascii_case(&d.name));
        if d.identity.is_some()
            && (pk_count == 0 || (pk_count == 1 && (d.primary_key || table_key_is_it)))
        {
            *sql = format!("{} INTEGER PRIMARY KEY AUTOINCREMENT", quote_ident(&d.name));
            if table_key_is_it {
                let (index, _) = table_pk.take().unwrap();
                table_constraints.remove(index);
            }
        }
    }
    let body = col_sql
        .into_iter()
        .chain(table_constraints)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "CREATE {}TABLE {} ({body})",
        if temp { "TEMP " } else { "" },
        quote_ident(&table)
    );
    if close + 1 < tokens.len() {
        // ON [PRIMARY], WITH (...) and the like are storage options SQLite has no use for.
        let rest = &tokens[close + 1..];
        if !(rest[0].is("ON") || rest[0].is("WITH") || rest[0].is("TEXTIMAGE_ON")) {
            return Err(TransError::syntax(&rest[0]));
        }
    }
    Ok(CreateTable {
        sql,
        table,
        temp,
        columns: defs,
        constraints,
    })
}

fn err_at(tokens: &[Token], i: usize) -> TransError {
    tokens
        .get(i)
        .map_or_else(TransError::syntax_at_end, TransError::syntax)
}

type Named = Option<(String, String, Vec<String>)>;

fn names_in_parens(part: &[Token], open: usize) -> Result<(Vec<String>, usize), TransError> {
    let close = matching_paren(part, open).ok_or_else(|| err_at(part, part.len()))?;
    let cols = split_commas(&part[open + 1..close])
        .iter()
        .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
        .collect();
    Ok((cols, close))
}

fn table_constraint(
    tr: &Translator,
    part: &[Token],
    table: &str,
) -> Result<(String, Named), TransError> {
    let mut i = 0;
    let mut name = None;
    if part[0].is("CONSTRAINT") {
        name = part.get(1).and_then(|t| t.name()).map(str::to_string);
        i = 2;
    }
    let t = part.get(i).ok_or_else(|| err_at(part, i))?;
    let kind = t.keyword().unwrap_or_default();
    let mut sql = String::new();
    if let Some(n) = &name {
        sql.push_str(&format!("CONSTRAINT {} ", quote_ident(n)));
    }
    match kind.as_str() {
        "PRIMARY" | "UNIQUE" => {
            let mut j = i + if kind == "PRIMARY" { 2 } else { 1 };
            while part
                .get(j)
                .is_some_and(|t| t.is("CLUSTERED") || t.is("NONCLUSTERED"))
            {
                j += 1;
            }
            let (cols, _) = names_in_parens(part, j)?;
            let label = if kind == "PRIMARY" {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            };
            sql.push_str(&format!(
                "{label} ({})",
                cols.iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let name = name.unwrap_or_else(|| default_constraint_name(label, table));
            Ok((sql, Some((name, label.to_string(), cols))))
        }
        "FOREIGN" => {
            let (cols, close) = names_in_parens(part, i + 2)?;
            let rest = tr.translate(&part[close + 1..])?;
            sql.push_str(&format!(
                "FOREIGN KEY ({}) {}",
                cols.iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                rest
            ));
            let name = name.unwrap_or_else(|| default_constraint_name("FOREIGN KEY", table));
            Ok((sql, Some((name, "FOREIGN KEY".into(), cols))))
        }
        "CHECK" => {
            sql.push_str(&format!("CHECK {}", tr.translate(&part[i + 1..])?));
            Ok((sql, None))
        }
        _ => Err(TransError::syntax(t)),
    }
}

pub fn default_constraint_name(kind: &str, table: &str) -> String {
    let prefix = match kind {
        "PRIMARY KEY" => "PK",
        "UNIQUE" => "UQ",
        _ => "FK",
    };
    let hash = table
        .bytes()
        .fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    let short: String = table.chars().take(8).collect();
    format!("{prefix}__{short}__{hash:08X}")
}

fn column_def(
    tr: &Translator,
    part: &[Token],
    table: &str,
) -> Result<(ColumnDef, String, Named), TransError> {
    let name = part[0]
        .name()
        .ok_or_else(|| TransError::syntax(&part[0]))?
        .to_string();
    if part.get(1).is_some_and(|t| t.is("AS")) {
        // A computed column: SQLite's generated column; its type comes from its values.
        let persisted = part.last().is_some_and(|t| t.is("PERSISTED"));
        let end = part.len() - persisted as usize;
        let expr = tr.translate(&part[2..end])?;
        let kind = if persisted { "STORED" } else { "VIRTUAL" };
        let def = ColumnDef {
            name: name.clone(),
            ty: SqlType::Variant,
            nullable: true,
            identity: None,
            primary_key: false,
            default: None,
        };
        return Ok((
            def,
            format!("{} GENERATED ALWAYS AS ({expr}) {kind}", quote_ident(&name)),
            None,
        ));
    }
    let mut i = 1;
    let ty = parse_type(part, &mut i, false).map_err(|e| match e.strip_prefix("type:") {
        Some(n) => TransError {
            line: 0,
            number: 2715,
            class: 16,
            text: format!("Column, parameter, or variable #1: Cannot find data type {n}."),
        },
        None => err_at(part, i),
    })?;
    let mut def = ColumnDef {
        name: name.clone(),
        ty: ty.clone(),
        nullable: true,
        identity: None,
        primary_key: false,
        default: None,
    };
    let mut sql = format!("{} {}", quote_ident(&name), decl(&ty));
    if matches!(
        ty,
        SqlType::Char(_)
            | SqlType::VarChar(_)
            | SqlType::NChar(_)
            | SqlType::NVarChar(_)
            | SqlType::Text
            | SqlType::NText
    ) {
        // SQL Server's default collation ignores case and trailing spaces.
        sql.push_str(&format!(" COLLATE {}", super::functions::COLLATION));
    }
    // Longer values are an error (2628) in SQL Server, never silently stored.
    let limit = match &ty {
        SqlType::Char(n) | SqlType::NChar(n) | SqlType::Binary(n) => Some(*n),
        SqlType::VarChar(n) | SqlType::NVarChar(n) | SqlType::VarBinary(n) => *n,
        _ => None,
    };
    if let Some(n) = limit {
        let col = quote_ident(&name);
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK (length({col}) <= {n})",
            quote_ident(&format!("ss_len:{name}"))
        ));
    }
    let mut named = None;
    let mut constraint_name = None;
    while i < part.len() {
        let t = &part[i];
        let kw = t.keyword().unwrap_or_default();
        match kw.as_str() {
            "IDENTITY" => {
                let mut seed = (1, 1);
                if part.get(i + 1).is_some_and(|t| t.is_op("(")) {
                    let close =
                        matching_paren(part, i + 1).ok_or_else(|| err_at(part, part.len()))?;
                    let nums: Vec<i64> = split_commas(&part[i + 2..close])
                        .iter()
                        .map(|a| {
                            a.iter()
                                .map(|t| t.to_string())
                                .collect::<String>()
                                .parse()
                                .unwrap_or(1)
                        })
                        .collect();
                    seed = (
                        nums.first().copied().unwrap_or(1),
                        nums.get(1).copied().unwrap_or(1),
                    );
                    i = close;
                }
                def.identity = Some(seed);
                def.nullable = false;
            }
            "NOT" if part.get(i + 1).is_some_and(|t| t.is("NULL")) => {
                def.nullable = false;
                sql.push_str(" NOT NULL");
                i += 1;
            }
            "NULL" => {}
            "CONSTRAINT" => {
                constraint_name = part.get(i + 1).and_then(|t| t.name()).map(str::to_string);
                i += 1;
            }
            "PRIMARY" => {
                def.primary_key = true;
                def.nullable = false;
                sql.push_str(" PRIMARY KEY");
                i += 1;
                let cname = constraint_name
                    .take()
                    .unwrap_or_else(|| default_constraint_name("PRIMARY KEY", table));
                named = Some((cname, "PRIMARY KEY".to_string(), vec![name.clone()]));
            }
            "UNIQUE" => {
                sql.push_str(" UNIQUE");
                let cname = constraint_name
                    .take()
                    .unwrap_or_else(|| default_constraint_name("UNIQUE", table));
                named = Some((cname, "UNIQUE".to_string(), vec![name.clone()]));
            }
            "CLUSTERED" | "NONCLUSTERED" | "ROWGUIDCOL" | "SPARSE" | "ASC" | "DESC" => {}
            "COLLATE" => i += 1,
            "DEFAULT" => {
                // The default expression: one term (literal, function call or parenthesized).
                let start = i + 1;
                let mut j = start;
                if part.get(j).is_some_and(|t| t.is_op("(")) {
                    j = matching_paren(part, j).ok_or_else(|| err_at(part, part.len()))? + 1;
                } else {
                    if part.get(j).is_some_and(|t| t.is_op("-") || t.is_op("+")) {
                        j += 1;
                    }
                    j += 1;
                    if part.get(j).is_some_and(|t| t.is_op("(")) {
                        j = matching_paren(part, j).ok_or_else(|| err_at(part, part.len()))? + 1;
                    }
                }
                let expr = &part[start..j.min(part.len())];
                let e = tr.translate(expr)?;
                sql.push_str(&format!(" DEFAULT ({e})"));
                def.default = Some(default_text(expr));
                i = j;
                continue;
            }
            "REFERENCES" => {
                let mut j = i + 1;
                while j < part.len()
                    && !part[j].is("CHECK")
                    && !part[j].is("DEFAULT")
                    && !part[j].is("NOT")
                {
                    j += 1;
                }
                sql.push(' ');
                sql.push_str(&tr.translate(&part[i..j])?);
                i = j;
                continue;
            }
            "CHECK" => {
                let close = matching_paren(part, i + 1).ok_or_else(|| err_at(part, part.len()))?;
                sql.push_str(&format!(" CHECK {}", tr.translate(&part[i + 1..=close])?));
                i = close;
            }
            _ => return Err(TransError::syntax(t)),
        }
        i += 1;
    }
    Ok((def, sql, named))
}

/// The SqlType SQLite columns declare, for the column types this module writes.
pub fn column_type(decl_type: &str) -> Option<SqlType> {
    types::parse_decl(decl_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::tokenize;

    struct NoEnv;
    impl Env for NoEnv {
        fn sysvar(&self, name: &str) -> Option<String> {
            (name == "SPID").then(|| "51".to_string())
        }
        fn session_function(
            &self,
            name: &str,
            _: &[Vec<Token>],
        ) -> Option<Result<String, TransError>> {
            (name == "DB_NAME").then(|| Ok("'master'".to_string()))
        }
    }

    fn tr(sql: &str) -> String {
        let t = tokenize(sql).unwrap();
        let s = Translator { env: &NoEnv }.translate(&t).unwrap();
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("( ", "(")
            .replace(" )", ")")
            .replace(" ,", ",")
            .replace(" (", "(")
    }

    #[test]
    fn top_becomes_limit() {
        assert_eq!(
            tr("SELECT TOP 5 a FROM dbo.t ORDER BY a"),
            "SELECT a FROM t ORDER BY a LIMIT 5"
        );
        assert_eq!(
            tr("SELECT x FROM (SELECT TOP (2) x FROM [my t]) s"),
            "SELECT x FROM(SELECT x FROM \"my t\" LIMIT 2) s"
        );
    }

    #[test]
    fn qualified_names() {
        assert_eq!(
            tr(
                "SELECT [INFORMATION_SCHEMA].[TABLES].[TABLE_NAME], s.name FROM master.sys.tables s, db.dbo.t, dbo.u, x..y"
            ),
            "SELECT \"INFORMATION_SCHEMA.TABLES\".TABLE_NAME, s.name FROM \"sys.tables\" s, t, u, y"
        );
    }

    #[test]
    fn values_with_column_aliases() {
        assert_eq!(
            tr("SELECT p0 FROM (VALUES (1, 0), (2, 1)) AS imp(p0, n) ORDER BY n"),
            "SELECT p0 FROM(SELECT column1 AS \"p0\", column2 AS \"n\" FROM(VALUES(1, 0),(2, 1))) AS \"imp\" ORDER BY n"
        );
    }

    #[test]
    fn identity_with_a_table_primary_key() {
        let t = tokenize(
            "CREATE TABLE users (id INTEGER NOT NULL IDENTITY, name VARCHAR(50), PRIMARY KEY (id))",
        )
        .unwrap();
        let c = create_table(&Translator { env: &NoEnv }, &t).unwrap();
        assert!(
            c.sql.contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"),
            "{}",
            c.sql
        );
        assert!(!c.sql.contains("PRIMARY KEY (\"id\")"), "{}", c.sql);
    }

    #[test]
    fn offset_fetch() {
        assert_eq!(
            tr("SELECT a FROM t ORDER BY a OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY"),
            "SELECT a FROM t ORDER BY a LIMIT 5 OFFSET 10"
        );
    }

    #[test]
    fn alias_equals_and_literals() {
        assert_eq!(
            tr("SELECT n = N'x', @@SPID, DB_NAME()"),
            "SELECT 'x' AS \"n\", 51, 'master'"
        );
    }

    #[test]
    fn cast_and_convert() {
        assert_eq!(
            tr("SELECT CAST(1 AS bigint)"),
            "SELECT ss_cast(1, 'BIGINT')"
        );
        assert_eq!(
            tr("SELECT CONVERT(nvarchar(max), x, 126)"),
            "SELECT ss_cast(x, 'NVARCHAR(-1)', 126)"
        );
    }

    #[test]
    fn output_becomes_returning() {
        assert_eq!(
            tr("INSERT INTO t (a) OUTPUT INSERTED.id, inserted.a VALUES (1)"),
            "INSERT INTO t(a) VALUES(1) RETURNING id, a"
        );
    }

    #[test]
    fn select_items_and_names() {
        let t = tokenize("SELECT a, b AS c, d = 1, 2, t.e, x y FROM t").unwrap();
        let (items, end) = select_items(&t, 0);
        let names: Vec<_> = items.iter().map(|i| i.column_name()).collect();
        assert_eq!(names, ["a", "c", "d", "", "e", "y"]);
        assert!(t[end].is("FROM"));
    }

    #[test]
    fn create_table_with_identity() {
        let t = tokenize("CREATE TABLE dbo.t (id INT IDENTITY(1,1) PRIMARY KEY, name NVARCHAR(50) NOT NULL DEFAULT N'x', d DECIMAL(10,2))").unwrap();
        let c = create_table(&Translator { env: &NoEnv }, &t).unwrap();
        assert_eq!(c.table, "t");
        assert!(
            c.sql.contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"),
            "{}",
            c.sql
        );
        assert!(
            c.sql.contains("\"name\" NVARCHAR(50) COLLATE CI_AS CONSTRAINT \"ss_len:name\" CHECK (length(\"name\") <= 50) NOT NULL DEFAULT"),
            "{}",
            c.sql
        );
        assert_eq!(
            c.columns[2].ty,
            SqlType::Decimal {
                precision: 10,
                scale: 2
            }
        );
    }
}
