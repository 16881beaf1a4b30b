//! RPCs and EXEC: sp_executesql, sp_prepare/sp_execute/sp_prepexec/sp_unprepare, user
//! procedures (stored as T-SQL text), Transaction Manager requests, and the dispatch to the
//! catalog procedures drivers call.

use super::lexer::{Tok, Token, render, tokenize};
use super::session::{Exec, Out, Session, SqlError, Stop, Var, syntax_near, value_text};
use super::translate::{TransError, matching_paren, split_commas};
use super::types::{self, parse_type, storage_of_typed};
use super::{DoneKind, Event, EventSink, Param, RpcTarget, SqlType, SqlValue, TmRequest};
use rusqlite::types::{Value, ValueRef};
use std::collections::HashMap;

/// A statement prepared by sp_prepare / sp_prepexec.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub params: String,
    pub sql: String,
    /// sp_prepexecrpc: the procedure the handle calls (then `sql` is unused).
    pub proc: Option<String>,
}

/// A declared parameter: `@name type [= default] [OUTPUT]`.
#[derive(Debug, Clone)]
pub(crate) struct ParamDecl {
    pub name: String,
    pub ty: SqlType,
    pub default: Option<Vec<Token>>,
    pub output: bool,
}

/// An argument of a call, from an RPC parameter or an EXEC argument.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    /// `@name` (lower-case) or empty when positional.
    pub name: String,
    pub value: Value,
    pub output: bool,
    /// EXEC only: the caller's variable that receives an OUTPUT value.
    pub target: Option<String>,
    /// EXEC only: DEFAULT.
    pub default: bool,
}

/// What a call hands back: RETURN status and the final values of output parameters (by
/// argument index).
pub(crate) struct CallResult {
    pub status: i32,
    pub outputs: Vec<(usize, Value)>,
}

fn rpc_name(target: &RpcTarget) -> String {
    match target {
        RpcTarget::Id(10) => "sp_executesql".into(),
        RpcTarget::Id(11) => "sp_prepare".into(),
        RpcTarget::Id(12) => "sp_execute".into(),
        RpcTarget::Id(13) => "sp_prepexec".into(),
        RpcTarget::Id(14) => "sp_prepexecrpc".into(),
        RpcTarget::Id(15) => "sp_unprepare".into(),
        RpcTarget::Id(n) => format!("sp_cursor#{n}"),
        RpcTarget::Name(n) => n.clone(),
    }
}

/// Procedure name without brackets, schema or database (`[sys].[sp_tables]` -> sp_tables).
fn bare_name(name: &str) -> String {
    super::functions::object_name_part(name).to_lowercase()
}

impl Session {
    pub fn execute_rpc(
        &mut self,
        target: &RpcTarget,
        params: Vec<Param>,
        sink: &mut dyn EventSink,
    ) {
        super::session::guard(sink, |sink| self.execute_rpc_inner(target, params, sink));
    }

    fn execute_rpc_inner(
        &mut self,
        target: &RpcTarget,
        params: Vec<Param>,
        sink: &mut dyn EventSink,
    ) {
        let mut out = Out::new(sink);
        self.vars.clear();
        let name = rpc_name(target);
        if let Some(i) = params.iter().position(|p| match p.value {
            SqlValue::Float(f) => !f.is_finite(),
            SqlValue::Real(f) => !f.is_finite(),
            _ => false,
        }) {
            let e = SqlError::new(
                8023,
                16,
                format!(
                    "The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. Parameter {} (\"{}\"): The supplied value is not a valid instance of data type float. Check the source data for invalid values. An example of an invalid value is data of numeric type with scale greater than precision.",
                    i + 1,
                    params[i].name
                ),
            );
            let _ = self.report(&mut out, e);
            out.finish(DoneKind::DoneProc);
            return;
        }
        let args: Vec<Arg> = params
            .iter()
            .map(|p| Arg {
                name: p.name.to_lowercase(),
                value: storage_of_typed(&p.value, &p.ty),
                output: p.output,
                target: None,
                default: false,
            })
            .collect();
        match self.call(&name, &args, &mut out) {
            Ok(result) => {
                if out.send(Event::ReturnStatus(result.status)).is_err() {
                    return;
                }
                for (i, v) in result.outputs {
                    let p = &params[i];
                    let value =
                        types::from_storage(ValueRef::from(&v), &p.ty).unwrap_or(SqlValue::Null);
                    let e = Event::ReturnValue {
                        ordinal: i as u16,
                        name: p.name.clone(),
                        ty: p.ty.clone(),
                        value,
                    };
                    if out.send(e).is_err() {
                        return;
                    }
                }
            }
            Err(Stop::Error(e)) => {
                let _ = self.report(&mut out, e);
            }
            Err(_) => {}
        }
        self.drop_table_variables();
        out.finish(DoneKind::DoneProc);
    }

    pub fn transaction(&mut self, request: TmRequest, sink: &mut dyn EventSink) {
        super::session::guard(sink, |sink| self.transaction_inner(request, sink));
    }

    fn transaction_inner(&mut self, request: TmRequest, sink: &mut dyn EventSink) {
        let mut out = Out::new(sink);
        self.done_kind = DoneKind::Done;
        let r = match request {
            TmRequest::Begin { .. } => self.begin_tran(&mut out),
            TmRequest::Commit { begin_new } => {
                // A TM commit ends the whole transaction, whatever the nesting.
                self.trancount = self.trancount.min(1);
                self.commit_tran(&mut out).and_then(|_| {
                    if begin_new {
                        self.begin_tran(&mut out)
                    } else {
                        Ok(())
                    }
                })
            }
            TmRequest::Rollback { begin_new } => {
                self.rollback_tran(None, &mut out).and_then(|_| {
                    if begin_new {
                        self.begin_tran(&mut out)
                    } else {
                        Ok(())
                    }
                })
            }
            TmRequest::Save { name } => self.save_tran(&name),
        };
        if let Err(Stop::Error(e)) = r {
            let _ = self.report(&mut out, e);
        }
        out.finish(DoneKind::Done);
    }

    /// Runs a procedure: the statements' DONEs are DONEINPROC; the caller sends RETURNSTATUS,
    /// RETURNVALUEs and the DONEPROC.
    pub(crate) fn call(
        &mut self,
        name: &str,
        args: &[Arg],
        out: &mut Out,
    ) -> Result<CallResult, Stop> {
        if self.nest_level >= 32 {
            return Err(Stop::Error(SqlError::new(
                217,
                16,
                "Maximum stored procedure, function, trigger, or view nesting level exceeded (limit 32).",
            )));
        }
        self.nest_level += 1;
        let r = self.call_nested(name, args, out);
        self.nest_level -= 1;
        r
    }

    fn call_nested(&mut self, name: &str, args: &[Arg], out: &mut Out) -> Result<CallResult, Stop> {
        let saved_kind = std::mem::replace(&mut self.done_kind, DoneKind::DoneInProc);
        // A procedure (or dynamic SQL) is its own scope for SCOPE_IDENTITY().
        let saved_scope = self.scope_identity.take();
        let r = self.call_inner(name, args, out);
        self.scope_identity = saved_scope;
        self.done_kind = saved_kind;
        r
    }

    fn call_inner(&mut self, name: &str, args: &[Arg], out: &mut Out) -> Result<CallResult, Stop> {
        let bare = bare_name(name);
        match bare.as_str() {
            "sp_executesql" => {
                let sql = arg_text(args, 0)
                    .ok_or_else(|| missing_param("sp_executesql", "@statement"))?;
                let decl = arg_text(args, 1).unwrap_or_default();
                let rest = if args.len() > 2 { &args[2..] } else { &[] };
                let mut r = self.run_parameterized(&sql, &decl, rest, out)?;
                shift_outputs(&mut r, 2);
                Ok(r)
            }
            "sp_prepare" => {
                let decl = arg_text(args, 1).unwrap_or_default();
                let sql = arg_text(args, 2).ok_or_else(|| missing_param("sp_prepare", "@stmt"))?;
                let handle = self.prepare_handle(decl, sql);
                Ok(CallResult {
                    status: 0,
                    outputs: vec![(0, Value::Integer(handle as i64))],
                })
            }
            "sp_prepexec" => {
                let decl = arg_text(args, 1).unwrap_or_default();
                let sql = arg_text(args, 2).ok_or_else(|| missing_param("sp_prepexec", "@stmt"))?;
                let handle = self.prepare_handle(decl.clone(), sql.clone());
                let rest = if args.len() > 3 { &args[3..] } else { &[] };
                let mut r = self.run_parameterized(&sql, &decl, rest, out)?;
                shift_outputs(&mut r, 3);
                r.outputs.insert(0, (0, Value::Integer(handle as i64)));
                Ok(r)
            }
            "sp_execute" => {
                let handle = match args.first().map(|a| &a.value) {
                    Some(Value::Integer(h)) => *h as i32,
                    _ => return Err(missing_param("sp_execute", "@handle")),
                };
                let p = self.prepared.get(&handle).cloned().ok_or_else(|| {
                    Stop::Error(SqlError::new(
                        8179,
                        16,
                        format!("Could not find prepared statement with handle {handle}."),
                    ))
                })?;
                let mut r = match &p.proc {
                    Some(proc) => self.call_inner(proc, &args[1..], out)?,
                    None => self.run_parameterized(&p.sql, &p.params, &args[1..], out)?,
                };
                shift_outputs(&mut r, 1);
                Ok(r)
            }
            "sp_unprepare" => {
                if let Some(Value::Integer(h)) = args.first().map(|a| &a.value) {
                    self.prepared.remove(&(*h as i32));
                }
                Ok(CallResult {
                    status: 0,
                    outputs: Vec::new(),
                })
            }
            "sp_prepexecrpc" => {
                let proc = arg_text(args, 1)
                    .ok_or_else(|| missing_param("sp_prepexecrpc", "@procname"))?;
                let h = self.next_handle;
                self.next_handle += 1;
                self.prepared.insert(
                    h,
                    Prepared {
                        params: String::new(),
                        sql: String::new(),
                        proc: Some(proc.clone()),
                    },
                );
                let rest = if args.len() > 2 { &args[2..] } else { &[] };
                let mut r = self.call_inner(&proc, rest, out)?;
                shift_outputs(&mut r, 2);
                r.outputs.insert(0, (0, Value::Integer(h as i64)));
                Ok(r)
            }
            _ if bare.starts_with("sp_cursor") => Err(Stop::Error(
                TransError::unsupported("server cursors").into(),
            )),
            _ => {
                if let Some(r) = super::catalog::call(self, &bare, args, out) {
                    return r.map(|status| CallResult {
                        status,
                        outputs: Vec::new(),
                    });
                }
                self.call_user_procedure(&bare, args, out)
            }
        }
    }

    fn prepare_handle(&mut self, params: String, sql: String) -> i32 {
        let h = self.next_handle;
        self.next_handle += 1;
        self.prepared.insert(
            h,
            Prepared {
                params,
                sql,
                proc: None,
            },
        );
        h
    }

    /// Runs `sql` with the parameters `decl` declares bound from `args` (named or
    /// positional); output values are reported by index into `args`.
    fn run_parameterized(
        &mut self,
        sql: &str,
        decl: &str,
        args: &[Arg],
        out: &mut Out,
    ) -> Result<CallResult, Stop> {
        let decls = parse_param_decls(decl)?;
        let vars = self.bind_args(&decls, args, "")?;
        let saved = std::mem::replace(&mut self.vars, vars);
        let saved_proc = std::mem::take(&mut self.proc_name);
        let r = self.run_batch_text(sql, out);
        let vars = std::mem::replace(&mut self.vars, saved);
        self.proc_name = saved_proc;
        let status = r?.unwrap_or(0);
        Ok(CallResult {
            status,
            outputs: collect_outputs(&decls, args, &vars),
        })
    }

    /// Variables for a call: declared parameters with the arguments' values.
    fn bind_args(
        &self,
        decls: &[ParamDecl],
        args: &[Arg],
        proc: &str,
    ) -> Result<HashMap<String, Var>, Stop> {
        let mut vars = HashMap::new();
        for (i, d) in decls.iter().enumerate() {
            let arg = args
                .iter()
                .find(|a| a.name == d.name)
                .or_else(|| args.get(i).filter(|a| a.name.is_empty()));
            let value = match arg {
                Some(a) if !a.default => types::convert_storage(ValueRef::from(&a.value), &d.ty)
                    .map_err(|e| Stop::Error(e.into()))?,
                _ => match &d.default {
                    Some(expr) => self.eval(expr)?.0,
                    None if !proc.is_empty() => {
                        return Err(Stop::Error(SqlError::new(
                            201,
                            16,
                            format!(
                                "Procedure or function '{proc}' expects parameter '{}', which was not supplied.",
                                d.name
                            ),
                        )));
                    }
                    None => Value::Null,
                },
            };
            vars.insert(
                d.name.clone(),
                Var {
                    ty: d.ty.clone(),
                    value,
                },
            );
        }
        if let Some(a) = args
            .iter()
            .find(|a| !a.name.is_empty() && !decls.iter().any(|d| d.name == a.name))
        {
            let what = if proc.is_empty() {
                "sp_executesql".to_string()
            } else {
                proc.to_string()
            };
            return Err(Stop::Error(SqlError::new(
                8145,
                16,
                format!("{} is not a parameter for procedure {what}.", a.name),
            )));
        }
        Ok(vars)
    }

    fn call_user_procedure(
        &mut self,
        name: &str,
        args: &[Arg],
        out: &mut Out,
    ) -> Result<CallResult, Stop> {
        let found: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT name, params, body FROM __ss_procs WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        let Some((proc_name, params, body)) = found else {
            return Err(Stop::Error(SqlError::new(
                2812,
                16,
                format!("Could not find stored procedure '{name}'."),
            )));
        };
        let decls = parse_param_decls(&params)?;
        let vars = self.bind_args(&decls, args, &proc_name)?;
        let saved = std::mem::replace(&mut self.vars, vars);
        let saved_proc = std::mem::replace(&mut self.proc_name, proc_name);
        let saved_nocount = self.nocount;
        let r = self.run_batch_text(&body, out);
        let vars = std::mem::replace(&mut self.vars, saved);
        self.proc_name = saved_proc;
        // SET NOCOUNT inside a procedure ends with it.
        self.nocount = saved_nocount;
        let status = r?.unwrap_or(0);
        Ok(CallResult {
            status,
            outputs: collect_outputs(&decls, args, &vars),
        })
    }
}

fn shift_outputs(r: &mut CallResult, by: usize) {
    for o in &mut r.outputs {
        o.0 += by;
    }
}

fn collect_outputs(
    decls: &[ParamDecl],
    args: &[Arg],
    vars: &HashMap<String, Var>,
) -> Vec<(usize, Value)> {
    let mut outputs = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if !a.output {
            continue;
        }
        let decl = if a.name.is_empty() {
            decls.get(i)
        } else {
            decls.iter().find(|d| d.name == a.name)
        };
        if let Some(d) = decl
            && let Some(v) = vars.get(&d.name)
        {
            outputs.push((i, v.value.clone()));
        }
    }
    outputs
}

fn arg_text(args: &[Arg], i: usize) -> Option<String> {
    match args.get(i).map(|a| &a.value) {
        Some(Value::Null) | None => None,
        Some(v) => Some(value_text(v)),
    }
}

fn missing_param(proc: &str, param: &str) -> Stop {
    Stop::Error(SqlError::new(
        201,
        16,
        format!(
            "Procedure or function '{proc}' expects parameter '{param}', which was not supplied."
        ),
    ))
}

/// Parses `@a int, @b nvarchar(10) = N'x' OUTPUT`.
pub(crate) fn parse_param_decls(decl: &str) -> Result<Vec<ParamDecl>, Stop> {
    let tokens = tokenize(decl).map_err(|e| Stop::Error(SqlError::new(e.number, 15, e.text)))?;
    parse_param_tokens(&tokens)
}

fn parse_param_tokens(tokens: &[Token]) -> Result<Vec<ParamDecl>, Stop> {
    let mut out = Vec::new();
    for part in split_commas(tokens) {
        let Some(Tok::Var(name)) = part.first().map(|t| &t.tok) else {
            return Err(syntax_near(&part, 0));
        };
        let mut p = 1;
        if part.get(p).is_some_and(|t| t.is("AS")) {
            p += 1;
        }
        let ty = parse_type(&part, &mut p, false).map_err(|_| syntax_near(&part, p))?;
        let mut d = ParamDecl {
            name: name.clone(),
            ty,
            default: None,
            output: false,
        };
        while p < part.len() {
            let t = &part[p];
            if t.is_op("=") {
                let start = p + 1;
                let mut end = start;
                while end < part.len()
                    && !(part[end].is("OUTPUT") || part[end].is("OUT") || part[end].is("READONLY"))
                {
                    end += 1;
                }
                d.default = Some(part[start..end].to_vec());
                p = end;
                continue;
            }
            if t.is("OUTPUT") || t.is("OUT") {
                d.output = true;
            } else if !t.is("READONLY") && !t.is("NULL") {
                return Err(syntax_near(&part, p));
            }
            p += 1;
        }
        out.push(d);
    }
    Ok(out)
}

/// `CREATE [OR ALTER] PROC[EDURE] name [(] params [)] [WITH ...] AS body`.
pub(crate) fn create_procedure(s: &mut Session, tokens: &[Token], replace: bool) -> Exec {
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is("OR")) {
        i += 2;
    }
    if !tokens
        .get(i)
        .is_some_and(|t| t.is("PROC") || t.is("PROCEDURE"))
    {
        let what = tokens
            .get(i)
            .map(|t| t.to_string().to_uppercase())
            .unwrap_or_default();
        return Err(Stop::Error(
            TransError::unsupported(&format!("CREATE {what}")).into(),
        ));
    }
    i += 1;
    let skip = super::translate::schema_prefix(tokens, i).unwrap_or(0);
    let name = tokens
        .get(i + skip)
        .and_then(|t| t.name())
        .ok_or_else(|| syntax_near(tokens, i))?
        .to_string();
    i += skip + 1;
    // Parameters up to AS (optionally in parentheses), then options.
    let as_pos = (i..tokens.len())
        .find(|&k| tokens[k].is("AS"))
        .ok_or_else(|| syntax_near(tokens, tokens.len() - 1))?;
    let mut params = &tokens[i..as_pos];
    if let Some(w) = params.iter().position(|t| t.is("WITH")) {
        params = &params[..w];
    }
    if params.first().is_some_and(|t| t.is_op("(")) {
        let close = matching_paren(params, 0).ok_or_else(|| syntax_near(params, 0))?;
        params = &params[1..close];
    }
    parse_param_tokens(params)?;
    let body = render(&tokens[as_pos + 1..]);
    let exists: bool = s
        .conn
        .prepare_cached("SELECT 1 FROM __ss_procs WHERE name = ?1")
        .and_then(|mut st| st.exists([&name]))
        .map_err(|e| s.sql_err(&e))?;
    if exists && !replace {
        return Err(Stop::Error(SqlError::new(
            2714,
            16,
            format!("There is already an object named '{name}' in the database."),
        )));
    }
    s.conn
        .execute(
            "INSERT OR REPLACE INTO __ss_procs (name, params, body) VALUES (?1, ?2, ?3)",
            [&name, &render(params), &body],
        )
        .map_err(|e| s.sql_err(&e))?;
    Ok(())
}

/// `EXEC name args`, `EXEC @rc = name args`, `EXEC ('sql')`.
pub(crate) fn exec_statement(s: &mut Session, tokens: &[Token], out: &mut Out) -> Exec {
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is_op("(")) {
        let close = matching_paren(tokens, i).ok_or_else(|| syntax_near(tokens, i))?;
        let (v, _) = s.eval(&tokens[i + 1..close])?;
        let sql = value_text(&v);
        // Dynamic SQL runs as its own batch scope, without the caller's variables.
        let saved = std::mem::take(&mut s.vars);
        let r = s.run_batch_text(&sql, out);
        s.vars = saved;
        return r.map(|_| ());
    }
    let mut status_var = None;
    if let (Some(Tok::Var(v)), Some(eq)) = (tokens.get(i).map(|t| &t.tok), tokens.get(i + 1))
        && eq.is_op("=")
    {
        status_var = Some(v.clone());
        i += 2;
    }
    let skip = super::translate::schema_prefix(tokens, i).unwrap_or(0);
    let name = match tokens.get(i + skip).map(|t| &t.tok) {
        Some(Tok::Word(w) | Tok::Quoted(w)) => w.clone(),
        Some(Tok::Var(v)) => value_text(
            &s.vars
                .get(v)
                .map(|v| v.value.clone())
                .unwrap_or(Value::Null),
        ),
        _ => return Err(syntax_near(tokens, i)),
    };
    // sys.sp_x
    let mut k = i + skip + 1;
    let mut name = name;
    while tokens.get(k).is_some_and(|t| t.is_op(".")) {
        name = tokens
            .get(k + 1)
            .and_then(|t| t.name())
            .ok_or_else(|| syntax_near(tokens, k))?
            .to_string();
        k += 2;
    }
    let mut args = Vec::new();
    for part in split_commas(&tokens[k..]) {
        args.push(exec_arg(s, &part)?);
    }
    let r = s.call(&name, &args, out)?;
    for (idx, v) in r.outputs {
        if let Some(target) = &args[idx].target {
            s.assign(target, v)?;
        }
    }
    if let Some(v) = status_var {
        s.assign(&v, Value::Integer(r.status as i64))?;
    }
    out.send(Event::ReturnStatus(r.status))?;
    out.send(Event::Done {
        kind: DoneKind::DoneProc,
        row_count: None,
        error: false,
        more: true,
    })
}

fn exec_arg(s: &Session, part: &[Token]) -> Result<Arg, Stop> {
    let mut p = part;
    let mut name = String::new();
    if let (Some(Tok::Var(v)), Some(eq)) = (p.first().map(|t| &t.tok), p.get(1))
        && eq.is_op("=")
    {
        name = v.clone();
        p = &p[2..];
    }
    let mut output = false;
    if p.last().is_some_and(|t| t.is("OUTPUT") || t.is("OUT")) {
        output = true;
        p = &p[..p.len() - 1];
    }
    if p.len() == 1 && p[0].is("DEFAULT") {
        return Ok(Arg {
            name,
            value: Value::Null,
            output,
            target: None,
            default: true,
        });
    }
    let target = match p.first().map(|t| &t.tok) {
        Some(Tok::Var(v)) if output && p.len() == 1 => Some(v.clone()),
        _ => None,
    };
    // A bare word argument is a string (EXEC sp_columns mytable).
    let value = match p {
        [t] if matches!(t.tok, Tok::Word(_)) && !t.is("NULL") => Value::Text(t.to_string()),
        _ => s.eval(p)?.0,
    };
    Ok(Arg {
        name,
        value,
        output,
        target,
        default: false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::session::tests::{Collect, session};
    use super::*;

    fn rpc(s: &mut Session, target: RpcTarget, params: Vec<Param>) -> Vec<Event> {
        let mut c = Collect::default();
        s.execute_rpc(&target, params, &mut c);
        c.events
    }

    fn p(name: &str, ty: SqlType, value: SqlValue, output: bool) -> Param {
        Param {
            name: name.into(),
            ty,
            value,
            output,
        }
    }

    fn nv(s: &str) -> SqlValue {
        SqlValue::String(s.into())
    }

    #[test]
    fn sp_executesql_with_params_and_output() {
        let (mut s, _d) = session();
        let ev = rpc(
            &mut s,
            RpcTarget::Id(10),
            vec![
                p(
                    "",
                    SqlType::NVarChar(None),
                    nv("SELECT @a + 1 AS x; SET @o = @a * 2"),
                    false,
                ),
                p(
                    "",
                    SqlType::NVarChar(None),
                    nv("@a int, @o int OUTPUT"),
                    false,
                ),
                p("@a", SqlType::Int, SqlValue::Int(20), false),
                p("@o", SqlType::Int, SqlValue::Null, true),
            ],
        );
        let kinds: Vec<String> = ev
            .iter()
            .map(|e| {
                format!("{e:?}")
                    .split([' ', '('])
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Columns",
                "Row",
                "Done",
                "ReturnStatus",
                "ReturnValue",
                "Done"
            ],
            "{ev:?}"
        );
        assert_eq!(ev[1], Event::Row(vec![SqlValue::Int(21)]));
        assert!(matches!(
            ev[2],
            Event::Done {
                kind: DoneKind::DoneInProc,
                row_count: Some(1),
                more: true,
                ..
            }
        ));
        assert_eq!(
            ev[4],
            Event::ReturnValue {
                ordinal: 3,
                name: "@o".into(),
                ty: SqlType::Int,
                value: SqlValue::Int(40)
            }
        );
        assert!(matches!(
            ev[5],
            Event::Done {
                kind: DoneKind::DoneProc,
                more: false,
                ..
            }
        ));
    }

    #[test]
    fn prepare_execute_unprepare() {
        let (mut s, _d) = session();
        super::super::session::tests::run(&mut s, "CREATE TABLE t (a INT, b NVARCHAR(10))");
        let ev = rpc(
            &mut s,
            RpcTarget::Id(13),
            vec![
                p("@handle", SqlType::Int, SqlValue::Null, true),
                p(
                    "",
                    SqlType::NVarChar(None),
                    nv("@P1 int, @P2 nvarchar(10)"),
                    false,
                ),
                p(
                    "",
                    SqlType::NVarChar(None),
                    nv("INSERT INTO t VALUES (@P1, @P2)"),
                    false,
                ),
                p("", SqlType::Int, SqlValue::Int(1), false),
                p("", SqlType::NVarChar(Some(10)), nv("x"), false),
            ],
        );
        let handle = ev
            .iter()
            .find_map(|e| match e {
                Event::ReturnValue {
                    ordinal: 0,
                    value: SqlValue::Int(h),
                    ..
                } => Some(*h),
                _ => None,
            })
            .expect("handle");
        let ev = rpc(
            &mut s,
            RpcTarget::Id(12),
            vec![
                p("", SqlType::Int, SqlValue::Int(handle), false),
                p("", SqlType::Int, SqlValue::Int(2), false),
                p("", SqlType::NVarChar(Some(10)), nv("y"), false),
            ],
        );
        assert!(
            ev.iter().any(|e| matches!(
                e,
                Event::Done {
                    kind: DoneKind::DoneInProc,
                    row_count: Some(1),
                    ..
                }
            )),
            "{ev:?}"
        );
        rpc(
            &mut s,
            RpcTarget::Id(15),
            vec![p("", SqlType::Int, SqlValue::Int(handle), false)],
        );
        let ev = rpc(
            &mut s,
            RpcTarget::Id(12),
            vec![p("", SqlType::Int, SqlValue::Int(handle), false)],
        );
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::Message { number: 8179, .. }))
        );
        let ev = super::super::session::tests::run(&mut s, "SELECT b FROM t ORDER BY a");
        let rows: Vec<_> = ev.iter().filter(|e| matches!(e, Event::Row(_))).collect();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn user_procedure_by_rpc_and_exec() {
        let (mut s, _d) = session();
        let ev = super::super::session::tests::run(
            &mut s,
            "CREATE PROCEDURE dbo.add_one @x INT, @y INT OUTPUT AS BEGIN SET NOCOUNT ON; SET @y = @x + 1; SELECT @x AS x; RETURN 7 END",
        );
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Message { .. })),
            "{ev:?}"
        );
        let ev = rpc(
            &mut s,
            RpcTarget::Name("dbo.add_one".into()),
            vec![
                p("@x", SqlType::Int, SqlValue::Int(4), false),
                p("@y", SqlType::Int, SqlValue::Null, true),
            ],
        );
        assert!(ev.contains(&Event::ReturnStatus(7)), "{ev:?}");
        assert!(ev.contains(&Event::ReturnValue {
            ordinal: 1,
            name: "@y".into(),
            ty: SqlType::Int,
            value: SqlValue::Int(5)
        }));
        let ev = super::super::session::tests::run(
            &mut s,
            "DECLARE @r INT, @out INT; EXEC @r = add_one 10, @out OUTPUT; SELECT @r, @out",
        );
        assert!(
            ev.contains(&Event::Row(vec![SqlValue::Int(7), SqlValue::Int(11)])),
            "{ev:?}"
        );
        let ev = super::super::session::tests::run(&mut s, "EXEC nope");
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::Message { number: 2812, .. }))
        );
    }

    #[test]
    fn runaway_recursion_stops_at_32_levels() {
        let (mut s, _d) = session();
        super::super::session::tests::run(&mut s, "CREATE PROCEDURE r AS EXEC r");
        let ev = super::super::session::tests::run(&mut s, "EXEC r");
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::Message { number: 217, .. })),
            "{:?}",
            ev.last()
        );
        assert!(matches!(ev.last(), Some(Event::Done { more: false, .. })));
    }

    #[test]
    fn tm_requests() {
        let (mut s, _d) = session();
        let mut c = Collect::default();
        s.transaction(
            TmRequest::Begin {
                isolation: 0,
                name: String::new(),
            },
            &mut c,
        );
        assert!(s.transaction_descriptor() != 0);
        let d = s.transaction_descriptor();
        s.transaction(TmRequest::Commit { begin_new: true }, &mut c);
        assert!(c.events.contains(&Event::EnvChange(
            super::super::EnvChange::CommitTransaction(d)
        )));
        assert!(s.transaction_descriptor() != 0 && s.transaction_descriptor() != d);
        s.transaction(TmRequest::Rollback { begin_new: false }, &mut c);
        assert_eq!(s.transaction_descriptor(), 0);
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::super::session::tests::Collect;
    use super::*;

    /// An RPC by name with positional or named parameters.
    pub fn rpc_call(
        s: &mut Session,
        name: &str,
        params: Vec<(String, SqlType, SqlValue)>,
    ) -> Vec<Event> {
        let all = params
            .into_iter()
            .map(|(name, ty, value)| Param {
                name,
                ty,
                value,
                output: false,
            })
            .collect();
        let mut c = Collect::default();
        s.execute_rpc(&RpcTarget::Name(name.into()), all, &mut c);
        c.events
    }

    /// sp_executesql with named parameters.
    pub fn rpc_exec(
        s: &mut Session,
        sql: &str,
        decl: &str,
        params: Vec<(String, SqlType, SqlValue)>,
    ) -> Vec<Event> {
        let mut all = vec![
            Param {
                name: String::new(),
                ty: SqlType::NVarChar(None),
                value: SqlValue::String(sql.into()),
                output: false,
            },
            Param {
                name: String::new(),
                ty: SqlType::NVarChar(None),
                value: SqlValue::String(decl.into()),
                output: false,
            },
        ];
        all.extend(params.into_iter().map(|(name, ty, value)| Param {
            name,
            ty,
            value,
            output: false,
        }));
        let mut c = Collect::default();
        s.execute_rpc(&RpcTarget::Id(10), all, &mut c);
        c.events
    }
}
