//! The execution engine behind the TDS listener: SQLite under a T-SQL translation layer.
//!
//! Contract between the TDS layer (`tds/`) and this engine:
//! - One [`Databases`] for all configured databases, shared by sessions; one [`Session`] per
//!   connection, created after login.
//! - The TDS layer decodes a SQL batch, an RPC (by name or by id: 10 sp_executesql,
//!   11 sp_prepare, 12 sp_execute, 13 sp_prepexec, 15 sp_unprepare...) or a Transaction
//!   Manager request, and calls the session, which reports everything in wire order through
//!   an [`EventSink`]: result columns, rows, DONE/DONEINPROC/DONEPROC (with `more` set on all
//!   but the last), INFO/ERROR messages, RETURNSTATUS, RETURNVALUE, ENVCHANGE.
//! - The sink answers `ControlFlow::Break` when the client sent ATTENTION or went away: the
//!   engine stops at once (the TDS layer then sends DONE with the ATTN bit).
//! - Values are the wire's values, typed by [`SqlType`]; the TDS layer encodes them.
//!   `SqlValue::DateTime` carries days since 0001-01-01 for datetime, smalldatetime and
//!   datetime2 alike (the TDS layer converts to datetime's 1900 epoch).
//! - Long waits that send nothing (WAITFOR DELAY) poll [`EventSink::is_cancelled`]; the TDS
//!   layer implements it to see ATTENTION there too.
//! - A request always ends with exactly one DONE whose `more` is false (an engine panic
//!   becomes error 50000 and that DONE). For an RPC the statements end in DONEINPROC and the
//!   RPC in RETURNSTATUS, RETURNVALUEs (output parameters, by their RPC ordinal), DONEPROC.
//!
//! What the engine runs (modules): `lexer` tokens, `parse` statements and control flow
//! (no `;` needed), `translate` T-SQL to SQLite (names, TOP/OFFSET, CAST/CONVERT, T-SQL
//! functions, OUTPUT -> RETURNING, CREATE TABLE), `types` storage forms that round-trip every
//! SQL Server type exactly, `infer` result types of expressions, `session` batches,
//! variables, IF/WHILE/TRY, transactions and errors with SQL Server's numbers and texts,
//! `procs` RPCs (sp_executesql, sp_prepare/sp_execute/sp_prepexec/sp_prepexecrpc,
//! sp_unprepare), user procedures and EXEC, `catalog` the sp_* catalog procedures,
//! `sysviews` sys.* and INFORMATION_SCHEMA views, `bench` streaming row sources
//! (`SELECT * FROM bench.narrow(n)`, `bench.wide(n)`, `bench.lob(n, bytes)`).
//! Not supported (clear error 40000 or 102): MERGE, cursors, CREATE FUNCTION/TYPE, TVPs,
//! APPLY/PIVOT, FOR XML/JSON, UPDATE/DELETE ... FROM with TOP or OUTPUT.
//!
//! Transactions: each database is one SQLite file in WAL mode shared by all sessions. A T-SQL
//! transaction takes SQLite's write lock at its first write (so reads see committed data, as
//! READ COMMITTED does); a second writer waits up to the lock timeout (SET LOCK_TIMEOUT,
//! default 5 s) and then gets error 1222. Nothing waits forever.

use std::ops::ControlFlow;

mod bench;
mod catalog;
mod functions;
mod infer;
mod lexer;
mod parse;
mod procs;
#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod semantics_tests;
mod session;
mod sysviews;
mod translate;
mod types;

pub use session::{Databases, Session, SessionInfo};

/// A SQL Server type, as COLMETADATA and RPC TYPE_INFO state it.
/// Character lengths in characters, binary lengths in bytes; `None` = `(max)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlType {
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Real,
    Float,
    Decimal { precision: u8, scale: u8 },
    Numeric { precision: u8, scale: u8 },
    Money,
    SmallMoney,
    Char(u16),
    VarChar(Option<u16>),
    Text,
    NChar(u16),
    NVarChar(Option<u16>),
    NText,
    Binary(u16),
    VarBinary(Option<u16>),
    Image,
    Date,
    Time { scale: u8 },
    DateTime,
    SmallDateTime,
    DateTime2 { scale: u8 },
    DateTimeOffset { scale: u8 },
    UniqueIdentifier,
    Xml,
    Variant,
}

/// One value on the wire.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    Null,
    Bit(bool),
    TinyInt(u8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Real(f32),
    Float(f64),
    /// `value * 10^-scale`.
    Decimal {
        value: i128,
        scale: u8,
    },
    /// money/smallmoney in ten-thousandths.
    Money(i64),
    String(String),
    Binary(Vec<u8>),
    /// Days since 0001-01-01.
    Date(i32),
    /// 100-nanosecond ticks since midnight.
    Time(u64),
    DateTime {
        days: i32,
        ticks: u64,
    },
    DateTimeOffset {
        days: i32,
        ticks: u64,
        offset_minutes: i16,
    },
    /// The 16 bytes in wire order.
    Guid([u8; 16]),
    Variant(Box<SqlValue>, SqlType),
}

/// A column of a result set.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: bool,
}

/// A parameter of an RPC (decoded by the TDS layer).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// `@name`, or empty for positional parameters.
    pub name: String,
    pub ty: SqlType,
    pub value: SqlValue,
    pub output: bool,
}

/// The procedure an RPC names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcTarget {
    Id(u16),
    Name(String),
}

/// A Transaction Manager request (TDS packet type 0x0E).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TmRequest {
    Begin { isolation: u8, name: String },
    Commit { begin_new: bool },
    Rollback { begin_new: bool },
    Save { name: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoneKind {
    Done,
    DoneInProc,
    DoneProc,
}

/// ENVCHANGE notifications the engine causes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvChange {
    Database {
        new: String,
        old: String,
    },
    Language {
        new: String,
        old: String,
    },
    /// The transaction descriptor the client echoes in ALL_HEADERS.
    BeginTransaction(u64),
    CommitTransaction(u64),
    RollbackTransaction(u64),
}

/// Everything a request produces, in wire order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Start of a result set.
    Columns(Vec<Column>),
    Row(Vec<SqlValue>),
    Done {
        kind: DoneKind,
        row_count: Option<u64>,
        error: bool,
        more: bool,
    },
    /// INFO (class <= 10) or ERROR.
    Message {
        number: i32,
        state: u8,
        class: u8,
        text: String,
        procedure: String,
        line: i32,
    },
    ReturnStatus(i32),
    ReturnValue {
        ordinal: u16,
        name: String,
        ty: SqlType,
        value: SqlValue,
    },
    EnvChange(EnvChange),
}

/// Where the engine sends its events.
pub trait EventSink {
    fn send(&mut self, event: Event) -> ControlFlow<()>;

    /// Polled during long waits that send nothing (WAITFOR): true once the client sent
    /// ATTENTION or went away.
    fn is_cancelled(&mut self) -> bool {
        false
    }
}

/// Facts about the connection that only the TDS layer knows, shown by
/// `sys.dm_exec_connections`. Optional: see [`Session::set_connection_facts`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionFacts {
    pub encrypted: bool,
    /// "SQL" for SQL logins (the default), e.g. "NTLM"/"KERBEROS" otherwise.
    pub auth_scheme: String,
    pub client_address: String,
    pub client_port: u16,
    pub local_port: u16,
    /// The TDS version as LOGINACK states it (0x74000004 for 7.4).
    pub tds_version: u32,
}

// The engine (owned by sql/) provides, with exactly these shapes:
//
//   pub struct Databases;            // every configured database, shared by all sessions
//   impl Databases {
//       pub fn open(names: &[String], dir: &std::path::Path) -> anyhow::Result<std::sync::Arc<Databases>>;
//   }
//   pub struct SessionInfo { pub user: String, pub spid: u16, pub app: String, pub host: String, pub server_name: String }
//   pub struct Session;              // one per connection, Send
//   impl Session {
//       pub fn new(dbs: std::sync::Arc<Databases>, database: &str, info: SessionInfo) -> anyhow::Result<Session>;
//       pub fn execute_batch(&mut self, sql: &str, sink: &mut dyn EventSink);
//       pub fn execute_rpc(&mut self, target: &RpcTarget, params: Vec<Param>, sink: &mut dyn EventSink);
//       pub fn transaction(&mut self, request: TmRequest, sink: &mut dyn EventSink);
//       pub fn transaction_descriptor(&self) -> u64;   // 0 outside a transaction
//       pub fn database(&self) -> &str;
//   }
//   Added (optional for the TDS layer): Session::set_connection_facts(ConnectionFacts) feeds
//   sys.dm_exec_connections (encrypt_option...); EventSink::is_cancelled (default false) is
//   polled during WAITFOR DELAY.
