//! One login to a server and the statements run on it.

use std::sync::Arc;

use mssql_tds::connection::client_context::{ClientContext, TdsAuthenticationMethod};
use mssql_tds::connection::tds_client::BatchErrorMode;
use mssql_tds::connection::tds_client::ResultSet as _;
use mssql_tds::connection::tds_client::{
    BufferedRowPoll, CursorColumn, CursorPoll, ExecuteOptions, StatementResult, TdsClient,
};
use mssql_tds::connection_provider::tds_connection_provider::TdsConnectionProvider;
use mssql_tds::core::{CancelHandle, EncryptionOptions, EncryptionSetting};
use mssql_tds::datatypes::row_writer::{RowWriter as _, write_column_value};
use mssql_tds::datatypes::sql_string::EncodingType;
use mssql_tds::error::Error as TdsError;
use mssql_tds::token::tokens::SqlCollation;

use super::cell_buffers::CellBuffers;
use super::errors::{self, connect_error, exec_error};
use super::rows::{ColumnInfo, ValueRows, column_info};
use super::runtime::block_on;
use crate::convert::long_value::{WireForm, WireRead, whole_value};
use crate::convert::{ServerType, Value};
use crate::diag::{Result, ServerMessage};

/// How the TLS of a connection is set up (the `Encrypt` keyword).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// Encrypt=no: TLS for the login only, if the server allows it.
    No,
    /// Encrypt=yes/mandatory: TLS after PRELOGIN, certificate validated.
    Yes,
    /// Encrypt=strict: TDS 8.0, TLS before PRELOGIN.
    Strict,
}

/// Everything a login needs, free of connection-string concerns.
#[derive(Clone, Debug)]
pub struct LoginParams {
    pub host: String,
    pub port: Option<u16>,
    pub instance: Option<String>,
    pub database: String,
    pub uid: String,
    pub pwd: String,
    pub app: String,
    pub wsid: String,
    pub language: String,
    pub encryption: Encryption,
    pub trust_server_certificate: bool,
    pub host_name_in_certificate: Option<String>,
    pub server_certificate: Option<String>,
    pub read_only_intent: bool,
    pub multi_subnet_failover: bool,
    pub connect_retry_count: u32,
    pub connect_retry_interval: u32,
    pub packet_size: Option<u16>,
    /// 0 = wait indefinitely.
    pub login_timeout_secs: u32,
    /// A pre-acquired access token (SQL_COPT_SS_ACCESS_TOKEN), decoded to text.
    pub access_token: Option<String>,
    /// An Entra ID mode's token factory (`engine::fedauth`).
    pub entra: Option<super::fedauth::EntraLogin>,
}

impl LoginParams {
    /// The data source in mssql-tds's grammar: `tcp:host,port` or `host\instance`.
    fn data_source(&self) -> String {
        match (&self.instance, self.port) {
            (_, Some(port)) => format!("tcp:{},{}", self.host, port),
            (Some(instance), None) => format!("{}\\{}", self.host, instance),
            (None, None) => format!("tcp:{},1433", self.host),
        }
    }

    fn client_context(&self) -> ClientContext {
        let mut ctx = ClientContext::with_data_source(&self.data_source());
        ctx.application_name = self.app.clone();
        ctx.workstation_id = self.wsid.clone();
        ctx.library_name = "ODBC".to_string();
        ctx.database = self.database.clone();
        if !self.language.is_empty() {
            ctx.language = self.language.clone();
        } else {
            ctx.language = String::new();
        }
        ctx.user_name = self.uid.clone();
        ctx.password = self.pwd.clone();
        ctx.encryption_options = EncryptionOptions {
            mode: match self.encryption {
                Encryption::No => EncryptionSetting::PreferOff,
                Encryption::Yes => EncryptionSetting::Required,
                Encryption::Strict => EncryptionSetting::Strict,
            },
            trust_server_certificate: self.trust_server_certificate
                && self.encryption != Encryption::Strict,
            host_name_in_cert: self.host_name_in_certificate.clone(),
            server_certificate: self.server_certificate.clone().map(Into::into),
        };
        if self.read_only_intent {
            ctx.application_intent = mssql_tds::message::login_options::ApplicationIntent::ReadOnly;
        }
        ctx.multi_subnet_failover = Some(self.multi_subnet_failover);
        ctx.connect_retry_count = self.connect_retry_count;
        ctx.connect_retry_interval = self.connect_retry_interval;
        if let Some(size) = self.packet_size {
            ctx.packet_size = size;
        }
        ctx.connect_timeout = if self.login_timeout_secs == 0 {
            0
        } else {
            self.login_timeout_secs
        };
        ctx.login_timeout = Some(self.login_timeout_secs);
        // Where an Entra ID token factory is installed (engine::fedauth owns that): for now only
        // SQL logins and a pre-acquired access token reach the engine.
        if let Some(token) = &self.access_token {
            ctx.tds_authentication_method = TdsAuthenticationMethod::AccessToken;
            ctx.access_token = Some(token.clone());
        } else {
            ctx.tds_authentication_method = TdsAuthenticationMethod::Password;
        }
        if let Some(entra) = &self.entra {
            // prepare() already refused the modes install() cannot serve.
            let _ = entra.install(&mut ctx);
        }
        ctx
    }
}

/// What a statement positioned on.
#[derive(Clone, Debug)]
pub enum Step {
    /// A result set with these columns.
    Rows(Arc<Vec<ColumnInfo>>),
    /// A statement without rows (`None`: no count, e.g. DDL or PRINT).
    NoRows { rows_affected: Option<u64> },
    /// The batch is over.
    End,
}

/// A way to cancel the statement running on a session from another thread.
#[derive(Clone, Debug)]
pub struct Canceller(Arc<CancelHandle>);

impl Canceller {
    pub fn new() -> Self {
        let mut handle = CancelHandle::new();
        // Wait for the server's attention acknowledgement long enough that a slow server still
        // leaves the connection usable.
        handle.set_cancel_timeout_secs(30);
        Canceller(Arc::new(handle))
    }
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl Default for Canceller {
    fn default() -> Self {
        Self::new()
    }
}

/// Server facts SQLGetInfo reports.
#[derive(Clone, Debug, Default)]
pub struct ServerFacts {
    /// "16.00.4096"
    pub version: String,
    pub server_name: String,
}

// Parameter arrays and prepared executions by server handle.
mod arrays;
pub use arrays::{ArrayFailure, ArrayReply, ParamSet, PreparedPlan, SetOutcome};

/// A logged-in connection.
pub struct Session {
    client: Box<TdsClient>,
    /// Set when the link failed: every later call answers 08S01 without touching the wire.
    dead: bool,
    /// An error met after some rows of a fetch batch were decoded: delivered by the next fetch,
    /// after those rows.
    pending_error: Option<crate::diag::Error>,
    /// Server handles of prepared plans given up, released on the next prepared request.
    retired: Vec<mssql_tds::connection::tds_client::StatementId>,
    /// Whether the server marks where each RPC of a batched request ends (asked once, on the
    /// first parameter array; see [`Session::follows_batched_rpcs`]).
    marks_batched_rpcs: Option<bool>,
}

impl Session {
    /// Logs in. Returns the session and the messages the server sent during login.
    pub fn connect(params: &LoginParams) -> Result<(Session, Vec<ServerMessage>)> {
        let ctx = params.client_context();
        let data_source = params.data_source();
        let timeout = params.login_timeout_secs;
        let connect = async move {
            let provider = TdsConnectionProvider {};
            provider.create_client(ctx, &data_source, None).await
        };
        let result = if timeout > 0 {
            block_on(async move {
                match tokio::time::timeout(
                    std::time::Duration::from_secs(u64::from(timeout)),
                    connect,
                )
                .await
                {
                    Ok(r) => r.map_err(Some),
                    Err(_) => Err(None),
                }
            })
        } else {
            block_on(connect).map_err(Some)
        };
        match result {
            Ok(mut client) => {
                let messages = client
                    .take_info_messages()
                    .iter()
                    .map(errors::info_message)
                    .collect();
                Ok((
                    Session {
                        client: Box::new(client),
                        dead: false,
                        pending_error: None,
                        retired: Vec::new(),
                        marks_batched_rpcs: None,
                    },
                    messages,
                ))
            }
            Err(None) => Err(crate::diag::Error::new("HYT00", "Login timeout expired")),
            Err(Some(e)) => Err(connect_error(&e, &params.host)),
        }
    }

    pub fn facts(&self) -> ServerFacts {
        let version = self
            .client
            .server_version()
            .map(|v| format!("{:02}.{:02}.{:04}", v.major, v.minor, v.build))
            .unwrap_or_default();
        ServerFacts {
            version,
            server_name: self
                .client
                .server_reported_name()
                .unwrap_or_default()
                .to_string(),
        }
    }

    pub fn database(&self) -> String {
        self.client.database().to_string()
    }

    pub fn packet_size(&self) -> u32 {
        self.client.packet_size()
    }

    pub fn is_dead(&self) -> bool {
        self.dead || self.client.is_connection_dead()
    }

    fn check_alive(&self) -> Result<()> {
        if self.is_dead() {
            Err(crate::diag::Error::link_failure(
                "the connection is no longer usable",
            ))
        } else {
            Ok(())
        }
    }

    /// Marks the session dead when an error means the link is gone.
    fn observe<T>(&mut self, result: std::result::Result<T, TdsError>) -> Result<T> {
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                let messages = self.take_messages();
                let err = exec_error(&e, messages);
                if err.sqlstate() == "08S01" || self.client.is_connection_dead() {
                    self.dead = true;
                }
                Err(err)
            }
        }
    }

    fn step(&mut self, result: StatementResult) -> Step {
        match result {
            StatementResult::Rows => {
                let columns = self.client.get_metadata().iter().map(column_info).collect();
                Step::Rows(Arc::new(columns))
            }
            StatementResult::NoRows { rows_affected } => Step::NoRows { rows_affected },
            StatementResult::End => Step::End,
        }
    }

    /// Sends a batch and positions on its first result.
    pub fn execute(&mut self, sql: &str, timeout_secs: u32, cancel: &Canceller) -> Result<Step> {
        self.check_alive()?;
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new()
            .cancel(handle)
            .on_error(BatchErrorMode::Continue);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let sql = sql.to_string();
        let result = block_on(async move { client.execute(sql, options).await });
        let result = self.observe(result)?;
        Ok(self.step(result))
    }

    /// Runs a batch to its end, returning its messages; for the driver's own statements
    /// (transaction control, SET options).
    pub fn run(&mut self, sql: &str) -> Result<Vec<ServerMessage>> {
        let cancel = Canceller::new();
        self.execute(sql, 0, &cancel)?;
        self.close()?;
        Ok(self.take_messages())
    }

    /// Moves to the next result of the batch.
    pub fn advance(&mut self) -> Result<Step> {
        self.check_alive()?;
        let client = &mut self.client;
        // Boxed: the engine's futures are several KB, and block_on would move them by value.
        let result = block_on(Box::pin(async move { client.advance().await }));
        let result = self.observe(result)?;
        Ok(self.step(result))
    }

    /// Whether results of the current batch remain on the wire.
    pub fn has_open_batch(&self) -> bool {
        self.client.has_open_batch()
    }

    /// Decodes up to `max_rows` rows of the current result set into `values` (appended, one
    /// row after another). Blocks only when no complete row is buffered. Returns the number
    /// of rows added; 0 means the result set is exhausted.
    pub fn fetch_rows(
        &mut self,
        values: &mut Vec<Value>,
        columns: usize,
        max_rows: usize,
    ) -> Result<usize> {
        let mut spare = CellBuffers::default();
        self.fetch_rows_within(values, &mut spare, columns, max_rows, usize::MAX)
    }

    /// [`Self::fetch_rows`], stopping early once the rows added hold more than `byte_budget`
    /// bytes of text and binary data (results with long values keep few rows in memory).
    /// Text and binary cells are decoded into the buffers of `spare` while it has some.
    pub fn fetch_rows_within(
        &mut self,
        values: &mut Vec<Value>,
        spare: &mut CellBuffers,
        columns: usize,
        max_rows: usize,
        byte_budget: usize,
    ) -> Result<usize> {
        if let Some(err) = self.pending_error.take() {
            return Err(err);
        }
        self.check_alive()?;
        let start = values.len();
        let mut rows = 0;
        let client = &mut self.client;
        let outcome: std::result::Result<(), TdsError> = (|| {
            let mut writer = ValueRows::recycling(values, spare);
            let mut bytes = 0usize;
            while rows < max_rows && bytes <= byte_budget {
                if byte_budget != usize::MAX && rows > 0 {
                    let row = &writer.values[start + (rows - 1) * columns..];
                    bytes += row.iter().map(value_bytes).sum::<usize>();
                    if bytes > byte_budget {
                        break;
                    }
                }
                match client.try_next_buffered_row_into(&mut writer)? {
                    BufferedRowPoll::Complete => rows += 1,
                    BufferedRowPoll::Partial => {
                        block_on(async { client.finish_row_into(&mut writer).await })?;
                        rows += 1;
                    }
                    BufferedRowPoll::Exhausted => break,
                    BufferedRowPoll::Pending => {
                        if rows > 0 {
                            break;
                        }
                        let got = block_on(async { client.next_row_into(&mut writer).await })?;
                        if !got {
                            break;
                        }
                        rows += 1;
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = outcome {
            values.truncate(start + rows * columns);
            // Rows read before the error are still delivered; the error comes after them.
            if rows == 0 {
                return self.observe(Err(e));
            }
            if let Err(err) = self.observe::<()>(Err(e)) {
                self.pending_error = Some(err);
            }
        }
        Ok(rows)
    }

    /// Discards the rest of the batch (SQLCloseCursor / SQLFreeStmt(SQL_CLOSE)).
    pub fn close(&mut self) -> Result<()> {
        if self.is_dead() {
            return Ok(());
        }
        let client = &mut self.client;
        let result = block_on(Box::pin(async move { client.close_query().await }));
        // Errors skipped while draining are the closed statement's business, not the caller's.
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                if self.client.is_connection_dead() {
                    self.dead = true;
                    Err(exec_error(&e, Vec::new()))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// SQLRowCount of the statement just completed.
    pub fn rows_affected(&self) -> i64 {
        self.client.last_rows_affected()
    }

    /// The server's INFO messages since the last call, in arrival order.
    pub fn take_messages(&mut self) -> Vec<ServerMessage> {
        self.client
            .take_info_messages()
            .iter()
            .map(errors::info_message)
            .collect()
    }

    pub fn disconnect(mut self) {
        if !self.is_dead() {
            let client = &mut self.client;
            let _ = block_on(async move { client.close_connection().await });
        }
    }
}

impl Session {
    /// Runs a statement with parameters through `sp_executesql` (markers already rewritten to
    /// `@P1..`) and positions on its first result.
    pub fn execute_params(
        &mut self,
        sql: &str,
        params: &[(Value, crate::convert::ServerType)],
        timeout_secs: u32,
        cancel: &Canceller,
    ) -> Result<Step> {
        self.check_alive()?;
        let rpc = super::params::rpc_parameters(params)?;
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new().cancel(handle);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let sql = sql.to_string();
        let result = block_on(async move { client.execute_sp_executesql(sql, rpc, options).await });
        let result = self.observe(result)?;
        Ok(self.step(result))
    }
}

impl Session {
    /// Runs a driver query to its end and returns its first result set (columns and the rows,
    /// flat). For metadata queries (parameter descriptions), never for application data.
    pub fn query_all(&mut self, sql: &str) -> Result<(Arc<Vec<ColumnInfo>>, Vec<Value>)> {
        let cancel = Canceller::new();
        let mut step = self.execute(sql, 0, &cancel)?;
        loop {
            match step {
                Step::Rows(columns) => {
                    let mut values = Vec::new();
                    while self.fetch_rows(&mut values, columns.len(), 1024)? > 0 {}
                    self.close()?;
                    let _ = self.take_messages();
                    return Ok((columns, values));
                }
                Step::NoRows { .. } => step = self.advance()?,
                Step::End => {
                    let _ = self.take_messages();
                    return Ok((Arc::new(Vec::new()), Vec::new()));
                }
            }
        }
    }
}

// Procedure calls and output parameters (a child module: it reaches the client directly).
mod calls;
pub use calls::{CallRequest, Outputs};

/// An argument of a driver-issued procedure call (the catalog procedures).
#[derive(Clone, Debug)]
pub enum ProcArg {
    /// nvarchar(n); None is NULL.
    NVarChar(Option<String>),
    /// nchar(1) flags such as sp_special_columns' `R`/`T`/`U`.
    NChar(Option<String>),
    SmallInt(Option<i16>),
    TinyInt(u8),
    Bit(bool),
}

impl ProcArg {
    fn sql_type(&self) -> mssql_tds::datatypes::sqltypes::SqlType {
        use mssql_tds::datatypes::sql_string::SqlString;
        use mssql_tds::datatypes::sqltypes::SqlType;
        let text = |s: &Option<String>| s.as_ref().map(|t| SqlString::from_utf8_string(t.clone()));
        match self {
            ProcArg::NVarChar(s) => {
                let n = s
                    .as_ref()
                    .map(|t| t.encode_utf16().count())
                    .unwrap_or(1)
                    .clamp(1, 4000) as u16;
                SqlType::NVarchar(text(s), n.max(128))
            }
            ProcArg::NChar(s) => SqlType::NChar(text(s), 1),
            ProcArg::SmallInt(n) => SqlType::SmallInt(*n),
            ProcArg::TinyInt(n) => SqlType::TinyInt(Some(*n)),
            ProcArg::Bit(b) => SqlType::Bit(Some(*b)),
        }
    }
}

impl Session {
    /// Calls a procedure by RPC with named arguments (`@name`), as msodbcsql does for the
    /// catalog functions, and positions on its first result.
    pub fn call_procedure(
        &mut self,
        name: &str,
        args: &[(&str, ProcArg)],
        timeout_secs: u32,
        cancel: &Canceller,
    ) -> Result<Step> {
        use mssql_tds::message::parameters::rpc_parameters::{RpcParameter, StatusFlags};
        self.check_alive()?;
        let named: Vec<RpcParameter> = args
            .iter()
            .map(|(n, a)| RpcParameter::new(Some(n.to_string()), StatusFlags::NONE, a.sql_type()))
            .collect();
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new().cancel(handle);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let name = name.to_string();
        let result = block_on(async move {
            client
                .execute_stored_procedure(name, None, Some(named), options)
                .await
        });
        let result = self.observe(result)?;
        Ok(self.step(result))
    }
}

/// Heap bytes a value holds (text and binary), for the fetch byte budget.
fn value_bytes(v: &Value) -> usize {
    match v {
        Value::Text(t) => t.len(),
        Value::Binary(b) => b.len(),
        Value::Variant(inner, _) => value_bytes(inner),
        _ => 0,
    }
}

/// A column of the row the cursor is on (rows read one at a time, for SQLGetData on long
/// values).
#[derive(Debug)]
pub enum CursorCell {
    /// A value decoded whole.
    Value(Value),
    /// A long value whose bytes are read with [`Session::read_long_chunk`].
    Long(WireForm),
}

impl Session {
    // The cursor's futures are several KB: they are boxed so that entering the runtime moves
    // a pointer, not the future (bench/README.md, prepared execute).

    /// Positions on the next row of the current result set without decoding it; what the
    /// cursor left of the previous row (a long value half read included) is skipped.
    /// `false`: the result set is over.
    pub fn cursor_next_row(&mut self) -> Result<bool> {
        self.check_alive()?;
        let client = &mut self.client;
        let result = match client.try_next_row_cursor() {
            Ok(CursorPoll::Ready(has_row)) => Ok(has_row),
            Ok(CursorPoll::Pending) => block_on(Box::pin(async { client.next_row_cursor().await })),
            Err(e) => Err(e),
        };
        self.observe(result)
    }

    /// Reads up to the first row's header on execute (an error before any row fails the
    /// execute) and parks that row for [`Self::cursor_next_row`].
    pub fn cursor_peek_row(&mut self) -> Result<bool> {
        self.check_alive()?;
        let client = &mut self.client;
        let result = match client.try_peek_past_current_row() {
            Ok(CursorPoll::Ready(has_row)) => Ok(has_row),
            Ok(CursorPoll::Pending) => {
                block_on(Box::pin(async { client.peek_past_current_row().await }))
            }
            Err(e) => Err(e),
        };
        self.observe(result)
    }

    /// Reads column `col` (0-based, at or after every column read so far) of the cursor's
    /// row, skipping the columns before it.
    pub fn cursor_cell(&mut self, col: usize, info: &ColumnInfo) -> Result<CursorCell> {
        self.check_alive()?;
        let client = &mut self.client;
        let result = match client.try_read_row_column(col) {
            Ok(CursorPoll::Ready(cell)) => Ok(cell),
            Ok(CursorPoll::Pending) => {
                block_on(Box::pin(async { client.read_row_column(col).await }))
            }
            Err(e) => Err(e),
        };
        match self.observe(result)? {
            CursorColumn::Value {
                value,
                variant_base,
            } => {
                let mut values = Vec::with_capacity(1);
                let mut writer = ValueRows::new(&mut values);
                if let Some(base) = variant_base {
                    writer.write_variant_base_type(col, base);
                }
                write_column_value(&mut writer, col, value);
                Ok(CursorCell::Value(values.pop().unwrap_or(Value::Null)))
            }
            CursorColumn::PlpStreaming { collation } => {
                Ok(CursorCell::Long(wire_form(&info.ty, collation)))
            }
            CursorColumn::AlreadyConsumed | CursorColumn::RowEnded => {
                Err(crate::diag::Error::new("07009", "Invalid descriptor index"))
            }
        }
    }

    /// Reads the next bytes of the long value [`Self::cursor_cell`] opened into `out`.
    pub fn read_long_chunk(&mut self, out: &mut [u8]) -> Result<WireRead> {
        self.check_alive()?;
        let client = &mut self.client;
        let result = match client.try_read_active_plp_chunk(out) {
            Ok(CursorPoll::Ready(chunk)) => Ok(chunk),
            Ok(CursorPoll::Pending) => {
                block_on(Box::pin(async { client.read_active_plp_chunk(out).await }))
            }
            Err(e) => Err(e),
        };
        let chunk = self.observe(result)?;
        Ok(WireRead {
            read: chunk.read,
            end: chunk.reached_end,
            left: chunk
                .known_total
                .map(|total| total.saturating_sub(chunk.total_read as u64)),
        })
    }

    /// Reads the rest of the long value [`Self::cursor_cell`] opened, whole.
    pub fn read_long_value(&mut self, wire: WireForm) -> Result<Value> {
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let got = self.read_long_chunk(&mut chunk)?;
            bytes.extend_from_slice(&chunk[..got.read]);
            if got.end {
                return Ok(whole_value(bytes, wire));
            }
            if got.read == 0 {
                return Err(crate::diag::Error::general(
                    "The server sent a long value that makes no progress",
                ));
            }
        }
    }

    /// Reads column `col` of the cursor's row whole, long values included.
    pub fn cursor_value(&mut self, col: usize, info: &ColumnInfo) -> Result<Value> {
        match self.cursor_cell(col, info)? {
            CursorCell::Value(v) => Ok(v),
            CursorCell::Long(wire) => self.read_long_value(wire),
        }
    }
}

/// How the bytes of a long value of type `ty` arrive.
fn wire_form(ty: &ServerType, collation: Option<SqlCollation>) -> WireForm {
    match ty {
        ServerType::Xml => WireForm::Xml,
        // json (described as nvarchar(max)) is the one text without a collation: UTF-8.
        ServerType::NVarChar(_) | ServerType::NChar(_) | ServerType::NText
            if collation.is_none() =>
        {
            WireForm::Narrow(encoding_rs::UTF_8)
        }
        ServerType::NVarChar(_) | ServerType::NChar(_) | ServerType::NText => WireForm::Utf16,
        ServerType::VarChar(_) | ServerType::Char(_) | ServerType::Text => {
            WireForm::Narrow(code_page(collation))
        }
        _ => WireForm::Binary,
    }
}

/// The encoding of narrow text under `collation` (Windows-1252 when unknown, as the batched
/// path decodes it).
fn code_page(collation: Option<SqlCollation>) -> &'static encoding_rs::Encoding {
    match collation {
        Some(c) if c.utf8() => encoding_rs::UTF_8,
        Some(c) => EncodingType::LcidBased(c)
            .resolved_encoding()
            .and_then(|e| e.as_encoding_rs())
            .unwrap_or(encoding_rs::WINDOWS_1252),
        None => encoding_rs::WINDOWS_1252,
    }
}

impl Session {
    /// Positions the cursor on the next row and decodes all of it into `values` (long values
    /// whole), for the batched path taking over from the cursor. Returns the rows added (0 at
    /// the end of the result set) and whether the cursor is idle after it: only a last column
    /// decoded as a value ends the row for the engine, a long value leaves its stream open,
    /// and the batched reads refuse to start while it is.
    pub fn cursor_row_into(
        &mut self,
        values: &mut Vec<Value>,
        columns: &[ColumnInfo],
    ) -> Result<(usize, bool)> {
        if !self.cursor_next_row()? {
            return Ok((0, true));
        }
        let start = values.len();
        let mut idle = true;
        for (col, info) in columns.iter().enumerate() {
            let value = self.cursor_cell(col, info).and_then(|cell| match cell {
                CursorCell::Value(v) => {
                    idle = true;
                    Ok(v)
                }
                CursorCell::Long(wire) => {
                    idle = false;
                    self.read_long_value(wire)
                }
            });
            match value {
                Ok(v) => values.push(v),
                Err(e) => {
                    values.truncate(start);
                    return Err(e);
                }
            }
        }
        Ok((1, idle))
    }
}
