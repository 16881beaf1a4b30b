//! Databases (one SQLite file each, shared) and sessions (one SQLite connection each): running
//! batches statement by statement and reporting results in wire order.

use super::functions;
use super::infer::{self, TypeEnv};
use super::lexer::{Tok, Token, tokenize};
use super::parse::{Stmt, SyntaxError, parse_batch};
use super::translate::{
    self, SelectItem, TransError, Translator, matching_paren, quote_ident, quote_str, select_items,
};
use super::types::{self, decl, from_storage, parse_type};
use super::{Column, ConnectionFacts, DoneKind, EnvChange, Event, EventSink, SqlType, SqlValue};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every configured database, shared by all sessions.
pub struct Databases {
    list: Vec<(String, PathBuf)>,
}

/// How long a statement waits for another session's lock before error 1222.
pub const DEFAULT_LOCK_TIMEOUT_MS: u64 = 5000;

impl Databases {
    pub fn open(names: &[String], dir: &Path) -> anyhow::Result<Arc<Databases>> {
        std::fs::create_dir_all(dir)?;
        let mut list = Vec::new();
        for name in names {
            let path = dir.join(format!("{}.sqlite", name.to_lowercase()));
            let conn = Connection::open(&path)?;
            conn.busy_timeout(Duration::from_secs(30))?;
            conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS __ss_procs (name TEXT PRIMARY KEY COLLATE NOCASE, params TEXT, body TEXT);
                 CREATE TABLE IF NOT EXISTS __ss_identity (tbl TEXT COLLATE NOCASE, col TEXT COLLATE NOCASE,
                     type TEXT, seed INTEGER, incr INTEGER, PRIMARY KEY (tbl, col));
                 CREATE TABLE IF NOT EXISTS __ss_constraints (tbl TEXT COLLATE NOCASE, name TEXT, kind TEXT, cols TEXT);",
            )?;
            // sys.identity_columns reads sqlite_sequence, which SQLite creates with the first
            // AUTOINCREMENT table only; without it the view fails in a database that has
            // no IDENTITY column yet (SQLAlchemy's reflection joins it for every table).
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS __ss_sequence_init (id INTEGER PRIMARY KEY AUTOINCREMENT);
                 DROP TABLE __ss_sequence_init;",
            )?;
            list.push((name.clone(), path));
        }
        Ok(Arc::new(Databases { list }))
    }

    fn find(&self, name: &str) -> Option<&(String, PathBuf)> {
        self.list.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(n, _)| n.as_str())
    }
}

pub struct SessionInfo {
    pub user: String,
    pub spid: u16,
    pub app: String,
    pub host: String,
    pub server_name: String,
    /// SERVERPROPERTY('Babelfish') answers 1 (the `babelfish` fault).
    pub babelfish: bool,
}

/// Why execution of a batch stops early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The client cancelled or went away.
    Cancel,
    /// An error to report (or to hand to CATCH).
    Error(SqlError),
    /// An error already reported that ends the batch.
    Abort,
    Return(Option<i32>),
    Break,
    Continue,
}

pub(crate) type Exec = Result<(), Stop>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SqlError {
    pub number: i32,
    pub state: u8,
    pub class: u8,
    pub text: String,
    pub line: i32,
    /// Errors that end the batch (THROW, compile errors, conversions).
    pub abort_batch: bool,
}

impl SqlError {
    pub fn new(number: i32, class: u8, text: impl Into<String>) -> SqlError {
        SqlError {
            number,
            state: 1,
            class,
            text: text.into(),
            line: 1,
            abort_batch: false,
        }
    }

    fn aborting(mut self) -> SqlError {
        self.abort_batch = true;
        self
    }
}

impl From<SqlError> for Stop {
    fn from(e: SqlError) -> Stop {
        Stop::Error(e)
    }
}

impl From<TransError> for SqlError {
    fn from(e: TransError) -> SqlError {
        let abort = e.class == 15;
        SqlError {
            number: e.number,
            state: 1,
            class: e.class,
            text: e.text,
            line: e.line.max(1),
            abort_batch: abort,
        }
    }
}

impl From<TransError> for Stop {
    fn from(e: TransError) -> Stop {
        Stop::Error(e.into())
    }
}

impl From<types::ConvError> for SqlError {
    fn from(e: types::ConvError) -> SqlError {
        let number = e.number;
        let e = SqlError::new(number, 16, e.text);
        if number == 8115 { e } else { e.aborting() }
    }
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Stop {
        Stop::Error(map_sqlite_error(&e, ""))
    }
}

/// SQLite's message without the " at offset N" it appends to some errors (the offset is
/// into the translated SQL, which the client never saw).
fn without_offset(msg: &str) -> &str {
    match msg.rsplit_once(" at offset ") {
        Some((text, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => text,
        _ => msg,
    }
}

/// SQLite's error, as the SQL Server error a client would see for the same mistake.
pub(crate) fn map_sqlite_error(e: &rusqlite::Error, db: &str) -> SqlError {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::UserFunctionError(b) => b.to_string(),
        other => other.to_string(),
    };
    let msg = without_offset(&msg);
    if let Some(rest) = msg.strip_prefix(functions::CONV_PREFIX) {
        let (num, text) = rest.split_once(':').unwrap_or(("245", rest));
        let number = num.parse().unwrap_or(245);
        let e = SqlError::new(number, 16, text);
        // Conversion failures end the batch; arithmetic errors only the statement.
        return if matches!(number, 8134 | 8115 | 517) {
            e
        } else {
            e.aborting()
        };
    }
    if let rusqlite::Error::SqliteFailure(f, _) = e
        && matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        )
    {
        return SqlError::new(1222, 16, "Lock request time out period exceeded.");
    }
    if let Some(t) = msg.strip_prefix("no such table: ") {
        let t = t.trim_start_matches("main.").trim_start_matches("temp.");
        return SqlError::new(208, 16, format!("Invalid object name '{t}'.")).aborting();
    }
    if let Some(c) = msg.strip_prefix("no such column: ") {
        let c = c.rsplit('.').next().unwrap_or(c);
        return SqlError::new(207, 16, format!("Invalid column name '{c}'.")).aborting();
    }
    if let Some(f) = msg.strip_prefix("no such function: ") {
        return SqlError::new(
            195,
            15,
            format!("'{f}' is not a recognized built-in function name."),
        )
        .aborting();
    }
    if let Some(cols) = msg.strip_prefix("NOT NULL constraint failed: ") {
        let (t, c) = cols.split_once('.').unwrap_or(("", cols));
        return SqlError::new(
            515,
            16,
            format!(
                "Cannot insert the value NULL into column '{c}', table '{db}.dbo.{t}'; column does not allow nulls. INSERT fails."
            ),
        );
    }
    if msg.starts_with("UNIQUE constraint failed")
        || msg.starts_with("PRIMARY KEY constraint failed")
    {
        // Refined with the constraint's name by the session (see `constraint_error`).
        return SqlError::new(2627, 14, msg);
    }
    if msg.starts_with("FOREIGN KEY constraint failed") {
        return SqlError::new(
            547,
            16,
            "The statement conflicted with the FOREIGN KEY constraint. The conflict occurred in database '".to_string()
                + db
                + "'.",
        );
    }
    if msg.starts_with("CHECK constraint failed") {
        return SqlError::new(
            547,
            16,
            format!("The statement conflicted with the CHECK constraint. {msg}"),
        );
    }
    if let Some(rest) = msg.strip_prefix("table ")
        && let Some(t) = rest.strip_suffix(" already exists")
    {
        let t = t.trim_matches('"');
        return SqlError::new(
            2714,
            16,
            format!("There is already an object named '{t}' in the database."),
        );
    }
    if let Some(near) = msg
        .strip_prefix("near \"")
        .and_then(|r| r.split_once("\": syntax error"))
    {
        let near = near.0;
        if translate::is_reserved(near) {
            let kw = near.to_ascii_uppercase();
            return SqlError::new(
                156,
                15,
                format!("Incorrect syntax near the keyword '{kw}'."),
            )
            .aborting();
        }
        return SqlError::new(102, 15, format!("Incorrect syntax near '{near}'.")).aborting();
    }
    if msg.contains("syntax error") || msg.contains("incomplete input") {
        return SqlError::new(102, 15, "Incorrect syntax near the end of the statement.")
            .aborting();
    }
    if msg == "integer overflow" {
        return SqlError::new(
            8115,
            16,
            "Arithmetic overflow error converting expression to data type int.",
        );
    }
    SqlError::new(50000, 16, msg)
}

/// Events on their way to the sink: holds back the latest DONE so that `more` can be set on
/// every DONE but the last.
pub(crate) struct Out<'a> {
    sink: &'a mut dyn EventSink,
    pending: Option<Event>,
    pub cancelled: bool,
}

impl<'a> Out<'a> {
    pub fn new(sink: &'a mut dyn EventSink) -> Out<'a> {
        Out {
            sink,
            pending: None,
            cancelled: false,
        }
    }

    fn raw(&mut self, e: Event) -> Exec {
        if self.cancelled {
            return Err(Stop::Cancel);
        }
        if let ControlFlow::Break(()) = self.sink.send(e) {
            self.cancelled = true;
            return Err(Stop::Cancel);
        }
        Ok(())
    }

    fn flush(&mut self) -> Exec {
        if let Some(Event::Done {
            kind,
            row_count,
            error,
            ..
        }) = self.pending.take()
        {
            self.raw(Event::Done {
                kind,
                row_count,
                error,
                more: true,
            })?;
        }
        Ok(())
    }

    pub fn send(&mut self, e: Event) -> Exec {
        self.flush()?;
        if matches!(e, Event::Done { .. }) {
            self.pending = Some(e);
            Ok(())
        } else {
            self.raw(e)
        }
    }

    /// A row: the hot path, no DONE can be pending.
    pub fn row(&mut self, values: Vec<SqlValue>) -> Exec {
        self.raw(Event::Row(values))
    }

    /// Whether the client asked to stop (for long waits that send nothing).
    pub fn check_cancel(&mut self) -> Exec {
        if self.cancelled || self.sink.is_cancelled() {
            self.cancelled = true;
            return Err(Stop::Cancel);
        }
        Ok(())
    }

    /// Ends the request: the last DONE goes out with `more` false (a final one is added if
    /// the last event was not a DONE of kind `kind`).
    pub fn finish(&mut self, kind: DoneKind) {
        if self.cancelled {
            return;
        }
        match self.pending.take() {
            Some(Event::Done {
                kind: k,
                row_count,
                error,
                ..
            }) if k == kind => {
                let _ = self.raw(Event::Done {
                    kind,
                    row_count,
                    error,
                    more: false,
                });
            }
            Some(p) => {
                if let Event::Done {
                    kind: k,
                    row_count,
                    error,
                    ..
                } = p
                {
                    let _ = self.raw(Event::Done {
                        kind: k,
                        row_count,
                        error,
                        more: true,
                    });
                }
                let _ = self.raw(Event::Done {
                    kind,
                    row_count: None,
                    error: false,
                    more: false,
                });
            }
            None => {
                let _ = self.raw(Event::Done {
                    kind,
                    row_count: None,
                    error: false,
                    more: false,
                });
            }
        }
    }
}

/// A T-SQL variable (or procedure parameter).
#[derive(Debug, Clone)]
pub(crate) struct Var {
    pub ty: SqlType,
    pub value: Value,
}

pub struct Session {
    pub(crate) dbs: Arc<Databases>,
    pub(crate) db: String,
    pub(crate) conn: Connection,
    pub(crate) info: SessionInfo,
    pub(crate) vars: HashMap<String, Var>,
    pub(crate) nocount: bool,
    pub(crate) trancount: u32,
    /// Whether SQLite's transaction is open. T-SQL transactions open it lazily, at their first
    /// write: until then every statement sees the latest committed data (READ COMMITTED), and
    /// a transaction that only reads never holds a lock.
    pub(crate) sqlite_txn: bool,
    /// SET IMPLICIT_TRANSACTIONS ON: table statements begin a transaction when none is open.
    pub(crate) implicit_transactions: bool,
    /// Table variables of the running batch (TEMP tables named `@t`).
    pub(crate) table_vars: Vec<String>,
    /// The DML verb and target table of the running statement, for error texts.
    pub(crate) verb: String,
    pub(crate) verb_table: String,
    pub(crate) descriptor: u64,
    next_descriptor: u64,
    pub(crate) rowcount: u64,
    /// @@IDENTITY: the last identity value this session inserted anywhere.
    pub(crate) identity: Option<i64>,
    /// SCOPE_IDENTITY(): the same, within the current batch, procedure or dynamic SQL.
    pub(crate) scope_identity: Option<i64>,
    pub(crate) last_error: i32,
    pub(crate) lock_timeout_ms: i64,
    pub(crate) try_depth: u32,
    pub(crate) caught: Option<SqlError>,
    /// DONE kind for statements: Done in a batch, DoneInProc inside an RPC or procedure.
    pub(crate) done_kind: DoneKind,
    pub(crate) prepared: HashMap<i32, super::procs::Prepared>,
    pub(crate) next_handle: i32,
    pub(crate) proc_name: String,
    /// Procedure nesting depth (@@NESTLEVEL), bounded at 32 as in SQL Server.
    pub(crate) nest_level: u32,
    pub(crate) connection: Arc<Mutex<ConnectionFacts>>,
}

pub(crate) fn open_connection(
    path: &Path,
    id: &super::sysviews::Identity,
    lock_timeout_ms: i64,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_millis(lock_timeout_ms.max(0) as u64))?;
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=OFF;")?;
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS __ss_identity (tbl TEXT COLLATE NOCASE, col TEXT COLLATE NOCASE,
             type TEXT, seed INTEGER, incr INTEGER, PRIMARY KEY (tbl, col));
         CREATE TEMP TABLE IF NOT EXISTS __ss_constraints (tbl TEXT COLLATE NOCASE, name TEXT, kind TEXT, cols TEXT);",
    )?;
    functions::register(&conn)?;
    super::sysviews::install(&conn, id)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs a request; a bug that panics becomes an error message and a final DONE instead of a
/// dead session (the client must never wait for a reply that does not come).
pub(crate) fn guard(sink: &mut dyn EventSink, f: impl FnOnce(&mut dyn EventSink)) {
    let mut finished = false;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(&mut *sink);
        finished = true;
    }));
    if r.is_err() && !finished {
        let _ = sink.send(Event::Message {
            number: 50000,
            state: 1,
            class: 16,
            text: "testserver internal error (engine panic); see the server log.".into(),
            procedure: String::new(),
            line: 1,
        });
        let _ = sink.send(Event::Done {
            kind: DoneKind::Done,
            row_count: None,
            error: true,
            more: false,
        });
    }
}

fn identity(
    dbs: &Databases,
    db: &str,
    info: &SessionInfo,
    connection: &Arc<Mutex<ConnectionFacts>>,
) -> super::sysviews::Identity {
    super::sysviews::Identity {
        connection: connection.clone(),
        db: db.to_string(),
        db_id: dbs
            .list
            .iter()
            .position(|(n, _)| n == db)
            .map_or(1, |i| i as i64 + 1),
        databases: dbs.list.iter().map(|(n, _)| n.clone()).collect(),
        spid: info.spid as i64,
        user: info.user.clone(),
        host: info.host.clone(),
        app: info.app.clone(),
    }
}

pub const VERSION: &str = "Microsoft SQL Server 2022 (RTM-CU1) (KB5022375) - 16.0.4096.4 (X64) \n\tOct  8 2022 05:58:25 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (testserver, SQLite engine) <X64>";
pub const PRODUCT_VERSION: &str = "16.0.4096.4";

impl Session {
    pub fn new(dbs: Arc<Databases>, database: &str, info: SessionInfo) -> anyhow::Result<Session> {
        let (name, path) = dbs.find(database).cloned().ok_or_else(|| {
            anyhow::anyhow!("Cannot open database \"{database}\" requested by the login.")
        })?;
        let connection = Arc::new(Mutex::new(ConnectionFacts::default()));
        let conn = open_connection(
            &path,
            &identity(&dbs, &name, &info, &connection),
            DEFAULT_LOCK_TIMEOUT_MS as i64,
        )?;
        let spid = info.spid as u64;
        Ok(Session {
            dbs,
            db: name,
            conn,
            info,
            vars: HashMap::new(),
            nocount: false,
            trancount: 0,
            sqlite_txn: false,
            implicit_transactions: false,
            table_vars: Vec::new(),
            verb: String::new(),
            verb_table: String::new(),
            descriptor: 0,
            next_descriptor: (spid << 32) | 1,
            rowcount: 0,
            identity: None,
            scope_identity: None,
            last_error: 0,
            lock_timeout_ms: -1,
            try_depth: 0,
            caught: None,
            done_kind: DoneKind::Done,
            prepared: HashMap::new(),
            next_handle: 1,
            proc_name: String::new(),
            nest_level: 0,
            connection,
        })
    }

    #[allow(dead_code)] // contract API, for the TDS layer
    pub fn database(&self) -> &str {
        &self.db
    }

    /// Tells the engine what the TDS layer knows about the connection (TLS, addresses), for
    /// `sys.dm_exec_connections`. Optional; without it the view shows an unencrypted SQL login.
    #[allow(dead_code)] // contract API, for the TDS layer
    pub fn set_connection_facts(&mut self, facts: ConnectionFacts) {
        if let Ok(mut f) = self.connection.lock() {
            *f = facts;
        }
    }

    #[allow(dead_code)] // contract API, for the TDS layer
    pub fn transaction_descriptor(&self) -> u64 {
        self.descriptor
    }

    pub fn execute_batch(&mut self, sql: &str, sink: &mut dyn EventSink) {
        guard(sink, |sink| self.execute_batch_inner(sql, sink));
    }

    fn execute_batch_inner(&mut self, sql: &str, sink: &mut dyn EventSink) {
        let mut out = Out::new(sink);
        self.done_kind = DoneKind::Done;
        self.vars.clear();
        self.scope_identity = None;
        let _ = self.run_batch_text(sql, &mut out);
        self.drop_table_variables();
        out.finish(DoneKind::Done);
    }

    /// Parses and runs a batch, reporting errors; used by batches, sp_executesql and procedures.
    /// Returns the RETURN status, if the batch returned one.
    pub(crate) fn run_batch_text(&mut self, sql: &str, out: &mut Out) -> Result<Option<i32>, Stop> {
        let stmts = match tokenize(sql) {
            Ok(tokens) if nesting_depth(&tokens) > MAX_NESTING => Err(SqlError::new(
                191,
                15,
                "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries.",
            )
            .aborting()),
            Ok(tokens) => parse_batch(&tokens)
                .map_err(|e| syntax_error(&e))
                .and_then(|stmts| {
                    // SQL Server compiles the whole batch first: a syntax error anywhere means
                    // nothing runs.
                    self.precheck(&stmts)?;
                    Ok(stmts)
                }),
            Err(e) => Err(SqlError {
                number: e.number,
                state: 1,
                class: 15,
                text: e.text,
                line: e.line,
                abort_batch: true,
            }),
        };
        match stmts {
            Ok(stmts) => match self.run_stmts(&stmts, out) {
                Err(Stop::Error(e)) if self.try_depth == 0 => self.report(out, e).map(|_| None),
                Err(Stop::Return(v)) => Ok(v),
                Err(Stop::Break | Stop::Continue) | Ok(()) => Ok(None),
                Err(other) => Err(other),
            },
            Err(e) if self.try_depth == 0 => self.report(out, e).map(|_| None),
            Err(e) => Err(Stop::Error(e)),
        }
    }

    /// Table variables end with their batch.
    pub(crate) fn drop_table_variables(&mut self) {
        for t in std::mem::take(&mut self.table_vars) {
            let _ = self
                .conn
                .execute_batch(&format!("DROP TABLE IF EXISTS temp.{}", quote_ident(&t)));
            let _ = self
                .conn
                .execute("DELETE FROM temp.__ss_identity WHERE tbl = ?1", [&t]);
            let _ = self
                .conn
                .execute("DELETE FROM temp.__ss_constraints WHERE tbl = ?1", [&t]);
        }
    }

    /// Finds syntax errors in a batch's queries and DML before anything runs (objects the
    /// batch creates itself may not exist yet, so only syntax errors count).
    fn precheck(&self, stmts: &[Stmt]) -> Result<(), SqlError> {
        for stmt in stmts {
            match stmt {
                Stmt::Simple(tokens) => {
                    let verb = tokens[0].keyword().unwrap_or_default();
                    // Table variables the batch declares do not exist before it runs.
                    let uses_table_variable = tokens.windows(2).any(|w| {
                        matches!(&w[1].tok, Tok::Var(_))
                            && ["FROM", "JOIN", "INTO", "UPDATE", "INSERT", "DELETE"]
                                .iter()
                                .any(|k| w[0].is(k))
                    });
                    if !matches!(
                        verb.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH"
                    ) || uses_table_variable
                        || (verb == "INSERT"
                            && tokens.iter().any(|t| t.is("EXEC") || t.is("EXECUTE")))
                        || tokens.iter().any(|t| t.is("bench"))
                        || is_assignment(tokens, main_select(tokens))
                        || (verb == "SELECT" && tokens.iter().any(|t| t.is("INTO")))
                    {
                        continue;
                    }
                    let rewritten = translate::rewrite_dml_joins(tokens);
                    let tokens = rewritten.as_deref().unwrap_or(tokens);
                    let sql = match self.translator().translate(tokens) {
                        Ok(sql) => sql,
                        Err(e) if e.class == 15 => {
                            // A syntax error is reported on the line of the token it is near.
                            let near_line = e.line;
                            let mut e: SqlError = e.into();
                            e.line = if near_line > 0 {
                                near_line
                            } else {
                                tokens[0].line
                            };
                            return Err(e);
                        }
                        Err(_) => continue,
                    };
                    if let Err(e) = self.conn.prepare_cached(&sql) {
                        let mut e = map_sqlite_error(&e, &self.db);
                        if matches!(e.number, 102 | 156) {
                            e.line = near_line(tokens, &e.text).unwrap_or(tokens[0].line);
                            return Err(e);
                        }
                    }
                }
                Stmt::Block(b) => self.precheck(b)?,
                Stmt::If {
                    then, otherwise, ..
                } => {
                    self.precheck(std::slice::from_ref(then))?;
                    if let Some(o) = otherwise {
                        self.precheck(std::slice::from_ref(o))?;
                    }
                }
                Stmt::While { body, .. } => self.precheck(std::slice::from_ref(body))?,
                Stmt::TryCatch { body, catch } => {
                    self.precheck(body)?;
                    self.precheck(catch)?;
                }
            }
        }
        Ok(())
    }

    /// Sends an error (or INFO) message followed by its DONE.
    pub(crate) fn report(&mut self, out: &mut Out, e: SqlError) -> Exec {
        self.last_error = e.number;
        let abort = e.abort_batch;
        out.send(Event::Message {
            number: e.number,
            state: e.state,
            class: e.class,
            text: e.text,
            procedure: self.proc_name.clone(),
            line: e.line,
        })?;
        out.send(Event::Done {
            kind: self.done_kind,
            row_count: None,
            error: true,
            more: true,
        })?;
        if abort { Err(Stop::Abort) } else { Ok(()) }
    }

    pub(crate) fn run_stmts(&mut self, stmts: &[Stmt], out: &mut Out) -> Exec {
        for s in stmts {
            match self.run_stmt(s, out) {
                Err(Stop::Error(e)) if self.try_depth == 0 => self.report(out, e)?,
                other => other?,
            }
        }
        Ok(())
    }

    fn run_stmt(&mut self, stmt: &Stmt, out: &mut Out) -> Exec {
        match stmt {
            Stmt::Simple(tokens) => {
                let line = tokens.first().map_or(1, |t| t.line);
                self.last_error = 0;
                self.exec_simple(tokens, out).map_err(|e| match e {
                    Stop::Error(mut err) => {
                        if err.line <= 1 {
                            err.line = line;
                        }
                        Stop::Error(err)
                    }
                    other => other,
                })
            }
            Stmt::Block(stmts) => self.run_stmts(stmts, out),
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                if self.condition(cond)? {
                    self.run_stmt(then, out)
                } else if let Some(o) = otherwise {
                    self.run_stmt(o, out)
                } else {
                    Ok(())
                }
            }
            Stmt::While { cond, body } => {
                while self.condition(cond)? {
                    out.check_cancel()?;
                    match self.run_stmt(body, out) {
                        Err(Stop::Break) => break,
                        Err(Stop::Continue) => continue,
                        other => other?,
                    }
                }
                Ok(())
            }
            Stmt::TryCatch { body, catch } => {
                self.try_depth += 1;
                let r = self.run_stmts(body, out);
                self.try_depth -= 1;
                match r {
                    Err(Stop::Error(e)) => {
                        self.last_error = e.number;
                        let saved = self.caught.replace(e);
                        let r = self.run_stmts(catch, out);
                        self.caught = saved;
                        r
                    }
                    other => other,
                }
            }
        }
    }

    /// Evaluates a search condition (IF/WHILE).
    fn condition(&mut self, cond: &[Token]) -> Result<bool, Stop> {
        let sql = format!(
            "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
            self.translator().translate(cond)?
        );
        let v = self.query_value(&sql)?;
        Ok(matches!(v, Value::Integer(1)))
    }

    pub(crate) fn translator(&self) -> Translator<'_> {
        Translator { env: self }
    }

    /// Runs a one-value query with the session's variables bound.
    pub(crate) fn query_value(&self, sql: &str) -> Result<Value, Stop> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.sql_err(&e))?;
        self.bind_vars(&mut stmt)?;
        let mut rows = stmt.raw_query();
        match rows.next().map_err(|e| self.sql_err(&e))? {
            Some(row) => Ok(row.get::<_, Value>(0).map_err(|e| self.sql_err(&e))?),
            None => Ok(Value::Null),
        }
    }

    /// Evaluates an expression to its stored value and (if known) type.
    pub(crate) fn eval(&self, expr: &[Token]) -> Result<(Value, Option<SqlType>), Stop> {
        if expr.is_empty() {
            return Err(Stop::Error(SqlError::new(
                102,
                15,
                "Incorrect syntax near the end of the statement.",
            )));
        }
        let sql = format!("SELECT {}", self.translator().translate(expr)?);
        let v = self.query_value(&sql)?;
        let ty = infer::expr_type(expr, &self.type_env(&[])).map(|t| t.0);
        Ok((v, ty))
    }

    pub(crate) fn sql_err(&self, e: &rusqlite::Error) -> Stop {
        Stop::Error(self.statement_error(self.constraint_error(map_sqlite_error(e, &self.db))))
    }

    /// NOT NULL and FOREIGN KEY failures, worded for the statement that failed.
    fn statement_error(&self, mut e: SqlError) -> SqlError {
        let verb = self.verb.as_str();
        if let Some(col) = e.text.split_once("ss_len:").map(|(_, c)| c.to_string()) {
            return SqlError::new(
                2628,
                16,
                format!(
                    "String or binary data would be truncated in table '{}.dbo.{}', column '{col}'.",
                    self.db, self.verb_table
                ),
            );
        }
        if e.number == 515 && !verb.is_empty() {
            e.text = e.text.replace("INSERT fails.", &format!("{verb} fails."));
        }
        if e.number == 547 && e.text.contains("FOREIGN KEY") && !verb.is_empty() {
            let fks = |table: &str| -> Vec<(i64, String, String)> {
                self.conn
                    .prepare("SELECT id, \"table\", \"from\" FROM pragma_foreign_key_list(?1)")
                    .and_then(|mut st| {
                        st.query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                            .map(|r| r.flatten().collect())
                    })
                    .unwrap_or_default()
            };
            let db = &self.db;
            let target = self.verb_table.as_str();
            if verb == "DELETE" {
                // A child row still references the deleted parent.
                let children: Vec<(String, i64, String)> = self
                    .conn
                    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
                    .and_then(|mut st| {
                        st.query_map([], |r| r.get::<_, String>(0))
                            .map(|r| r.flatten().collect::<Vec<_>>())
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|t| {
                        fks(&t)
                            .into_iter()
                            .filter(|f| f.1.eq_ignore_ascii_case(target))
                            .map(move |f| (t.clone(), f.0, f.2))
                    })
                    .collect();
                if let Some((child, id, col)) = children.first() {
                    e.text = format!(
                        "The DELETE statement conflicted with the REFERENCE constraint \"FK__{child}__{id}\". The conflict occurred in database \"{db}\", table \"dbo.{child}\", column '{col}'."
                    );
                }
            } else if let Some((id, parent, _)) = fks(target).first() {
                e.text = format!(
                    "The {verb} statement conflicted with the FOREIGN KEY constraint \"FK__{target}__{id}\". The conflict occurred in database \"{db}\", table \"dbo.{parent}\"."
                );
            }
        }
        e
    }

    /// Names the constraint in SQLite's UNIQUE failures as SQL Server does.
    fn constraint_error(&self, mut e: SqlError) -> SqlError {
        if e.number != 2627 {
            return e;
        }
        let cols = e
            .text
            .split_once(": ")
            .map(|(_, c)| c.to_string())
            .unwrap_or_default();
        let cols: Vec<&str> = cols.split(", ").collect();
        let table = cols
            .first()
            .and_then(|c| c.split_once('.'))
            .map(|(t, _)| t.to_string())
            .unwrap_or_default();
        let names: Vec<String> = cols
            .iter()
            .map(|c| c.split_once('.').map_or(*c, |(_, n)| n).to_string())
            .collect();
        let mut found = None;
        for schema in ["main", "temp"] {
            let sql = format!(
                "SELECT name, kind, cols FROM {schema}.__ss_constraints WHERE tbl = ?1 AND kind <> 'DEFAULT'"
            );
            if let Ok(mut st) = self.conn.prepare(&sql) {
                let rows = st.query_map([&table], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                });
                if let Ok(rows) = rows {
                    for (name, kind, c) in rows.flatten() {
                        let list: Vec<String> = c.split(',').map(|s| s.to_lowercase()).collect();
                        if list == names.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>() {
                            found = Some((name, kind));
                        }
                    }
                }
            }
        }
        let (name, kind) = found.unwrap_or_else(|| {
            (
                translate::default_constraint_name("PRIMARY KEY", &table),
                "PRIMARY KEY".to_string(),
            )
        });
        let (label, what) = if kind == "UNIQUE" {
            ("UNIQUE KEY", "Cannot insert duplicate key")
        } else {
            ("PRIMARY KEY", "Cannot insert duplicate key")
        };
        e.text =
            format!("Violation of {label} constraint '{name}'. {what} in object 'dbo.{table}'.");
        e
    }

    /// Binds the session's variables to the statement's `@name` parameters.
    pub(crate) fn bind_vars(&self, stmt: &mut rusqlite::Statement) -> Exec {
        for i in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(i).unwrap_or("").to_lowercase();
            let var = self.vars.get(&name).ok_or_else(|| {
                Stop::Error(
                    SqlError::new(
                        137,
                        15,
                        format!("Must declare the scalar variable \"{name}\"."),
                    )
                    .aborting(),
                )
            })?;
            stmt.raw_bind_parameter(i, &var.value)
                .map_err(|e| self.sql_err(&e))?;
        }
        Ok(())
    }

    pub(crate) fn type_env<'s>(&'s self, tables: &'s [TableRef]) -> SessionTypes<'s> {
        SessionTypes {
            session: self,
            tables,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Simple statements.

    fn exec_simple(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        let kw = tokens[0].keyword().unwrap_or_default();
        if self.implicit_transactions && self.trancount == 0 && begins_implicit_transaction(tokens)
        {
            self.begin_tran(out)?;
        }
        if self.trancount > 0 && !self.sqlite_txn && writes(tokens) {
            self.open_sqlite_txn()?;
        }
        self.verb.clear();
        if matches!(kw.as_str(), "INSERT" | "UPDATE" | "DELETE") {
            self.verb = kw.clone();
            self.verb_table = dml_target(tokens).unwrap_or_default();
        }
        match kw.as_str() {
            "SELECT" | "WITH" => self.exec_select(tokens, out),
            "INSERT" | "UPDATE" | "DELETE" | "MERGE" => self.exec_dml(tokens, out),
            "CREATE" => self.exec_create(tokens, out),
            "DROP" => self.exec_drop(tokens),
            "ALTER" => self.exec_alter(tokens),
            "TRUNCATE" => {
                let name = table_name_at(tokens, 2).ok_or_else(|| syntax_near(tokens, 2))?;
                self.exec_sqlite(&format!("DELETE FROM {}", quote_ident(&name)))?;
                let _ = self
                    .conn
                    .execute("DELETE FROM sqlite_sequence WHERE name = ?1", [&name]);
                Ok(())
            }
            "DECLARE" => self.exec_declare(tokens),
            "SET" => self.exec_set(tokens, out),
            "PRINT" => {
                let (v, _) = self.eval(&tokens[1..])?;
                let text = value_text(&v);
                out.send(Event::Message {
                    number: 0,
                    state: 1,
                    class: 0,
                    text,
                    procedure: self.proc_name.clone(),
                    line: tokens[0].line,
                })
            }
            "RAISERROR" => self.exec_raiserror(tokens, out),
            "THROW" => self.exec_throw(tokens),
            "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVE" => self.exec_transaction_stmt(tokens, out),
            "USE" => {
                let name = tokens
                    .get(1)
                    .and_then(|t| t.name())
                    .ok_or_else(|| syntax_near(tokens, 1))?
                    .to_string();
                self.use_database(&name, out)
            }
            "EXEC" | "EXECUTE" => self.exec_exec(tokens, out),
            "WAITFOR" => self.exec_waitfor(tokens, out),
            "RETURN" => {
                let v = if tokens.len() > 1 {
                    let (v, _) = self.eval(&tokens[1..])?;
                    match v {
                        Value::Integer(i) => Some(i as i32),
                        _ => Some(0),
                    }
                } else {
                    None
                };
                Err(Stop::Return(v))
            }
            "BREAK" => Err(Stop::Break),
            "CONTINUE" => Err(Stop::Continue),
            "GRANT" | "DENY" | "REVOKE" | "CHECKPOINT" | "DBCC" => Ok(()),
            _ => Err(syntax_near(tokens, 0)),
        }
    }

    /// Runs SQLite SQL that returns nothing.
    pub(crate) fn exec_sqlite(&self, sql: &str) -> Result<usize, Stop> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql_err(&e))?;
        self.bind_vars(&mut stmt)?;
        stmt.raw_execute().map_err(|e| self.sql_err(&e))
    }

    fn exec_select(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        if let Some(r) = super::bench::try_bench(self, tokens, out) {
            return r;
        }
        let select = main_select(tokens);
        let (items, end) = select_items(tokens, select);
        // SELECT @v = expr, ...: assignment, no result set.
        if is_assignment(tokens, select) {
            return self.exec_select_assign(tokens, select, &items, end);
        }
        if tokens.get(end).is_some_and(|t| t.is("INTO")) && select == 0 {
            return self.exec_select_into(tokens, end);
        }
        self.run_query(tokens, Some(&items), false, out)
    }

    /// Runs a query or DML statement and streams its results.
    pub(crate) fn run_query(
        &mut self,
        tokens: &[Token],
        items: Option<&[SelectItem]>,
        dml: bool,
        out: &mut Out,
    ) -> Exec {
        let sql = self.translator().translate(tokens)?;
        let tables = from_tables(tokens);
        let conn = &self.conn;
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.sql_err(&e))?;
        self.bind_vars(&mut stmt)?;
        let ncols = stmt.column_count();
        if ncols == 0 {
            let n = stmt.raw_execute().map_err(|e| self.sql_err(&e))?;
            drop(stmt);
            self.after_dml(tokens, n as u64);
            if dml {
                let row_count = (!self.nocount).then_some(n as u64);
                out.send(Event::Done {
                    kind: self.done_kind,
                    row_count,
                    error: false,
                    more: true,
                })?;
            }
            return Ok(());
        }
        // Column descriptions: SQLite's origin column when it has one, else the inferred type.
        let returning_items;
        let items = if dml {
            returning_items = output_items(tokens);
            returning_items.as_deref()
        } else {
            items
        };
        let (columns, names) = self.describe(&stmt, items, &tables);
        let mut rows = stmt.raw_query();
        let mut count: u64 = 0;
        if columns.iter().all(Option::is_some) {
            let cols: Vec<Column> = columns.into_iter().map(Option::unwrap).collect();
            out.send(Event::Columns(cols.clone()))?;
            while let Some(row) = rows.next().map_err(|e| self.sql_err(&e))? {
                let mut values = Vec::with_capacity(ncols);
                for (i, c) in cols.iter().enumerate() {
                    let v = row.get_ref(i).map_err(|e| self.sql_err(&e))?;
                    values.push(from_storage(v, &c.ty).map_err(SqlError::from)?);
                }
                out.row(values)?;
                count += 1;
            }
        } else {
            // Some types only the values can tell: buffer the rows.
            let mut buffered: Vec<Vec<Value>> = Vec::new();
            while let Some(row) = rows.next().map_err(|e| self.sql_err(&e))? {
                let mut r = Vec::with_capacity(ncols);
                for i in 0..ncols {
                    r.push(row.get::<_, Value>(i).map_err(|e| self.sql_err(&e))?);
                }
                buffered.push(r);
            }
            let cols: Vec<Column> = columns
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    c.unwrap_or_else(|| Column {
                        name: names[i].clone(),
                        ty: type_of_values(buffered.iter().map(|r| &r[i])),
                        nullable: true,
                        identity: false,
                    })
                })
                .collect();
            out.send(Event::Columns(cols.clone()))?;
            for r in buffered {
                let mut values = Vec::with_capacity(ncols);
                for (v, c) in r.iter().zip(&cols) {
                    values.push(from_storage(ValueRef::from(v), &c.ty).map_err(SqlError::from)?);
                }
                out.row(values)?;
                count += 1;
            }
        }
        drop(rows);
        drop(stmt);
        if dml {
            let n = self.conn.changes();
            self.after_dml(tokens, n);
            count = n;
        }
        self.rowcount = count;
        let row_count = (!self.nocount).then_some(count);
        out.send(Event::Done {
            kind: self.done_kind,
            row_count,
            error: false,
            more: true,
        })
    }

    /// Result columns of a prepared statement: names, and types where the table column behind
    /// a column or the select-list expression tells (None: only the values can tell).
    pub(crate) fn describe(
        &self,
        stmt: &rusqlite::Statement,
        items: Option<&[SelectItem]>,
        tables: &[TableRef],
    ) -> (Vec<Option<Column>>, Vec<String>) {
        let ncols = stmt.column_count();
        let aligned = items.filter(|it| it.len() == ncols && !it.iter().any(|i| i.is_star()));
        let env = self.type_env(tables);
        let names: Vec<String> = (0..ncols)
            .map(|i| match aligned {
                Some(it) => it[i].column_name(),
                None => stmt
                    .column_name(i)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            })
            .collect();
        let columns = (0..ncols)
            .map(|i| {
                let inferred = || {
                    aligned
                        .and_then(|it| infer::expr_type(&it[i].expr, &env))
                        .map(|(t, n)| (t, n, false))
                };
                // Star expansions over catalog views: the column's declared type by name.
                let by_name = || {
                    aligned
                        .is_none()
                        .then(|| env.column_type(None, &names[i]))
                        .flatten()
                        .map(|(t, n)| (t, n, false))
                };
                self.origin_type(stmt, i)
                    .or_else(inferred)
                    .or_else(by_name)
                    .map(|(ty, nullable, identity)| Column {
                        name: names[i].clone(),
                        ty,
                        nullable,
                        identity,
                    })
            })
            .collect();
        (columns, names)
    }

    /// The columns the first SELECT of `tsql` would return, without running it.
    pub(crate) fn describe_first_result_set(
        &mut self,
        tsql: &str,
        params: &str,
    ) -> Result<Vec<Column>, Stop> {
        let decls = super::procs::parse_param_decls(params)?;
        let vars = decls
            .into_iter()
            .map(|d| {
                (
                    d.name,
                    Var {
                        ty: d.ty,
                        value: Value::Null,
                    },
                )
            })
            .collect();
        let saved = std::mem::replace(&mut self.vars, vars);
        let r = self.describe_text(tsql);
        self.vars = saved;
        r
    }

    fn describe_text(&self, tsql: &str) -> Result<Vec<Column>, Stop> {
        let tokens =
            tokenize(tsql).map_err(|e| Stop::Error(SqlError::new(e.number, 15, e.text)))?;
        let stmts = parse_batch(&tokens).map_err(|e| Stop::Error(syntax_error(&e)))?;
        let query = stmts.iter().find_map(|s| match s {
            Stmt::Simple(t) if t[0].is("SELECT") || t[0].is("WITH") => Some(t),
            _ => None,
        });
        let Some(query) = query else {
            return Ok(Vec::new());
        };
        let select = main_select(query);
        let (items, _) = select_items(query, select);
        let sql = self.translator().translate(query)?;
        let tables = from_tables(query);
        let stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(&e))?;
        let (columns, names) = self.describe(&stmt, Some(&items), &tables);
        Ok(columns
            .into_iter()
            .zip(names)
            .map(|(c, name)| {
                c.unwrap_or(Column {
                    name,
                    ty: SqlType::NVarChar(Some(4000)),
                    nullable: true,
                    identity: false,
                })
            })
            .collect())
    }

    /// The declared type of the table column behind result column `i`, if any.
    fn origin_type(&self, stmt: &rusqlite::Statement, i: usize) -> Option<(SqlType, bool, bool)> {
        let meta = stmt.column_metadata(i).ok().flatten()?;
        let (db, table, column, decl_type, _, not_null, pk, autoinc) = meta;
        // SQLite's own catalog (under the catalog views) has no SQL Server types.
        if table.to_bytes().starts_with(b"sqlite_") || table.to_bytes().starts_with(b"__ss_") {
            return None;
        }
        let decl_type = decl_type?.to_str().ok()?;
        if decl_type == "INTEGER" && pk {
            let db = db.to_str().ok()?;
            let table = table.to_str().ok()?;
            let column = column.to_str().ok()?;
            let ty = self
                .identity_type(db, table, column)
                .unwrap_or(SqlType::BigInt);
            return Some((ty, false, autoinc));
        }
        let ty = translate::column_type(decl_type)?;
        Some((ty, !not_null && !pk, false))
    }

    fn identity_type(&self, db: &str, table: &str, column: &str) -> Option<SqlType> {
        let schema = if db == "temp" { "temp" } else { "main" };
        let sql = format!("SELECT type FROM {schema}.__ss_identity WHERE tbl = ?1 AND col = ?2");
        let mut st = self.conn.prepare_cached(&sql).ok()?;
        let t: String = st.query_row([table, column], |r| r.get(0)).ok()?;
        types::parse_decl(&t)
    }

    /// @@ROWCOUNT and SCOPE_IDENTITY() after a DML statement.
    fn after_dml(&mut self, tokens: &[Token], n: u64) {
        self.rowcount = n;
        if tokens[0].is("INSERT")
            && n > 0
            && let Some(t) = dml_target(tokens)
            && self.has_identity(&t)
        {
            self.identity = Some(self.conn.last_insert_rowid());
            self.scope_identity = self.identity;
        }
    }

    pub(crate) fn has_identity(&self, table: &str) -> bool {
        ["main", "temp"].iter().any(|s| {
            let sql = format!("SELECT 1 FROM {s}.__ss_identity WHERE tbl = ?1");
            self.conn
                .prepare_cached(&sql)
                .and_then(|mut st| st.exists([table]))
                .unwrap_or(false)
        })
    }

    fn exec_dml(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        if tokens[0].is("MERGE") {
            return Err(Stop::Error(TransError::unsupported("MERGE").into()));
        }
        if tokens[0].is("INSERT")
            && let Some(p) = tokens.iter().position(|t| t.is("EXEC") || t.is("EXECUTE"))
        {
            return self.insert_exec(tokens, p, out);
        }
        if let Some(rewritten) = translate::rewrite_dml_joins(tokens) {
            return self.run_query(&rewritten, None, true, out);
        }
        if let Some(tagged) = self.tag_variant_values(tokens) {
            return self.run_query(&tagged, None, true, out);
        }
        self.run_query(tokens, None, true, out)
    }

    /// `INSERT [INTO] t [(cols)] EXEC proc ...`: the procedure's rows go into the table; its
    /// messages go to the client.
    fn insert_exec(&mut self, tokens: &[Token], exec: usize, out: &mut Out) -> Exec {
        let mut k = 1;
        if tokens.get(k).is_some_and(|t| t.is("INTO")) {
            k += 1;
        }
        let (table, len) = translate::table_ref(tokens, k).ok_or_else(|| syntax_near(tokens, k))?;
        let cols: Vec<String> = match tokens.get(k + len) {
            Some(t) if t.is_op("(") && k + len + 1 < exec => {
                translate::split_commas(&tokens[k + len + 1..exec - 1])
                    .iter()
                    .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
                    .collect()
            }
            _ => self
                .table_columns(&table)
                .into_iter()
                .filter(|c| !c.identity)
                .map(|c| c.name)
                .collect(),
        };
        let mut capture = Capture::default();
        {
            let mut inner = Out::new(&mut capture);
            let r = super::procs::exec_statement(self, &tokens[exec..], &mut inner);
            if inner.cancelled {
                return Err(Stop::Cancel);
            }
            r?;
        }
        for m in capture.messages {
            out.send(m)?;
        }
        let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote_ident(&table),
            cols.iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", "),
            placeholders.join(", ")
        );
        let mut count = 0u64;
        {
            let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(&e))?;
            for row in &capture.rows {
                if row.len() != cols.len() {
                    return Err(Stop::Error(SqlError::new(
                        213,
                        16,
                        "Column name or number of supplied values does not match table definition.",
                    )));
                }
                let values: Vec<Value> = row.iter().map(types::to_storage).collect();
                stmt.execute(rusqlite::params_from_iter(values.iter()))
                    .map_err(|e| self.sql_err(&e))?;
                count += 1;
            }
        }
        self.after_dml(tokens, count);
        let row_count = (!self.nocount).then_some(count);
        out.send(Event::Done {
            kind: self.done_kind,
            row_count,
            error: false,
            more: true,
        })
    }

    /// `INSERT ... VALUES` into sql_variant columns: each value keeps its SQL Server type
    /// (`ss_variant(expr, 'type')`), as sql_variant does.
    fn tag_variant_values(&self, tokens: &[Token]) -> Option<Vec<Token>> {
        if !tokens.first()?.is("INSERT") {
            return None;
        }
        let mut k = 1;
        if tokens.get(k)?.is("INTO") {
            k += 1;
        }
        let (table, len) = translate::table_ref(tokens, k)?;
        let columns = self.table_columns(&table);
        if !columns.iter().any(|c| c.ty == SqlType::Variant) {
            return None;
        }
        let mut at = k + len;
        let targets: Vec<String> = if tokens.get(at)?.is_op("(") {
            let close = matching_paren(tokens, at)?;
            let names = translate::split_commas(&tokens[at + 1..close])
                .iter()
                .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
                .collect();
            at = close + 1;
            names
        } else {
            columns
                .iter()
                .filter(|c| !c.identity)
                .map(|c| c.name.clone())
                .collect()
        };
        if !tokens.get(at)?.is("VALUES") {
            return None;
        }
        let env = self.type_env(&[]);
        let mut out: Vec<Token> = tokens[..=at].to_vec();
        let mut i = at + 1;
        while i < tokens.len() {
            if !tokens[i].is_op("(") {
                out.push(tokens[i].clone());
                i += 1;
                continue;
            }
            let close = matching_paren(tokens, i)?;
            out.push(tokens[i].clone());
            for (n, expr) in translate::split_commas(&tokens[i + 1..close])
                .into_iter()
                .enumerate()
            {
                if n > 0 {
                    out.push(Token {
                        tok: Tok::Op(","),
                        line: 0,
                    });
                }
                let is_variant = targets
                    .get(n)
                    .and_then(|t| columns.iter().find(|c| c.name.eq_ignore_ascii_case(t)))
                    .is_some_and(|c| c.ty == SqlType::Variant);
                match infer::expr_type(&expr, &env).filter(|_| is_variant) {
                    Some((base, _)) if base != SqlType::Variant => {
                        out.push(Token {
                            tok: Tok::Word("ss_variant".into()),
                            line: 0,
                        });
                        out.push(Token {
                            tok: Tok::Op("("),
                            line: 0,
                        });
                        out.extend(expr);
                        out.push(Token {
                            tok: Tok::Op(","),
                            line: 0,
                        });
                        out.push(Token {
                            tok: Tok::Str {
                                value: decl(&base),
                                national: false,
                            },
                            line: 0,
                        });
                        out.push(Token {
                            tok: Tok::Op(")"),
                            line: 0,
                        });
                    }
                    _ => out.extend(expr),
                }
            }
            out.push(tokens[close].clone());
            i = close + 1;
        }
        Some(out)
    }

    fn exec_select_assign(
        &mut self,
        tokens: &[Token],
        select: usize,
        items: &[SelectItem],
        end: usize,
    ) -> Exec {
        // Rewrite `SELECT @a = x, @b = y FROM ...` to `SELECT x, y FROM ...`, keep the last row.
        let mut names = Vec::new();
        let mut q: Vec<Token> = tokens[..=select].to_vec();
        for (k, it) in items.iter().enumerate() {
            if k > 0 {
                q.push(Token {
                    tok: Tok::Op(","),
                    line: 0,
                });
            }
            names.push(it.alias.clone().unwrap_or_default());
            q.extend(it.expr.iter().cloned());
        }
        // Compound assignment operators are not supported here; `=` only.
        q.extend_from_slice(&tokens[end..]);
        let sql = self.translator().translate(&q)?;
        let mut last: Option<Vec<Value>> = None;
        let mut count = 0u64;
        {
            let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(&e))?;
            self.bind_vars(&mut stmt)?;
            let n = stmt.column_count();
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next().map_err(|e| self.sql_err(&e))? {
                last = Some(
                    (0..n)
                        .map(|i| row.get::<_, Value>(i).unwrap_or(Value::Null))
                        .collect(),
                );
                count += 1;
            }
        }
        if let Some(values) = last {
            for (name, v) in names.iter().zip(values) {
                let name = format!("@{}", name.to_lowercase());
                self.assign(&name, v)?;
            }
        }
        self.rowcount = count;
        Ok(())
    }

    pub(crate) fn assign(&mut self, name: &str, v: Value) -> Exec {
        let var = self.vars.get_mut(name).ok_or_else(|| {
            Stop::Error(
                SqlError::new(
                    137,
                    15,
                    format!("Must declare the scalar variable \"{name}\"."),
                )
                .aborting(),
            )
        })?;
        var.value = types::convert_storage(ValueRef::from(&v), &var.ty).map_err(SqlError::from)?;
        Ok(())
    }

    fn exec_select_into(&mut self, tokens: &[Token], into: usize) -> Exec {
        let target = tokens.get(into + 1 + translate::schema_prefix(tokens, into + 1).unwrap_or(0));
        let target = target
            .and_then(|t| t.name())
            .ok_or_else(|| syntax_near(tokens, into + 1))?
            .to_string();
        let skip = 1 + translate::schema_prefix(tokens, into + 1).unwrap_or(0) + 1;
        let query: Vec<Token> = [&tokens[..into], &tokens[into + skip..]].concat();
        let (items, _) = select_items(&query, 0);
        let sql = self.translator().translate(&query)?;
        let tables = from_tables(&query);
        let cols: Vec<(String, SqlType)> = {
            let stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(&e))?;
            let env = self.type_env(&tables);
            let aligned = (items.len() == stmt.column_count()
                && !items.iter().any(|i| i.is_star()))
            .then_some(&items);
            (0..stmt.column_count())
                .map(|i| {
                    let name = aligned.map_or_else(
                        || stmt.column_name(i).unwrap_or("").to_string(),
                        |it| it[i].column_name(),
                    );
                    let ty = self
                        .origin_type(&stmt, i)
                        .map(|t| t.0)
                        .or_else(|| {
                            aligned
                                .and_then(|it| infer::expr_type(&it[i].expr, &env))
                                .map(|t| t.0)
                        })
                        .unwrap_or(SqlType::NVarChar(Some(4000)));
                    (name, ty)
                })
                .collect()
        };
        let temp = if translate::is_temp_name(&target) {
            "TEMP "
        } else {
            ""
        };
        let defs: Vec<String> = cols
            .iter()
            .map(|(n, t)| format!("{} {}", quote_ident(n), decl(t)))
            .collect();
        self.exec_sqlite(&format!(
            "CREATE {temp}TABLE {} ({})",
            quote_ident(&target),
            defs.join(", ")
        ))?;
        let n = self.exec_sqlite(&format!("INSERT INTO {} {sql}", quote_ident(&target)))?;
        self.rowcount = n as u64;
        Ok(())
    }

    fn exec_create(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        let _ = out;
        let what = tokens.get(1).and_then(|t| t.keyword()).unwrap_or_default();
        match what.as_str() {
            "TABLE" => {
                let ct = translate::create_table(&self.translator(), tokens)?;
                let exists = self.table_exists(&ct.table);
                if exists {
                    return Err(Stop::Error(SqlError::new(
                        2714,
                        16,
                        format!(
                            "There is already an object named '{}' in the database.",
                            ct.table
                        ),
                    )));
                }
                self.exec_sqlite(&ct.sql)?;
                let schema = if ct.temp { "temp" } else { "main" };
                for c in &ct.columns {
                    if let Some((seed, incr)) = c.identity {
                        self.conn
                            .execute(
                                &format!("INSERT OR REPLACE INTO {schema}.__ss_identity VALUES (?1, ?2, ?3, ?4, ?5)"),
                                rusqlite::params![ct.table, c.name, decl(&c.ty), seed, incr],
                            )
                            .map_err(|e| self.sql_err(&e))?;
                        if seed != 1 {
                            let _ = self.conn.execute(
                                &format!("INSERT INTO {schema}.sqlite_sequence (name, seq) VALUES (?1, ?2)"),
                                rusqlite::params![ct.table, seed - 1],
                            );
                        }
                    }
                }
                self.conn
                    .execute(
                        &format!("DELETE FROM {schema}.__ss_constraints WHERE tbl = ?1"),
                        [&ct.table],
                    )
                    .map_err(|e| self.sql_err(&e))?;
                for c in ct.columns.iter().filter(|c| c.default.is_some()) {
                    self.conn
                        .execute(
                            &format!("INSERT INTO {schema}.__ss_constraints VALUES (?1, ?2, 'DEFAULT', ?3)"),
                            rusqlite::params![ct.table, c.name, c.default],
                        )
                        .map_err(|e| self.sql_err(&e))?;
                }
                for (name, kind, cols) in &ct.constraints {
                    self.conn
                        .execute(
                            &format!(
                                "INSERT INTO {schema}.__ss_constraints VALUES (?1, ?2, ?3, ?4)"
                            ),
                            rusqlite::params![ct.table, name, kind, cols.join(",")],
                        )
                        .map_err(|e| self.sql_err(&e))?;
                }
                Ok(())
            }
            "PROC" | "PROCEDURE" => super::procs::create_procedure(self, tokens, false),
            "OR" => super::procs::create_procedure(self, tokens, true),
            "VIEW" => {
                let sql = self.translator().translate(tokens)?;
                self.exec_sqlite(&sql).map(|_| ())
            }
            "UNIQUE" | "INDEX" | "CLUSTERED" | "NONCLUSTERED" => {
                // CREATE [UNIQUE] [NON]CLUSTERED INDEX name ON t (cols) [INCLUDE (...)] [WHERE ...]
                let mut kept: Vec<Token> = Vec::new();
                let mut i = 0;
                while i < tokens.len() {
                    let t = &tokens[i];
                    if t.is("CLUSTERED") || t.is("NONCLUSTERED") {
                        i += 1;
                        continue;
                    }
                    if t.is("INCLUDE") && tokens.get(i + 1).is_some_and(|n| n.is_op("(")) {
                        i = matching_paren(tokens, i + 1).map_or(tokens.len(), |c| c + 1);
                        continue;
                    }
                    kept.push(t.clone());
                    i += 1;
                }
                let sql = self.translator().translate(&kept)?;
                self.exec_sqlite(&sql).map(|_| ())
            }
            "SCHEMA" | "LOGIN" | "USER" | "ROLE" => Ok(()),
            _ => Err(Stop::Error(
                TransError::unsupported(&format!("CREATE {what}")).into(),
            )),
        }
    }

    pub(crate) fn table_exists(&self, name: &str) -> bool {
        let schema = if translate::is_temp_name(name) {
            "temp"
        } else {
            "main"
        };
        let sql = format!(
            "SELECT 1 FROM {schema}.sqlite_schema WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.exists([name]))
            .unwrap_or(false)
    }

    fn exec_drop(&mut self, tokens: &[Token]) -> Exec {
        let what = tokens.get(1).and_then(|t| t.keyword()).unwrap_or_default();
        let mut i = 2;
        let if_exists = tokens.get(2).is_some_and(|t| t.is("IF"))
            && tokens.get(3).is_some_and(|t| t.is("EXISTS"));
        if if_exists {
            i = 4;
        }
        let names: Vec<Vec<Token>> = translate::split_commas(tokens.get(i..).unwrap_or_default());
        if names.is_empty() || names.iter().any(|n| n.is_empty()) {
            return Err(syntax_near(tokens, tokens.len()));
        }
        for n in names {
            let skip = translate::schema_prefix(&n, 0).unwrap_or(0);
            let name = n
                .get(skip)
                .and_then(|t| t.name())
                .ok_or_else(|| syntax_near(tokens, i))?
                .to_string();
            match what.as_str() {
                "TABLE" | "VIEW" => {
                    let kind = if what == "TABLE" { "table" } else { "view" };
                    if !self.table_exists(&name) {
                        if if_exists {
                            continue;
                        }
                        return Err(Stop::Error(SqlError::new(
                            3701,
                            11,
                            format!(
                                "Cannot drop the {kind} '{name}', because it does not exist or you do not have permission."
                            ),
                        )));
                    }
                    self.exec_sqlite(&format!("DROP {} {}", what, quote_ident(&name)))?;
                    let schema = if translate::is_temp_name(&name) {
                        "temp"
                    } else {
                        "main"
                    };
                    for t in ["__ss_identity", "__ss_constraints"] {
                        let _ = self
                            .conn
                            .execute(&format!("DELETE FROM {schema}.{t} WHERE tbl = ?1"), [&name]);
                    }
                }
                "PROC" | "PROCEDURE" => {
                    let n = self
                        .conn
                        .execute("DELETE FROM __ss_procs WHERE name = ?1", [&name])
                        .map_err(|e| self.sql_err(&e))?;
                    if n == 0 && !if_exists {
                        return Err(Stop::Error(SqlError::new(
                            3701,
                            11,
                            format!(
                                "Cannot drop the procedure '{name}', because it does not exist or you do not have permission."
                            ),
                        )));
                    }
                }
                "INDEX" => {
                    let sql = format!(
                        "DROP INDEX {}{}",
                        if if_exists { "IF EXISTS " } else { "" },
                        quote_ident(&name)
                    );
                    self.exec_sqlite(&sql)?;
                }
                "SCHEMA" | "LOGIN" | "USER" | "ROLE" => {}
                _ => {
                    return Err(Stop::Error(
                        TransError::unsupported(&format!("DROP {what}")).into(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn exec_alter(&mut self, tokens: &[Token]) -> Exec {
        if tokens
            .get(1)
            .is_some_and(|t| t.is("PROC") || t.is("PROCEDURE"))
        {
            return super::procs::create_procedure(self, tokens, true);
        }
        if !tokens.get(1).is_some_and(|t| t.is("TABLE")) {
            // ALTER DATABASE / ALTER ... SET options are accepted and ignored.
            return Ok(());
        }
        let name = table_name_at(tokens, 2).ok_or_else(|| syntax_near(tokens, 2))?;
        let after = 3 + translate::schema_prefix(tokens, 2).unwrap_or(0);
        let verb = tokens
            .get(after)
            .and_then(|t| t.keyword())
            .unwrap_or_default();
        match verb.as_str() {
            "ADD" => {
                let defs = translate::split_commas(&tokens[after + 1..]);
                for d in defs {
                    if d.first().is_some_and(|t| {
                        t.is("CONSTRAINT")
                            || t.is("PRIMARY")
                            || t.is("FOREIGN")
                            || t.is("UNIQUE")
                            || t.is("CHECK")
                    }) {
                        // SQLite cannot add constraints to an existing table; accepted without effect.
                        continue;
                    }
                    let fake: Vec<Token> = tokenize("CREATE TABLE x (")
                        .unwrap()
                        .into_iter()
                        .chain(d)
                        .chain(tokenize(")").unwrap())
                        .collect();
                    let ct = translate::create_table(&self.translator(), &fake)?;
                    let col_sql = ct
                        .sql
                        .trim_start_matches("CREATE TABLE \"x\" (")
                        .trim_end_matches(')')
                        .to_string();
                    self.exec_sqlite(&format!(
                        "ALTER TABLE {} ADD COLUMN {col_sql}",
                        quote_ident(&name)
                    ))?;
                }
                Ok(())
            }
            "DROP" => {
                let mut i = after + 1;
                if tokens.get(i).is_some_and(|t| t.is("COLUMN")) {
                    i += 1;
                } else {
                    return Ok(()); // DROP CONSTRAINT: SQLite cannot; accepted.
                }
                for c in translate::split_commas(&tokens[i..]) {
                    let col = c
                        .first()
                        .and_then(|t| t.name())
                        .ok_or_else(|| syntax_near(tokens, i))?
                        .to_string();
                    self.exec_sqlite(&format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        quote_ident(&name),
                        quote_ident(&col)
                    ))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn exec_declare(&mut self, tokens: &[Token]) -> Exec {
        for part in translate::split_commas(&tokens[1..]) {
            let Some(Tok::Var(name)) = part.first().map(|t| &t.tok) else {
                return Err(syntax_near(&part, 0));
            };
            let mut p = 1;
            if part.get(p).is_some_and(|t| t.is("AS")) {
                p += 1;
            }
            if part.get(p).is_some_and(|t| t.is("TABLE")) {
                // DECLARE @t TABLE (...): a TEMP table named @t, dropped when the batch ends.
                let mut create = tokenize("CREATE TABLE").unwrap_or_default();
                create.push(Token {
                    tok: Tok::Quoted(name.clone()),
                    line: part[0].line,
                });
                create.extend_from_slice(&tokens_after_table(tokens, name));
                let _ = self
                    .conn
                    .execute_batch(&format!("DROP TABLE IF EXISTS temp.{}", quote_ident(name)));
                self.exec_create(&create, &mut Out::new(&mut NullSink))?;
                self.table_vars.push(name.clone());
                return Ok(());
            }
            if part.get(p).is_some_and(|t| t.is("CURSOR")) {
                return Err(Stop::Error(TransError::unsupported("cursors").into()));
            }
            let ty = parse_type(&part, &mut p, false).map_err(|_| syntax_near(&part, p))?;
            let mut value = Value::Null;
            if part.get(p).is_some_and(|t| t.is_op("=")) {
                let (v, _) = self.eval(&part[p + 1..])?;
                value = types::convert_storage(ValueRef::from(&v), &ty).map_err(SqlError::from)?;
            } else if p != part.len() {
                return Err(syntax_near(&part, p));
            }
            self.vars.insert(name.clone(), Var { ty, value });
        }
        Ok(())
    }

    fn exec_set(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        let Some(second) = tokens.get(1) else {
            return Err(syntax_near(tokens, 0));
        };
        if let Tok::Var(name) = &second.tok {
            let op = tokens.get(2).ok_or_else(|| syntax_near(tokens, 1))?;
            let expr = &tokens[3..];
            let v = match &op.tok {
                Tok::Op("=") => self.eval(expr)?.0,
                Tok::Op(o @ ("+=" | "-=" | "*=" | "/=")) => {
                    let mut e = vec![
                        second.clone(),
                        Token {
                            tok: Tok::Op(&o[..1]),
                            line: 0,
                        },
                        Token {
                            tok: Tok::Op("("),
                            line: 0,
                        },
                    ];
                    e.extend_from_slice(expr);
                    e.push(Token {
                        tok: Tok::Op(")"),
                        line: 0,
                    });
                    let e: Vec<Token> = e
                        .into_iter()
                        .map(|t| match t.tok {
                            Tok::Op(o) => Token {
                                tok: Tok::Op(leak_op(o)),
                                line: t.line,
                            },
                            _ => t,
                        })
                        .collect();
                    self.eval(&e)?.0
                }
                _ => return Err(syntax_near(tokens, 2)),
            };
            self.rowcount = 1;
            return self.assign(name, v);
        }
        let option = second.keyword().unwrap_or_default();
        let on = tokens.last().is_some_and(|t| t.is("ON"));
        match option.as_str() {
            "NOCOUNT" => self.nocount = on,
            "LOCK_TIMEOUT" => {
                let (v, _) = self.eval(&tokens[2..])?;
                let ms = match v {
                    Value::Integer(i) => i,
                    _ => -1,
                };
                self.lock_timeout_ms = ms;
                let bound = if ms < 0 {
                    DEFAULT_LOCK_TIMEOUT_MS
                } else {
                    ms as u64
                };
                self.conn
                    .busy_timeout(Duration::from_millis(bound))
                    .map_err(|e| self.sql_err(&e))?;
            }
            "TRANSACTION" => {}
            "IMPLICIT_TRANSACTIONS" => self.implicit_transactions = on,
            "IDENTITY_INSERT"
            | "XACT_ABORT"
            | "ANSI_NULLS"
            | "QUOTED_IDENTIFIER"
            | "ANSI_WARNINGS"
            | "ANSI_PADDING"
            | "ANSI_NULL_DFLT_ON"
            | "ARITHABORT"
            | "CONCAT_NULL_YIELDS_NULL"
            | "NUMERIC_ROUNDABORT"
            | "TEXTSIZE"
            | "DATEFORMAT"
            | "DATEFIRST"
            | "CURSOR_CLOSE_ON_COMMIT"
            | "STATISTICS"
            | "SHOWPLAN_ALL"
            | "SHOWPLAN_XML"
            | "FMTONLY"
            | "NOEXEC"
            | "DEADLOCK_PRIORITY"
            | "ROWCOUNT"
            | "LANGUAGE"
            | "CONTEXT_INFO"
            | "ANSI_DEFAULTS"
            | "QUERY_GOVERNOR_COST_LIMIT"
            | "PARSEONLY"
            | "FORCEPLAN"
            | "ANSI_NULL_DFLT_OFF"
            | "ARITHIGNORE"
            | "FIPS_FLAGGER"
            | "NO_BROWSETABLE"
            | "REMOTE_PROC_TRANSACTIONS"
            | "OFFSETS"
            | "SHOWPLAN_TEXT"
            | "RESULT_SET_CACHING" => {
                if option == "LANGUAGE" {
                    let lang = tokens.get(2).map(|t| t.to_string()).unwrap_or_default();
                    out.send(Event::EnvChange(EnvChange::Language {
                        new: lang,
                        old: "us_english".into(),
                    }))?;
                }
            }
            _ => {
                let text = format!("'{}' is not a recognized SET option.", second);
                return Err(Stop::Error(SqlError::new(195, 15, text).aborting()));
            }
        }
        Ok(())
    }

    fn exec_raiserror(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        let open = 1;
        if !tokens.get(open).is_some_and(|t| t.is_op("(")) {
            return Err(syntax_near(tokens, 1));
        }
        let close =
            matching_paren(tokens, open).ok_or_else(|| syntax_near(tokens, tokens.len() - 1))?;
        let args = translate::split_commas(&tokens[open + 1..close]);
        if args.len() < 3 {
            return Err(syntax_near(tokens, close));
        }
        let (msg, _) = self.eval(&args[0])?;
        let sev = match self.eval(&args[1])?.0 {
            Value::Integer(i) => i,
            _ => 16,
        };
        let state = match self.eval(&args[2])?.0 {
            Value::Integer(i) => i.clamp(0, 255) as u8,
            _ => 1,
        };
        let mut subst = Vec::new();
        for a in &args[3..] {
            subst.push(self.eval(a)?.0);
        }
        let (number, text) = match msg {
            Value::Integer(n) => (n as i32, format!("Error {n}")),
            v => (50000, format_message(&value_text(&v), &subst)),
        };
        if sev <= 10 {
            return out.send(Event::Message {
                number,
                state,
                class: 0,
                text,
                procedure: self.proc_name.clone(),
                line: tokens[0].line,
            });
        }
        let mut e = SqlError::new(number, sev.min(25) as u8, text);
        e.state = state;
        e.line = tokens[0].line;
        Err(Stop::Error(e))
    }

    fn exec_throw(&mut self, tokens: &[Token]) -> Exec {
        if tokens.len() == 1 {
            let e = self.caught.clone().ok_or_else(|| {
                Stop::Error(SqlError::new(10704, 15, "To rethrow an error, a THROW statement must be used inside a CATCH block. Insert the THROW statement inside a CATCH block, or add error parameters to the THROW statement."))
            })?;
            return Err(Stop::Error(SqlError {
                abort_batch: true,
                ..e
            }));
        }
        let args = translate::split_commas(&tokens[1..]);
        if args.len() != 3 {
            return Err(syntax_near(tokens, tokens.len() - 1));
        }
        let number = match self.eval(&args[0])?.0 {
            Value::Integer(i) => i as i32,
            _ => 50000,
        };
        let text = value_text(&self.eval(&args[1])?.0);
        let state = match self.eval(&args[2])?.0 {
            Value::Integer(i) => i.clamp(0, 255) as u8,
            _ => 1,
        };
        Err(Stop::Error(SqlError {
            number,
            state,
            class: 16,
            text,
            line: tokens[0].line,
            abort_batch: true,
        }))
    }

    // -----------------------------------------------------------------------------------------
    // Transactions.

    fn exec_transaction_stmt(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        let kw = tokens[0].keyword().unwrap_or_default();
        // Optional TRAN/TRANSACTION/WORK then an optional name.
        let mut i = 1;
        if tokens.get(i).is_some_and(|t| t.is("DISTRIBUTED")) {
            i += 1;
        }
        if tokens
            .get(i)
            .is_some_and(|t| t.is("TRAN") || t.is("TRANSACTION") || t.is("WORK"))
        {
            i += 1;
        } else if kw == "BEGIN" || kw == "SAVE" {
            return Err(syntax_near(tokens, i));
        }
        let name = tokens.get(i).and_then(|t| match &t.tok {
            Tok::Word(w) | Tok::Quoted(w) => Some(w.clone()),
            Tok::Var(_) => None,
            _ => None,
        });
        match kw.as_str() {
            "BEGIN" => self.begin_tran(out),
            "COMMIT" => self.commit_tran(out),
            "ROLLBACK" => self.rollback_tran(name.as_deref(), out),
            _ => self.save_tran(name.as_deref().unwrap_or("")),
        }
    }

    /// Takes SQLite's write lock for the T-SQL transaction (waiting up to the lock timeout).
    fn open_sqlite_txn(&mut self) -> Exec {
        self.exec_sqlite("BEGIN IMMEDIATE")?;
        self.sqlite_txn = true;
        Ok(())
    }

    /// Ends SQLite's transaction, if the T-SQL one had opened it.
    fn end_sqlite_txn(&mut self, commit: bool) -> Exec {
        if std::mem::take(&mut self.sqlite_txn) {
            if commit {
                if let Err(e) = self.conn.execute_batch("COMMIT") {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(self.sql_err(&e));
                }
            } else {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
        Ok(())
    }

    pub(crate) fn begin_tran(&mut self, out: &mut Out) -> Exec {
        if self.trancount == 0 {
            self.descriptor = self.next_descriptor;
            self.next_descriptor += 1;
            out.send(Event::EnvChange(EnvChange::BeginTransaction(
                self.descriptor,
            )))?;
        }
        self.trancount += 1;
        Ok(())
    }

    pub(crate) fn commit_tran(&mut self, out: &mut Out) -> Exec {
        if self.trancount == 0 {
            return Err(Stop::Error(SqlError::new(
                3902,
                16,
                "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )));
        }
        if self.trancount == 1 {
            let r = self.end_sqlite_txn(true);
            let d = std::mem::take(&mut self.descriptor);
            self.trancount = 0;
            out.send(Event::EnvChange(EnvChange::CommitTransaction(d)))?;
            return r;
        }
        self.trancount -= 1;
        Ok(())
    }

    pub(crate) fn rollback_tran(&mut self, savepoint: Option<&str>, out: &mut Out) -> Exec {
        if self.trancount == 0 {
            return Err(Stop::Error(SqlError::new(
                3903,
                16,
                "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            )));
        }
        if let Some(sp) = savepoint {
            let sql = format!("ROLLBACK TO {}", quote_ident(sp));
            if self.sqlite_txn && self.conn.execute_batch(&sql).is_ok() {
                return Ok(());
            }
        }
        self.end_sqlite_txn(false)?;
        let d = std::mem::take(&mut self.descriptor);
        self.trancount = 0;
        out.send(Event::EnvChange(EnvChange::RollbackTransaction(d)))
    }

    pub(crate) fn save_tran(&mut self, name: &str) -> Exec {
        if self.trancount == 0 {
            return Err(Stop::Error(SqlError::new(
                628,
                16,
                "Cannot issue SAVE TRANSACTION when there is no active transaction.",
            )));
        }
        if !self.sqlite_txn {
            self.open_sqlite_txn()?;
        }
        self.exec_sqlite(&format!("SAVEPOINT {}", quote_ident(name)))
            .map(|_| ())
    }

    fn use_database(&mut self, name: &str, out: &mut Out) -> Exec {
        let Some((display, path)) = self.dbs.find(name).cloned() else {
            return Err(Stop::Error(SqlError::new(
                911,
                16,
                format!(
                    "Database '{name}' does not exist. Make sure that the name is entered correctly."
                ),
            )));
        };
        if display != self.db {
            // A transaction that has written holds its SQLite connection; one that has only
            // read (or not started) moves along.
            if self.sqlite_txn {
                return Err(Stop::Error(
                    TransError::unsupported("USE after writes inside a transaction").into(),
                ));
            }
            let bound = if self.lock_timeout_ms < 0 {
                DEFAULT_LOCK_TIMEOUT_MS as i64
            } else {
                self.lock_timeout_ms
            };
            let id = identity(&self.dbs, &display, &self.info, &self.connection);
            self.conn = open_connection(&path, &id, bound).map_err(|e| self.sql_err(&e))?;
        }
        let old = std::mem::replace(&mut self.db, display.clone());
        out.send(Event::EnvChange(EnvChange::Database {
            new: display.clone(),
            old,
        }))?;
        out.send(Event::Message {
            number: 5701,
            state: 1,
            class: 0,
            text: format!("Changed database context to '{display}'."),
            procedure: String::new(),
            line: 1,
        })
    }

    fn exec_waitfor(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        if !tokens.get(1).is_some_and(|t| t.is("DELAY")) {
            return Err(Stop::Error(TransError::unsupported("WAITFOR TIME").into()));
        }
        let (v, _) = self.eval(&tokens[2..])?;
        let text = value_text(&v);
        let p = types::parse_datetime(&text)
            .and_then(|p| p.ticks)
            .ok_or_else(|| {
                Stop::Error(SqlError::new(
                    148,
                    15,
                    "Incorrect time syntax in time string used with WAITFOR.",
                ))
            })?;
        let deadline = std::time::Instant::now() + Duration::from_nanos(p * 100);
        loop {
            out.check_cancel()?;
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(());
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }

    fn exec_exec(&mut self, tokens: &[Token], out: &mut Out) -> Exec {
        super::procs::exec_statement(self, tokens, out)
    }
}

fn leak_op(o: &str) -> &'static str {
    match o {
        "+" => "+",
        "-" => "-",
        "*" => "*",
        "/" => "/",
        "(" => "(",
        ")" => ")",
        _ => "+",
    }
}

/// The statements that open a transaction under SET IMPLICIT_TRANSACTIONS ON (a SELECT only
/// when it reads a table; BEGIN TRAN then nests, giving @@TRANCOUNT 2).
fn begins_implicit_transaction(tokens: &[Token]) -> bool {
    let kw = tokens[0].keyword().unwrap_or_default();
    match kw.as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "CREATE" | "ALTER" | "DROP" | "TRUNCATE"
        | "GRANT" | "REVOKE" | "OPEN" | "FETCH" => true,
        "SELECT" | "WITH" => tokens.iter().any(|t| t.is("FROM")),
        "BEGIN" => tokens
            .get(1)
            .is_some_and(|t| t.is("TRAN") || t.is("TRANSACTION")),
        _ => false,
    }
}

/// Whether a statement writes (and so needs the transaction's write lock).
fn writes(tokens: &[Token]) -> bool {
    let kw = tokens[0].keyword().unwrap_or_default();
    match kw.as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => true,
        "SELECT" | "WITH" => {
            let mut depth = 0;
            tokens.iter().any(|t| {
                if t.is_op("(") {
                    depth += 1;
                } else if t.is_op(")") {
                    depth -= 1;
                }
                depth == 0 && (t.is("INTO") || t.is("INSERT") || t.is("UPDATE") || t.is("DELETE"))
            })
        }
        _ => false,
    }
}

/// Deeper nesting (parentheses, BEGIN/CASE/IF) than this is error 191: the engine recurses
/// on it and must not exhaust its stack.
const MAX_NESTING: usize = 256;

fn nesting_depth(tokens: &[Token]) -> usize {
    let (mut depth, mut max, mut conditions) = (0usize, 0usize, 0usize);
    for t in tokens {
        if t.is_op("(") || t.is("BEGIN") || t.is("CASE") {
            depth += 1;
            max = max.max(depth + conditions);
        } else if (t.is_op(")") || t.is("END")) && depth > 0 {
            depth -= 1;
        } else if t.is("IF") || t.is("WHILE") {
            // Conditions nest without closing tokens; counting them all is a safe upper bound.
            conditions += 1;
            max = max.max(depth + conditions);
        }
    }
    max
}

/// The statement's own SELECT: the first at the top level (after any CTEs).
fn main_select(tokens: &[Token]) -> usize {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
        } else if depth == 0 && t.is("SELECT") {
            return i;
        }
    }
    0
}

/// `SELECT @v = ...` assigns instead of returning rows.
fn is_assignment(tokens: &[Token], select: usize) -> bool {
    let mut i = select + 1;
    if tokens.get(i).is_some_and(|t| t.is("TOP")) {
        i += 2;
    }
    matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::Var(_)))
        && tokens.get(i + 1).is_some_and(|t| t.is_op("="))
}

/// The line of the token a syntax error message ("Incorrect syntax near 'x'.") names, when
/// one token of the statement reads so.
fn near_line(tokens: &[Token], message: &str) -> Option<i32> {
    let near = message
        .strip_prefix("Incorrect syntax near the keyword '")
        .or_else(|| message.strip_prefix("Incorrect syntax near '"))?
        .strip_suffix("'.")?;
    let mut lines = tokens
        .iter()
        .filter(|t| t.to_string().eq_ignore_ascii_case(near))
        .map(|t| t.line);
    let first = lines.next()?;
    // Several tokens read the same: the message does not tell which.
    lines.all(|l| l == first).then_some(first)
}

pub(crate) fn syntax_error(e: &SyntaxError) -> SqlError {
    let tok = tokenize(&e.near).ok().and_then(|t| t.into_iter().next());
    let mut err: SqlError = match tok {
        Some(t) => TransError::syntax(&t).into(),
        None => SqlError::new(102, 15, "Incorrect syntax near the end of the batch."),
    };
    err.line = e.line;
    err.abort_batch = true;
    err
}

pub(crate) fn syntax_near(tokens: &[Token], i: usize) -> Stop {
    let e = match tokens.get(i).or(tokens.last()) {
        Some(t) => TransError::syntax(t),
        None => TransError::syntax_at_end(),
    };
    let mut e: SqlError = e.into();
    e.abort_batch = true;
    Stop::Error(e)
}

fn table_name_at(tokens: &[Token], i: usize) -> Option<String> {
    translate::table_ref(tokens, i).map(|(name, _)| name)
}

/// The table an INSERT/UPDATE/DELETE writes.
fn dml_target(tokens: &[Token]) -> Option<String> {
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is("TOP")) {
        i += 2;
    }
    if tokens.get(i).is_some_and(|t| t.is("INTO") || t.is("FROM")) {
        i += 1;
    }
    table_name_at(tokens, i)
}

/// A table a statement reads or writes, for typing column references.
#[derive(Debug, Clone)]
pub(crate) struct TableRef {
    pub name: String,
    pub alias: Option<String>,
    /// A derived table, VALUES list or CTE: its columns' expressions and their own tables.
    pub derived: Option<Derived>,
    pub cte: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub columns: Vec<(String, Vec<Token>)>,
    pub tables: Vec<TableRef>,
}

fn alias_at(tokens: &[Token], mut k: usize) -> (Option<String>, usize) {
    if tokens.get(k).is_some_and(|t| t.is("AS")) {
        k += 1;
    }
    let alias = tokens.get(k).and_then(|t| match &t.tok {
        Tok::Word(w) if !translate::is_reserved(w) && !t.is("WITH") => Some(w.clone()),
        Tok::Quoted(w) => Some(w.clone()),
        _ => None,
    });
    let next = if alias.is_some() { k + 1 } else { k };
    (alias, next)
}

/// `(names)` at `tokens[k]`, if present.
fn name_list(tokens: &[Token], k: usize) -> Option<(Vec<String>, usize)> {
    if !tokens.get(k)?.is_op("(") {
        return None;
    }
    let close = matching_paren(tokens, k)?;
    let names = translate::split_commas(&tokens[k + 1..close])
        .iter()
        .filter_map(|c| c.first().and_then(|t| t.name()).map(str::to_string))
        .collect();
    Some((names, close + 1))
}

/// The columns of `( SELECT ... )` or `( VALUES (...), ... )` body tokens.
fn derived_of(inner: &[Token], names: Option<Vec<String>>) -> Derived {
    let mut columns: Vec<(String, Vec<Token>)> = if inner.first().is_some_and(|t| t.is("VALUES")) {
        let row = inner
            .get(1)
            .filter(|t| t.is_op("("))
            .and_then(|_| matching_paren(inner, 1));
        row.map(|close| {
            translate::split_commas(&inner[2..close])
                .into_iter()
                .map(|e| (String::new(), e))
                .collect()
        })
        .unwrap_or_default()
    } else {
        let (items, _) = select_items(inner, main_select(inner));
        items
            .into_iter()
            .map(|i| (i.column_name(), i.expr))
            .collect()
    };
    if let Some(names) = names {
        for (c, n) in columns.iter_mut().zip(names) {
            c.0 = n;
        }
    }
    Derived {
        columns,
        tables: from_tables(inner),
    }
}

/// Tables (with aliases) named after FROM/JOIN/INTO/UPDATE, and the statement's CTEs.
pub(crate) fn from_tables(tokens: &[Token]) -> Vec<TableRef> {
    let mut out = Vec::new();
    // WITH name [(cols)] AS (query) [, ...]
    if tokens.first().is_some_and(|t| t.is("WITH")) {
        let mut k = 1;
        while let Some(name) = tokens.get(k).and_then(|t| t.name()).map(str::to_string) {
            let (names, after) =
                name_list(tokens, k + 1).map_or((None, k + 1), |(n, a)| (Some(n), a));
            if !tokens.get(after).is_some_and(|t| t.is("AS")) {
                break;
            }
            let Some(close) = tokens
                .get(after + 1)
                .filter(|t| t.is_op("("))
                .and_then(|_| matching_paren(tokens, after + 1))
            else {
                break;
            };
            out.push(TableRef {
                name,
                alias: None,
                derived: Some(derived_of(&tokens[after + 2..close], names)),
                cte: true,
            });
            if !tokens.get(close + 1).is_some_and(|t| t.is_op(",")) {
                break;
            }
            k = close + 2;
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        let introduces = t.is("FROM")
            || t.is("JOIN")
            || t.is("INTO")
            || (t.is("UPDATE") && i == 0)
            || (i == 0 && t.is("DELETE"));
        if !introduces {
            continue;
        }
        let j = i + 1;
        if tokens.get(j).is_some_and(|t| t.is_op("(")) {
            let Some(close) = matching_paren(tokens, j) else {
                continue;
            };
            let (alias, after) = alias_at(tokens, close + 1);
            let names = name_list(tokens, after).map(|(n, _)| n);
            let name = alias.clone().unwrap_or_default();
            out.push(TableRef {
                name,
                alias,
                derived: Some(derived_of(&tokens[j + 1..close], names)),
                cte: false,
            });
        } else if let Some((name, len)) = translate::table_ref(tokens, j) {
            let (alias, _) = alias_at(tokens, j + len);
            out.push(TableRef {
                name,
                alias,
                derived: None,
                cte: false,
            });
        }
    }
    out
}

/// The OUTPUT clause items of a DML statement, as select items.
fn output_items(tokens: &[Token]) -> Option<Vec<SelectItem>> {
    let start = tokens.iter().position(|t| t.is("OUTPUT"))?;
    let mut toks: Vec<Token> = vec![Token {
        tok: Tok::Word("SELECT".into()),
        line: 0,
    }];
    let mut i = start + 1;
    let mut depth = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_op("(") {
            depth += 1;
        } else if t.is_op(")") {
            depth -= 1;
        } else if depth == 0
            && ["VALUES", "SELECT", "DEFAULT", "FROM", "WHERE", "INTO"]
                .iter()
                .any(|k| t.is(k))
        {
            break;
        }
        if (t.is("INSERTED") || t.is("DELETED")) && tokens.get(i + 1).is_some_and(|n| n.is_op("."))
        {
            i += 2;
            continue;
        }
        toks.push(t.clone());
        i += 1;
    }
    Some(select_items(&toks, 0).0)
}

/// A type wide enough for every value of an untyped result column.
fn type_of_values<'a>(values: impl Iterator<Item = &'a Value>) -> SqlType {
    let mut ty: Option<SqlType> = None;
    let mut max_len = 1usize;
    for v in values {
        let t = match v {
            Value::Null => continue,
            Value::Integer(i) => {
                if i32::try_from(*i).is_ok() {
                    SqlType::Int
                } else {
                    SqlType::BigInt
                }
            }
            Value::Real(_) => SqlType::Float,
            Value::Text(s) => {
                max_len = max_len.max(s.chars().count());
                SqlType::NVarChar(Some(1))
            }
            Value::Blob(b) => {
                max_len = max_len.max(b.len());
                SqlType::VarBinary(Some(1))
            }
        };
        ty = Some(match (ty, t) {
            (None, t) => t,
            (Some(SqlType::Int), SqlType::BigInt) => SqlType::BigInt,
            (Some(SqlType::Int | SqlType::BigInt), SqlType::Float) => SqlType::Float,
            (Some(SqlType::Float), SqlType::Int | SqlType::BigInt) => SqlType::Float,
            (Some(a), b) if a == b => a,
            (Some(SqlType::BigInt), SqlType::Int) => SqlType::BigInt,
            _ => SqlType::NVarChar(Some(1)),
        });
    }
    match ty.unwrap_or(SqlType::Int) {
        SqlType::NVarChar(_) => {
            if max_len > 4000 {
                SqlType::NVarChar(None)
            } else {
                SqlType::NVarChar(Some(max_len.max(1) as u16))
            }
        }
        SqlType::VarBinary(_) => {
            if max_len > 8000 {
                SqlType::VarBinary(None)
            } else {
                SqlType::VarBinary(Some(max_len.max(1) as u16))
            }
        }
        t => t,
    }
}

pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => types::format_float(*f),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// RAISERROR's printf-style substitution (%s, %d, %i, %u, %x, %%).
fn format_message(msg: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags/width.
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_digit() || n == '-' || n == '.' || n == '#' || n == ' ' || n == '+' {
                spec.push(n);
                chars.next();
            } else {
                break;
            }
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'i' | 'u' | 'x' | 'X' | 'o') => {
                if let Some(a) = args.next() {
                    out.push_str(&value_text(a));
                } else {
                    out.push_str("(null)");
                }
            }
            Some(o) => {
                out.push('%');
                out.push_str(&spec);
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Column and variable types for inference.
pub(crate) struct SessionTypes<'s> {
    session: &'s Session,
    tables: &'s [TableRef],
}

impl TypeEnv for SessionTypes<'_> {
    fn var_type(&self, name: &str) -> Option<SqlType> {
        self.session.vars.get(name).map(|v| v.ty.clone())
    }

    fn column_type(&self, qualifier: Option<&str>, name: &str) -> Option<(SqlType, bool)> {
        for t in self.tables.iter().filter(|t| !t.cte) {
            if let Some(q) = qualifier
                && !(q.eq_ignore_ascii_case(&t.name)
                    || t.alias
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(q)))
            {
                continue;
            }
            // A derived table, or a CTE by that name: the type of the column's expression.
            let derived = t.derived.as_ref().or_else(|| {
                self.tables
                    .iter()
                    .find(|c| c.cte && c.name.eq_ignore_ascii_case(&t.name))
                    .and_then(|c| c.derived.as_ref())
            });
            if let Some(d) = derived {
                if let Some((_, expr)) =
                    d.columns.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    return infer::expr_type(
                        expr,
                        &SessionTypes {
                            session: self.session,
                            tables: &d.tables,
                        },
                    );
                }
                continue;
            }
            if let Some(c) = self.session.table_column(&t.name, name) {
                let catalog_view =
                    t.name.starts_with("sys.") || t.name.starts_with("INFORMATION_SCHEMA.");
                return (catalog_view || c.0 != SqlType::Variant).then_some(c);
            }
        }
        None
    }
}

impl Session {
    /// Declared type and nullability of `table.column`.
    pub(crate) fn table_column(&self, table: &str, column: &str) -> Option<(SqlType, bool)> {
        self.table_columns(table)
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(column))
            .map(|c| (c.ty, c.nullable))
    }

    /// The columns of a table as SQL Server would describe them.
    pub(crate) fn table_columns(&self, table: &str) -> Vec<Column> {
        if let Some(cols) = super::sysviews::view_columns(table) {
            return cols
                .into_iter()
                .map(|(name, ty)| Column {
                    name,
                    ty,
                    nullable: true,
                    identity: false,
                })
                .collect();
        }
        let schema = if translate::is_temp_name(table) {
            "temp"
        } else {
            "main"
        };
        let sql =
            format!("SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?1, '{schema}')");
        let Ok(mut st) = self.conn.prepare_cached(&sql) else {
            return Vec::new();
        };
        let rows = st.query_map([table], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
            ))
        });
        let Ok(rows) = rows else { return Vec::new() };
        let rows: Vec<_> = rows.flatten().collect();
        let pk_count = rows.iter().filter(|r| r.3 > 0).count();
        rows.into_iter()
            .map(|(name, decl_type, not_null, pk)| {
                if decl_type == "INTEGER" && pk > 0 && pk_count == 1 {
                    let ty = self
                        .identity_type(schema, table, &name)
                        .unwrap_or(SqlType::BigInt);
                    Column {
                        name,
                        ty,
                        nullable: false,
                        identity: true,
                    }
                } else {
                    // Computed columns declare no type: sql_variant stands for "from the values".
                    let ty = translate::column_type(&decl_type).unwrap_or(SqlType::Variant);
                    Column {
                        name,
                        ty,
                        nullable: !not_null && pk == 0,
                        identity: false,
                    }
                }
            })
            .collect()
    }
}

/// Keeps the rows and messages of statements run for INSERT ... EXEC.
#[derive(Default)]
struct Capture {
    rows: Vec<Vec<SqlValue>>,
    messages: Vec<Event>,
}

impl EventSink for Capture {
    fn send(&mut self, event: Event) -> ControlFlow<()> {
        match event {
            Event::Row(r) => self.rows.push(r),
            m @ Event::Message { .. } => self.messages.push(m),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Discards events (for statements run internally).
struct NullSink;

impl EventSink for NullSink {
    fn send(&mut self, _: Event) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// `DECLARE @t TABLE (...)`: the tokens from the column list on.
fn tokens_after_table(tokens: &[Token], name: &str) -> Vec<Token> {
    let at = tokens
        .iter()
        .position(|t| matches!(&t.tok, Tok::Var(v) if v == name))
        .unwrap_or(0);
    let table = tokens[at..]
        .iter()
        .position(|t| t.is("TABLE"))
        .map_or(tokens.len(), |k| at + k + 1);
    tokens[table..].to_vec()
}

impl translate::Env for Session {
    fn is_table_variable(&self, name: &str) -> bool {
        self.table_vars.iter().any(|t| t == name)
    }

    fn expr_type(&self, expr: &[Token], statement: &[Token]) -> Option<SqlType> {
        let tables = from_tables(statement);
        infer::expr_type(expr, &self.type_env(&tables)).map(|t| t.0)
    }

    fn is_string(&self, expr: &[Token], statement: &[Token]) -> bool {
        let tables = from_tables(statement);
        matches!(
            infer::expr_type(expr, &self.type_env(&tables)).map(|t| t.0),
            Some(
                SqlType::Char(_)
                    | SqlType::VarChar(_)
                    | SqlType::NChar(_)
                    | SqlType::NVarChar(_)
                    | SqlType::Text
                    | SqlType::NText
            )
        )
    }

    fn sysvar(&self, name: &str) -> Option<String> {
        let num = |n: i64| Some(n.to_string());
        match name {
            "VERSION" => Some(quote_str(VERSION)),
            "SPID" => num(self.info.spid as i64),
            "TRANCOUNT" => num(self.trancount as i64),
            "ROWCOUNT" => num(self.rowcount as i64),
            "IDENTITY" => Some(self.identity.map_or("NULL".into(), |i| i.to_string())),
            "ERROR" => num(self.last_error as i64),
            "SERVERNAME" | "SERVICENAME" => Some(quote_str(if name == "SERVERNAME" {
                &self.info.server_name
            } else {
                "MSSQLSERVER"
            })),
            "LANGUAGE" => Some(quote_str("us_english")),
            "LANGID" => num(0),
            "FETCH_STATUS" => num(-1),
            "MAX_PRECISION" => num(38),
            "OPTIONS" => num(if self.nocount { 5496 } else { 4984 }),
            "TEXTSIZE" => num(2147483647),
            "LOCK_TIMEOUT" => num(self.lock_timeout_ms),
            "DATEFIRST" => num(7),
            "MICROSOFTVERSION" => num(0x1000_1000),
            "NESTLEVEL" => num(self.nest_level as i64),
            "PROCID" | "CURSOR_ROWS" => num(0),
            "DBTS" => Some("X'00000000000007D1'".into()),
            "MAX_CONNECTIONS" => num(32767),
            "PACK_RECEIVED" | "PACK_SENT" | "PACKET_ERRORS" | "CONNECTIONS" | "CPU_BUSY"
            | "IDLE" | "IO_BUSY" | "TOTAL_ERRORS" | "TOTAL_READ" | "TOTAL_WRITE" | "TIMETICKS" => {
                num(0)
            }
            _ => None,
        }
    }

    fn session_function(
        &self,
        name: &str,
        args: &[Vec<Token>],
    ) -> Option<Result<String, TransError>> {
        let lit = |s: &str| Some(Ok(quote_str(s)));
        let str_arg = |i: usize| -> Option<String> {
            match args.get(i).and_then(|a| a.first()).map(|t| &t.tok) {
                Some(Tok::Str { value, .. }) => Some(value.clone()),
                _ => None,
            }
        };
        match name {
            "DB_NAME" => {
                if args.is_empty() {
                    lit(&self.db)
                } else {
                    match args[0].first().map(|t| &t.tok) {
                        Some(Tok::Num(n)) => {
                            let id: usize = n.parse().unwrap_or(0);
                            match self.dbs.list.get(id.wrapping_sub(1)) {
                                Some((n, _)) => lit(n),
                                None => Some(Ok("NULL".into())),
                            }
                        }
                        _ => None,
                    }
                }
            }
            "DB_ID" => {
                let target = str_arg(0).unwrap_or_else(|| self.db.clone());
                let id = self
                    .dbs
                    .list
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(&target));
                Some(Ok(id.map_or("NULL".into(), |i| (i + 1).to_string())))
            }
            "SCHEMA_NAME" => lit("dbo"),
            "SCHEMA_ID" => Some(Ok("1".into())),
            "USER_NAME" | "CURRENT_USER" | "SESSION_USER" | "USER" => lit("dbo"),
            "USER_ID" => Some(Ok("1".into())),
            "SUSER_SNAME" | "SUSER_NAME" | "SYSTEM_USER" | "ORIGINAL_LOGIN" => lit(&self.info.user),
            "HOST_NAME" => lit(&self.info.host),
            "APP_NAME" => lit(&self.info.app),
            "SCOPE_IDENTITY" => Some(Ok(self
                .scope_identity
                .map_or("NULL".into(), |i| i.to_string()))),
            "IDENT_CURRENT" => {
                let t = str_arg(0)
                    .map(|s| functions::object_name_part(&s))
                    .unwrap_or_default();
                Some(Ok(format!(
                    "(SELECT seq FROM sqlite_sequence WHERE name = {} COLLATE NOCASE)",
                    quote_str(&t)
                )))
            }
            "@@SPID" => None,
            "SERVERPROPERTY" => {
                let p = str_arg(0).unwrap_or_default();
                let v = match p.to_ascii_lowercase().as_str() {
                    "productversion" => quote_str(PRODUCT_VERSION),
                    "productmajorversion" => quote_str("16"),
                    "productminorversion" => quote_str("0"),
                    "productlevel" => quote_str("RTM"),
                    "productbuild" => quote_str("4096"),
                    "edition" => quote_str("Developer Edition (64-bit)"),
                    "editionid" => "1872460670".into(),
                    "engineedition" => "3".into(),
                    "servername" | "machinename" | "computernamephysicalnetbios" => {
                        quote_str(&self.info.server_name)
                    }
                    "instancename" => "NULL".into(),
                    "collation" => quote_str("SQL_Latin1_General_CP1_CI_AS"),
                    "isclustered"
                    | "ishadrenabled"
                    | "isintegratedsecurityonly"
                    | "isfulltextinstalled"
                    | "issingleuser"
                    | "isxtpsupported"
                    | "ispolybaseinstalled" => "0".into(),
                    "processid" => std::process::id().to_string(),
                    "babelfish" if self.info.babelfish => "1".into(),
                    _ => "NULL".into(),
                };
                Some(Ok(v))
            }
            "DATABASEPROPERTYEX" => {
                let p = str_arg(1).unwrap_or_default().to_ascii_lowercase();
                Some(Ok(match p.as_str() {
                    "collation" => quote_str("SQL_Latin1_General_CP1_CI_AS"),
                    "status" => quote_str("ONLINE"),
                    "updateability" => quote_str("READ_WRITE"),
                    "useraccess" => quote_str("MULTI_USER"),
                    "edition" => quote_str("Developer"),
                    "serviceobjective" => quote_str("Developer"),
                    _ => "NULL".into(),
                }))
            }
            "ERROR_MESSAGE" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |e| quote_str(&e.text)))),
            "ERROR_NUMBER" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |e| e.number.to_string()))),
            "ERROR_SEVERITY" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |e| e.class.to_string()))),
            "ERROR_STATE" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |e| e.state.to_string()))),
            "ERROR_LINE" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |e| e.line.to_string()))),
            "ERROR_PROCEDURE" => Some(Ok(self
                .caught
                .as_ref()
                .map_or("NULL".into(), |_| quote_str(&self.proc_name)))),
            "XACT_STATE" => Some(Ok(if self.trancount > 0 { "1" } else { "0" }.into())),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Collects events for assertions.
    #[derive(Default)]
    pub struct Collect {
        pub events: Vec<Event>,
        pub cancel_after_rows: Option<usize>,
    }

    impl EventSink for Collect {
        fn send(&mut self, event: Event) -> ControlFlow<()> {
            self.events.push(event);
            let rows = self
                .events
                .iter()
                .filter(|e| matches!(e, Event::Row(_)))
                .count();
            if self.cancel_after_rows.is_some_and(|n| rows >= n) {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }

    pub fn session() -> (Session, tempdir::Dir) {
        let dir = tempdir::Dir::new();
        let dbs =
            Databases::open(&["master".to_string(), "testdb".to_string()], dir.path()).unwrap();
        let info = SessionInfo {
            user: "sa".into(),
            spid: 51,
            app: "test".into(),
            host: "h".into(),
            server_name: "testserver".into(),
            babelfish: false,
        };
        (Session::new(dbs, "master", info).unwrap(), dir)
    }

    pub mod tempdir {
        use std::path::{Path, PathBuf};
        pub struct Dir(PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let p = std::env::temp_dir().join(format!(
                    "sqltest-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                let _ = std::fs::remove_dir_all(&p);
                Dir(p)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    pub fn run(s: &mut Session, sql: &str) -> Vec<Event> {
        let mut c = Collect::default();
        s.execute_batch(sql, &mut c);
        c.events
    }

    fn columns(events: &[Event]) -> Vec<Vec<Column>> {
        events
            .iter()
            .filter_map(|e| {
                if let Event::Columns(c) = e {
                    Some(c.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    fn rows(events: &[Event]) -> Vec<Vec<SqlValue>> {
        events
            .iter()
            .filter_map(|e| {
                if let Event::Row(r) = e {
                    Some(r.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    fn dones(events: &[Event]) -> Vec<(Option<u64>, bool, bool)> {
        events
            .iter()
            .filter_map(|e| {
                if let Event::Done {
                    row_count,
                    error,
                    more,
                    ..
                } = e
                {
                    Some((*row_count, *error, *more))
                } else {
                    None
                }
            })
            .collect()
    }

    fn errors(events: &[Event]) -> Vec<(i32, u8, String)> {
        events
            .iter()
            .filter_map(|e| {
                if let Event::Message {
                    number,
                    class,
                    text,
                    ..
                } = e
                {
                    Some((*number, *class, text.clone()))
                } else {
                    None
                }
            })
            .collect()
    }

    /// Only the last event is a DONE with `more` false.
    fn assert_more_flags(events: &[Event]) {
        let last = events.last().expect("events");
        assert!(
            matches!(last, Event::Done { more: false, .. }),
            "last: {last:?}"
        );
        for e in &events[..events.len() - 1] {
            assert!(
                !matches!(e, Event::Done { more: false, .. }),
                "early final DONE in {events:?}"
            );
        }
    }

    #[test]
    fn select_literals() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "SELECT 1");
        assert_eq!(
            columns(&ev)[0],
            vec![Column {
                name: "".into(),
                ty: SqlType::Int,
                nullable: false,
                identity: false
            }]
        );
        assert_eq!(rows(&ev), vec![vec![SqlValue::Int(1)]]);
        assert_eq!(dones(&ev), vec![(Some(1), false, false)]);
        let ev = run(&mut s, "SELECT 'a' AS x, 2.5, N'é'");
        let c = &columns(&ev)[0];
        assert_eq!(c[0].name, "x");
        assert_eq!(c[0].ty, SqlType::VarChar(Some(1)));
        assert_eq!(
            c[1].ty,
            SqlType::Numeric {
                precision: 2,
                scale: 1
            }
        );
        assert_eq!(c[2].ty, SqlType::NVarChar(Some(1)));
        assert_eq!(
            rows(&ev)[0],
            vec![
                SqlValue::String("a".into()),
                SqlValue::Decimal {
                    value: 25,
                    scale: 1
                },
                SqlValue::String("é".into())
            ]
        );
        assert_more_flags(&ev);
    }

    #[test]
    fn cte_result_columns_follow_the_outer_select() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "WITH c AS (SELECT 1 AS n, N'x' AS t) SELECT t, n FROM c",
        );
        let c = &columns(&ev)[0];
        assert_eq!(
            (c[0].name.as_str(), c[1].ty.clone()),
            ("t", SqlType::Int),
            "{ev:?}"
        );
        assert_eq!(
            rows(&ev),
            vec![vec![SqlValue::String("x".into()), SqlValue::Int(1)]]
        );
    }

    #[test]
    fn plus_concatenates_strings() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE n (f NVARCHAR(10), l NVARCHAR(10), k INT); INSERT n VALUES (N'Ada', N'Lovelace', 1);
             DECLARE @sep NVARCHAR(3) = N' ';
             SELECT f + @sep + l, n.f + n.l, k + 1, UPPER(f) + LEFT(l, 1), CAST(k AS VARCHAR(5)) + f FROM n",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let r = &rows(&ev)[0];
        assert_eq!(r[0], SqlValue::String("Ada Lovelace".into()));
        assert_eq!(r[1], SqlValue::String("AdaLovelace".into()));
        assert_eq!(r[2], SqlValue::Int(2));
        assert_eq!(r[3], SqlValue::String("ADAL".into()));
        assert_eq!(r[4], SqlValue::String("1Ada".into()));
    }

    #[test]
    fn table_variables() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "DECLARE @t TABLE (id INT IDENTITY PRIMARY KEY, v NVARCHAR(10));
             INSERT INTO @t (v) VALUES (N'a'), (N'b');
             UPDATE @t SET v = N'c' WHERE id = 2;
             SELECT x.id, x.v FROM @t AS x ORDER BY x.id",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        assert_eq!(columns(&ev)[0][1].ty, SqlType::NVarChar(Some(10)));
        assert_eq!(
            rows(&ev),
            vec![
                vec![SqlValue::Int(1), SqlValue::String("a".into())],
                vec![SqlValue::Int(2), SqlValue::String("c".into())]
            ]
        );
        let ev = run(&mut s, "SELECT * FROM @t");
        assert_eq!(
            errors(&ev)[0].0,
            1087,
            "the variable ends with its batch: {ev:?}"
        );
    }

    #[test]
    fn too_long_values_are_errors() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (s VARCHAR(3), b VARBINARY(2)); INSERT t (s) VALUES ('abcd'); INSERT t (b) VALUES (0x010203); INSERT t VALUES ('abc', 0x0102); SELECT COUNT(*) FROM t",
        );
        let e = errors(&ev);
        assert_eq!(e[0].0, 2628, "{ev:?}");
        assert!(e[0].2.contains("column 's'"), "{}", e[0].2);
        assert!(e[1].2.contains("column 'b'"), "{}", e[1].2);
        assert_eq!(rows(&ev), vec![vec![SqlValue::Int(1)]]);
    }

    #[test]
    fn derived_tables_and_ctes_keep_types() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (d DECIMAL(10, 2), n NVARCHAR(5)); INSERT t VALUES (1.5, N'a');
             SELECT v FROM (VALUES (0, CAST('12.5' AS DECIMAL(38, 10)))) x(n, v);
             SELECT q.d, q.m FROM (SELECT d, n AS m FROM t) AS q;
             WITH c (dd) AS (SELECT d FROM t) SELECT dd FROM c",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let c = columns(&ev);
        assert_eq!(
            c[0][0].ty,
            SqlType::Decimal {
                precision: 38,
                scale: 10
            }
        );
        assert_eq!(
            (c[1][0].ty.clone(), c[1][1].ty.clone()),
            (
                SqlType::Decimal {
                    precision: 10,
                    scale: 2
                },
                SqlType::NVarChar(Some(5))
            )
        );
        assert_eq!(
            c[2][0].ty,
            SqlType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(
            rows(&ev)[0][0],
            SqlValue::Decimal {
                value: 125_000_000_000,
                scale: 10
            }
        );
    }

    /// Whatever arrives, the reply ends with exactly one final DONE (and no panic).
    #[test]
    fn hostile_batches_always_end_properly() {
        let (mut s, _d) = session();
        let inputs = [
            "",
            " ",
            ";",
            ";;;",
            "(",
            ")",
            "((",
            "'",
            "N'",
            "[",
            "\"",
            "/*",
            "--",
            "@",
            "@@",
            "@@nope",
            "0x",
            ".",
            "..",
            "*",
            "SELECT",
            "SELECT ,",
            "SELECT (1",
            "SELECT 1)",
            "SELECT * FROM",
            "INSERT",
            "INSERT INTO",
            "UPDATE SET",
            "DELETE",
            "CREATE TABLE",
            "CREATE TABLE t (",
            "CREATE TABLE t (a)",
            "CREATE TABLE t (a INT",
            "DROP",
            "DROP TABLE",
            "DECLARE",
            "DECLARE @x",
            "DECLARE @x INT =",
            "SET",
            "SET @x = 1",
            "SET NOCOUNT",
            "IF",
            "IF 1=1",
            "ELSE",
            "END",
            "BEGIN",
            "BEGIN TRY",
            "BEGIN TRY SELECT 1 END TRY",
            "WHILE",
            "EXEC",
            "EXEC (",
            "EXECUTE sp_executesql",
            "EXEC sp_executesql N'SELECT @a', N'@a int'",
            "RAISERROR",
            "RAISERROR(",
            "RAISERROR('x')",
            "THROW",
            "THROW 1",
            "PRINT",
            "USE",
            "USE nope",
            "WAITFOR",
            "WAITFOR DELAY",
            "WAITFOR DELAY 'x'",
            "COMMIT",
            "ROLLBACK",
            "SAVE TRAN",
            "SELECT CAST(1 AS)",
            "SELECT CAST(1 AS nope)",
            "SELECT CONVERT(",
            "SELECT DATEADD(",
            "SELECT DATEADD(xx, 1, 1)",
            "SELECT TOP",
            "SELECT TOP (",
            "SELECT 1 OFFSET",
            "SELECT * FROM bench.narrow(",
            "SELECT * FROM bench.narrow(-1)",
            "SELECT * FROM bench.nope(1)",
            "SELECT * FROM bench.lob(1, 99999999999999)",
            "SELECT 1e999999",
            "SELECT 99999999999999999999999999999999999999999",
            "SELECT CAST(1 AS decimal(39,0))",
            "SELECT CAST('x' AS varchar(9000))",
            "SELECT @@SPID +",
            "SELECT 1 +",
            "CREATE PROCEDURE",
            "CREATE PROCEDURE p AS",
            "EXEC p",
            "ALTER TABLE",
            "ALTER TABLE t ADD",
            "TRUNCATE TABLE",
            "SELECT N'\u{1F600}' AS e",
            "SELECT 'a' COLLATE",
            "SELECT * FROM (VALUES (1)) x(",
            "WITH",
            "WITH c AS (",
            "SELECT 1 UNION",
            "SELECT OBJECT_ID(",
            "INSERT INTO @t VALUES (1)",
            "DECLARE @t TABLE (",
            "SELECT 1/0.0",
        ];
        let deep_parens = format!("SELECT {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let deep_ifs = "IF 1=1 ".repeat(100_000) + "SELECT 1";
        let deep_casts =
            "SELECT ".to_string() + &"CAST(".repeat(50_000) + "1" + &" AS INT)".repeat(50_000);
        let inputs: Vec<&str> = inputs
            .iter()
            .copied()
            .chain([deep_parens.as_str(), deep_ifs.as_str(), deep_casts.as_str()])
            .collect();
        let mut bad = Vec::new();
        for sql in inputs {
            let ev = run(&mut s, sql);
            let finals = ev
                .iter()
                .filter(|e| matches!(e, Event::Done { more: false, .. }))
                .count();
            let last_final = matches!(ev.last(), Some(Event::Done { more: false, .. }));
            let internal = ev.iter().any(
                |e| matches!(e, Event::Message { text, .. } if text.contains("internal error")),
            );
            if finals != 1 || !last_final || internal {
                bad.push(sql);
            }
        }
        assert!(bad.is_empty(), "mishandled: {bad:?}");
    }

    #[test]
    fn update_and_delete_with_joins() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE o (id INT PRIMARY KEY, total INT, status NVARCHAR(10));
             CREATE TABLE l (oid INT, amount INT);
             INSERT o VALUES (1, 0, N'new'), (2, 0, N'new'), (3, 0, N'old');
             INSERT l VALUES (1, 5), (2, 7), (3, 1);
             UPDATE x SET x.total = l.amount * 2, status = N'done' FROM o AS x INNER JOIN l ON l.oid = x.id WHERE x.status = N'new';
             DELETE o FROM o JOIN l ON l.oid = o.id WHERE l.amount = 1;
             SELECT id, total, status FROM o ORDER BY id",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        assert_eq!(
            dones(&ev)[2..4],
            [(Some(2), false, true), (Some(1), false, true)]
        );
        assert_eq!(
            rows(&ev),
            vec![
                vec![
                    SqlValue::Int(1),
                    SqlValue::Int(10),
                    SqlValue::String("done".into())
                ],
                vec![
                    SqlValue::Int(2),
                    SqlValue::Int(14),
                    SqlValue::String("done".into())
                ]
            ]
        );
    }

    #[test]
    fn insert_exec() {
        let (mut s, _d) = session();
        run(
            &mut s,
            "CREATE TABLE t (id INT IDENTITY PRIMARY KEY, n INT, m NVARCHAR(5))",
        );
        run(
            &mut s,
            "CREATE PROCEDURE two AS BEGIN PRINT 'making'; SELECT 1, N'a' UNION ALL SELECT 2, N'b' END",
        );
        let ev = run(
            &mut s,
            "INSERT INTO t (n, m) EXEC two; INSERT t EXEC ('SELECT 3, N''c'''); SELECT n, m FROM t ORDER BY id",
        );
        assert_eq!(errors(&ev), vec![(0, 0, "making".into())], "{ev:?}");
        assert_eq!(rows(&ev).len(), 3, "{ev:?}");
        assert_eq!(dones(&ev)[0], (Some(2), false, true));
    }

    #[test]
    fn sql_variant_keeps_base_types() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE v (a SQL_VARIANT); INSERT v VALUES (456.7); INSERT v VALUES ('txt'); INSERT INTO v (a) VALUES (CAST('2024-06-03' AS DATE)), (NULL);
             SELECT a FROM v",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let r = rows(&ev);
        assert_eq!(
            r[0][0],
            SqlValue::Variant(
                Box::new(SqlValue::Decimal {
                    value: 4567,
                    scale: 1
                }),
                SqlType::Numeric {
                    precision: 4,
                    scale: 1
                }
            )
        );
        assert_eq!(
            r[1][0],
            SqlValue::Variant(
                Box::new(SqlValue::String("txt".into())),
                SqlType::VarChar(Some(3))
            )
        );
        assert_eq!(
            r[2][0],
            SqlValue::Variant(
                Box::new(SqlValue::Date(types::days_from_ymd(2024, 6, 3))),
                SqlType::Date
            )
        );
        assert_eq!(r[3][0], SqlValue::Null);
    }

    #[test]
    fn function_defaults() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE d (id INT, at DATETIME NOT NULL DEFAULT GETDATE(), g UNIQUEIDENTIFIER DEFAULT NEWID(), n INT DEFAULT (0));
             INSERT d (id) VALUES (1); SELECT at, g, n FROM d",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let r = &rows(&ev)[0];
        assert!(matches!(r[0], SqlValue::DateTime { .. }), "{r:?}");
        assert!(matches!(r[1], SqlValue::Guid(_)), "{r:?}");
        assert_eq!(r[2], SqlValue::Int(0));
    }

    #[test]
    fn connection_facts_show_in_dm_exec_connections() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "SELECT encrypt_option, auth_scheme FROM sys.dm_exec_connections WHERE session_id = @@SPID",
        );
        assert_eq!(
            rows(&ev),
            vec![vec![
                SqlValue::String("FALSE".into()),
                SqlValue::String("SQL".into())
            ]]
        );
        s.set_connection_facts(ConnectionFacts {
            encrypted: true,
            ..Default::default()
        });
        let ev = run(
            &mut s,
            "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID",
        );
        assert_eq!(rows(&ev), vec![vec![SqlValue::String("TRUE".into())]]);
    }

    #[test]
    fn implicit_transactions() {
        let (mut s, _d) = session();
        run(&mut s, "CREATE TABLE t (a INT)");
        let ev = run(
            &mut s,
            "SET IMPLICIT_TRANSACTIONS ON; SELECT 1; SELECT @@TRANCOUNT",
        );
        assert_eq!(
            rows(&ev)[1],
            vec![SqlValue::Int(0)],
            "SELECT without a table starts nothing"
        );
        let ev = run(&mut s, "INSERT t VALUES (1); SELECT @@TRANCOUNT");
        assert!(
            matches!(ev[0], Event::EnvChange(EnvChange::BeginTransaction(_))),
            "{ev:?}"
        );
        assert_eq!(rows(&ev), vec![vec![SqlValue::Int(1)]]);
        run(&mut s, "IF @@TRANCOUNT > 0 ROLLBACK TRAN");
        let ev = run(&mut s, "SELECT COUNT(*) FROM t; SELECT @@TRANCOUNT");
        assert_eq!(
            rows(&ev),
            vec![vec![SqlValue::Int(0)], vec![SqlValue::Int(1)]],
            "the SELECT began one"
        );
        run(
            &mut s,
            "INSERT t VALUES (2); IF @@TRANCOUNT > 0 COMMIT TRAN; SET IMPLICIT_TRANSACTIONS OFF",
        );
        let ev = run(&mut s, "SELECT COUNT(*) FROM t; SELECT @@TRANCOUNT");
        assert_eq!(
            rows(&ev),
            vec![vec![SqlValue::Int(1)], vec![SqlValue::Int(0)]]
        );
    }

    #[test]
    fn output_clause_types() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE o (id BIGINT IDENTITY PRIMARY KEY, d DECIMAL(6, 2), n NVARCHAR(9));
             INSERT INTO o (d, n) OUTPUT INSERTED.* VALUES (1.25, N'x');
             UPDATE o SET d = 2 OUTPUT INSERTED.id, INSERTED.d AS nd WHERE id = 1;
             DELETE FROM o OUTPUT DELETED.n",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let c = columns(&ev);
        assert_eq!(
            c[0].iter().map(|c| c.ty.clone()).collect::<Vec<_>>(),
            vec![
                SqlType::BigInt,
                SqlType::Decimal {
                    precision: 6,
                    scale: 2
                },
                SqlType::NVarChar(Some(9))
            ]
        );
        assert_eq!(
            (c[1][1].name.as_str(), c[1][1].ty.clone()),
            (
                "nd",
                SqlType::Decimal {
                    precision: 6,
                    scale: 2
                }
            )
        );
        assert_eq!(
            rows(&ev)[0],
            vec![
                SqlValue::BigInt(1),
                SqlValue::Decimal {
                    value: 125,
                    scale: 2
                },
                SqlValue::String("x".into())
            ]
        );
        assert_eq!(rows(&ev)[2], vec![SqlValue::String("x".into())]);
        assert_eq!(dones(&ev)[0], (Some(1), false, true));
    }

    #[test]
    fn temp_tables_and_object_id() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "IF OBJECT_ID('tempdb..#t') IS NOT NULL DROP TABLE #t;
             CREATE TABLE #t (id INT IDENTITY PRIMARY KEY, v NVARCHAR(5));
             INSERT #t (v) VALUES (N'a');
             SELECT id, v, SCOPE_IDENTITY() FROM #t;
             IF OBJECT_ID('tempdb..#t') IS NOT NULL DROP TABLE #t;
             SELECT OBJECT_ID('tempdb..#t')",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let r = rows(&ev);
        assert_eq!(r[0][..2], [SqlValue::Int(1), SqlValue::String("a".into())]);
        assert_eq!(r[1], vec![SqlValue::Null]);
        assert_eq!(columns(&ev)[0][0].ty, SqlType::Int);
    }

    #[test]
    fn computed_columns() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE c (a INT, b INT, s AS (a + b), p AS a * b PERSISTED); INSERT c (a, b) VALUES (2, 3); SELECT s, p FROM c",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        assert_eq!(rows(&ev), vec![vec![SqlValue::Int(5), SqlValue::Int(6)]]);
    }

    #[test]
    fn divide_by_zero_is_an_error() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "SELECT 1/0; SELECT 7 / 2 * 2, 7 % 3, 1.0 / 4");
        let e = errors(&ev);
        assert_eq!(
            (e[0].0, e[0].1, e[0].2.as_str()),
            (8134, 16, "Divide by zero error encountered."),
            "{ev:?}"
        );
        // The error ends the statement, not the batch.
        assert_eq!(rows(&ev)[0][..2], [SqlValue::Int(6), SqlValue::Int(1)]);
    }

    #[test]
    fn version_and_sysvars() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "SELECT @@VERSION, @@SPID, DB_NAME()");
        let r = &rows(&ev)[0];
        assert!(matches!(&r[0], SqlValue::String(v) if v.starts_with("Microsoft SQL Server")));
        assert_eq!(r[1], SqlValue::SmallInt(51));
        assert_eq!(r[2], SqlValue::String("master".into()));
    }

    #[test]
    fn create_insert_select_update_delete() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (id INT IDENTITY(1,1) PRIMARY KEY, name NVARCHAR(50) NOT NULL, price DECIMAL(10,2), d DATETIME2(3));
             INSERT INTO t (name, price, d) VALUES (N'a', 1.50, '2024-01-02 03:04:05.1234'), (N'b', NULL, NULL);
             SELECT * FROM t ORDER BY id;
             UPDATE t SET price = 2 WHERE name = 'A';
             DELETE FROM t",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        let c = &columns(&ev)[0];
        assert_eq!(
            c[0],
            Column {
                name: "id".into(),
                ty: SqlType::Int,
                nullable: false,
                identity: true
            }
        );
        assert_eq!(
            c[1],
            Column {
                name: "name".into(),
                ty: SqlType::NVarChar(Some(50)),
                nullable: false,
                identity: false
            }
        );
        assert_eq!(
            c[2].ty,
            SqlType::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert!(c[2].nullable);
        assert_eq!(c[3].ty, SqlType::DateTime2 { scale: 3 });
        let r = rows(&ev);
        assert_eq!(
            r[0][2],
            SqlValue::Decimal {
                value: 150,
                scale: 2
            }
        );
        let (days, ticks) = (
            types::days_from_ymd(2024, 1, 2),
            (3 * 3600 + 4 * 60 + 5) * 10_000_000 + 1_230_000,
        );
        assert_eq!(r[0][3], SqlValue::DateTime { days, ticks });
        assert_eq!(
            dones(&ev),
            vec![
                (Some(2), false, true),
                (Some(2), false, true),
                (Some(1), false, true),
                (Some(2), false, false)
            ]
        );
    }

    #[test]
    fn print_and_syntax_error() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "PRINT 'hello'");
        assert_eq!(errors(&ev), vec![(0, 0, "hello".into())]);
        assert_more_flags(&ev);
        let ev = run(&mut s, "SELECT 1 SELEC 2");
        assert_eq!(errors(&ev)[0].0, 102, "{ev:?}");
        let ev = run(&mut s, "SELECT * FROM t WHERE ORDER BY 1");
        assert_eq!(
            errors(&ev)[0],
            (156, 15, "Incorrect syntax near the keyword 'ORDER'.".into()),
            "{ev:?}"
        );
        // Nothing of a batch with a syntax error runs.
        let ev = run(&mut s, "SELECT 1; SELECT * FROM sys.tables WHERE");
        assert_eq!(errors(&ev)[0].0, 102, "{ev:?}");
        assert!(rows(&ev).is_empty(), "{ev:?}");
        let ev = run(&mut s, "SELECT * FROM");
        let e = &errors(&ev)[0];
        assert_eq!((e.0, e.1), (102, 15), "{ev:?}");
        assert!(e.2.starts_with("Incorrect syntax near"));
        assert!(rows(&ev).is_empty());
        assert_more_flags(&ev);
    }

    #[test]
    fn invalid_object_and_constraints() {
        let (mut s, _d) = session();
        let ev = run(&mut s, "SELECT * FROM nope");
        assert_eq!(
            errors(&ev),
            vec![(208, 16, "Invalid object name 'nope'.".into())]
        );
        let ev = run(
            &mut s,
            "CREATE TABLE p (id INT PRIMARY KEY, v INT NOT NULL); INSERT p VALUES (1, 1); INSERT p VALUES (1, 2); INSERT p VALUES (2, NULL); SELECT COUNT(*) FROM p",
        );
        let e = errors(&ev);
        assert_eq!(e[0].0, 2627, "{ev:?}");
        assert!(
            e[0].2
                .starts_with("Violation of PRIMARY KEY constraint 'PK__p__"),
            "{}",
            e[0].2
        );
        assert_eq!(e[1].0, 515);

        assert_eq!(rows(&ev), vec![vec![SqlValue::Int(1)]]);
        assert_more_flags(&ev);
        let ev = run(
            &mut s,
            "CREATE TABLE c (id INT, pid INT REFERENCES p(id)); INSERT c VALUES (1, 99); INSERT c VALUES (1, 1); DELETE FROM p; UPDATE c SET pid = NULL, id = NULL WHERE 0 = 1",
        );
        let e = errors(&ev);
        assert_eq!(e[0].0, 547, "{ev:?}");
        assert!(
            e[0].2.starts_with(
                "The INSERT statement conflicted with the FOREIGN KEY constraint \"FK__c__0\""
            ),
            "{}",
            e[0].2
        );
        assert!(
            e[1].2.starts_with(
                "The DELETE statement conflicted with the REFERENCE constraint \"FK__c__0\""
            ),
            "{}",
            e[1].2
        );
    }

    #[test]
    fn casts_produce_declared_types() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "SELECT CAST(1 AS bigint), CAST('abcdef' AS varchar(3)), CONVERT(datetime2, '2024-05-06 07:08:09'), 1e0, CAST(NULL AS int)",
        );
        let c = &columns(&ev)[0];
        assert_eq!(
            c.iter().map(|c| c.ty.clone()).collect::<Vec<_>>(),
            vec![
                SqlType::BigInt,
                SqlType::VarChar(Some(3)),
                SqlType::DateTime2 { scale: 7 },
                SqlType::Float,
                SqlType::Int
            ]
        );
        let r = &rows(&ev)[0];
        assert_eq!(r[0], SqlValue::BigInt(1));
        assert_eq!(r[1], SqlValue::String("abc".into()));
        assert_eq!(r[4], SqlValue::Null);
    }

    #[test]
    fn variables_if_and_scope_identity() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (id BIGINT IDENTITY PRIMARY KEY, v INT);
             DECLARE @x INT = 5, @id NUMERIC(38,0);
             SET @x += 1;
             INSERT INTO t (v) VALUES (@x);
             SET @id = SCOPE_IDENTITY();
             IF @x > 5 SELECT @x AS x, @id AS id, @@ROWCOUNT AS rc ELSE SELECT 0",
        );
        assert!(errors(&ev).is_empty(), "{ev:?}");
        assert_eq!(
            rows(&ev),
            vec![vec![
                SqlValue::Int(6),
                SqlValue::Decimal { value: 1, scale: 0 },
                SqlValue::Int(1)
            ]]
        );
    }

    #[test]
    fn transactions_and_envchanges() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "CREATE TABLE t (a INT); BEGIN TRAN; INSERT t VALUES (1); SELECT @@TRANCOUNT; ROLLBACK; SELECT COUNT(*) FROM t",
        );
        assert!(
            matches!(ev[0], Event::EnvChange(EnvChange::BeginTransaction(d)) if d != 0),
            "{ev:?}"
        );
        let r = rows(&ev);
        assert_eq!(r, vec![vec![SqlValue::Int(1)], vec![SqlValue::Int(0)]]);
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::EnvChange(EnvChange::RollbackTransaction(_))))
        );
        assert_eq!(s.transaction_descriptor(), 0);
    }

    #[test]
    fn transactions_read_committed_and_lock_timeout() {
        let (mut a, d) = session();
        let dbs = a.dbs.clone();
        let info = || SessionInfo {
            user: "sa".into(),
            spid: 52,
            app: "t".into(),
            host: "h".into(),
            server_name: "s".into(),
            babelfish: false,
        };
        let mut b = Session::new(dbs, "master", info()).unwrap();
        run(&mut a, "CREATE TABLE t (v INT); INSERT t VALUES (1)");
        // A reading transaction sees what B commits meanwhile, and does not block B.
        run(&mut a, "BEGIN TRAN; SELECT v FROM t");
        let ev = run(&mut b, "UPDATE t SET v = 2");
        assert!(errors(&ev).is_empty(), "{ev:?}");
        assert_eq!(
            rows(&run(&mut a, "SELECT v FROM t")),
            vec![vec![SqlValue::Int(2)]]
        );
        // Once A writes, B waits for A's lock and gives up with 1222.
        run(&mut a, "UPDATE t SET v = 3");
        let t = std::time::Instant::now();
        let ev = run(&mut b, "SET LOCK_TIMEOUT 200; UPDATE t SET v = 4");
        assert_eq!(errors(&ev)[0].0, 1222, "{ev:?}");
        assert!(t.elapsed().as_millis() < 2000);
        assert_eq!(
            rows(&run(&mut b, "SELECT v FROM t")),
            vec![vec![SqlValue::Int(2)]]
        );
        run(&mut a, "COMMIT");
        assert_eq!(
            rows(&run(&mut b, "SELECT v FROM t")),
            vec![vec![SqlValue::Int(3)]]
        );
        drop(d);
    }

    #[test]
    fn raiserror_and_try_catch() {
        let (mut s, _d) = session();
        let ev = run(
            &mut s,
            "RAISERROR('info %s', 10, 1, 'x'); BEGIN TRY RAISERROR('bad', 16, 2) END TRY BEGIN CATCH SELECT ERROR_MESSAGE() AS m END CATCH; RAISERROR('boom %d', 16, 1, 7)",
        );
        let e = errors(&ev);
        assert_eq!(e[0], (50000, 0, "info x".into()));
        assert_eq!(rows(&ev), vec![vec![SqlValue::String("bad".into())]]);
        assert_eq!(e[1], (50000, 16, "boom 7".into()));
        assert_more_flags(&ev);
    }

    #[test]
    fn cancel_stops_streaming() {
        let (mut s, _d) = session();
        run(
            &mut s,
            "CREATE TABLE t (a INT); INSERT t VALUES (1),(2),(3),(4)",
        );
        let mut c = Collect {
            cancel_after_rows: Some(2),
            ..Default::default()
        };
        s.execute_batch("SELECT a FROM t; SELECT 1", &mut c);
        assert_eq!(rows(&c.events).len(), 2);
        assert!(!c.events.iter().any(|e| matches!(e, Event::Done { .. })));
    }
}
