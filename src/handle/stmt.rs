//! The statement handle: execution, result navigation, fetch and SQLGetData.

use std::sync::{Arc, Mutex, MutexGuard};

use super::dbc::{DbcState, next_stmt_id};
use super::params::{
    self, OutputPlan, OutputSlot, OutputValue, ParamBinding, ParamInput, PendingExec,
};
use super::{AttrValue, Dbc, Status, TAG_STMT, char_encoding};
use crate::convert::codes::SQL_C_NUMERIC;
use crate::convert::long_value::LongValue;
use crate::convert::{self, ServerType, Value, Warning};
use crate::diag::{DiagArea, DiagRecord, Error, Result, ServerMessage};
use crate::engine::{Canceller, CellBuffers, ColumnInfo, ParamSet, PreparedPlan, Step};

pub const SQL_PARAM_SUCCESS: u16 = 0;
pub const SQL_PARAM_SUCCESS_WITH_INFO: u16 = 6;
pub const SQL_PARAM_ERROR: u16 = 5;
pub const SQL_PARAM_UNUSED: u16 = 7;

/// Rows decoded per trip to the connection.
const FETCH_BATCH_ROWS: usize = 256;
/// The largest SQL_ATTR_ROW_ARRAY_SIZE honoured.
const MAX_ROW_ARRAY: u64 = 1 << 20;

pub const SQL_NULL_DATA: isize = -1;
pub const SQL_NO_TOTAL: isize = -4;
pub const SQL_C_DEFAULT: i16 = 99;
pub const SQL_ARD_TYPE: i16 = -99;
/// SQL_C_NUMERIC's precision and scale when the ARD says nothing (ODBC: 38 and 0).
const DEFAULT_NUMERIC: (u8, i8) = (super::desc::DEFAULT_NUMERIC_PRECISION, 0);

pub const SQL_ATTR_QUERY_TIMEOUT: i32 = 0;
pub const SQL_ATTR_MAX_ROWS: i32 = 1;
pub const SQL_ATTR_ROW_BIND_TYPE: i32 = 5;
pub const SQL_ATTR_ROW_BIND_OFFSET_PTR: i32 = 23;
pub const SQL_ATTR_CURSOR_TYPE: i32 = 6;
pub const SQL_ATTR_CONCURRENCY: i32 = 7;
pub const SQL_ROWSET_SIZE: i32 = 9;
pub const SQL_ATTR_ROW_ARRAY_SIZE: i32 = 27;
pub const SQL_ATTR_ROW_STATUS_PTR: i32 = 25;
pub const SQL_ATTR_ROWS_FETCHED_PTR: i32 = 26;
pub const SQL_ATTR_APP_ROW_DESC: i32 = 10010;
pub const SQL_ATTR_APP_PARAM_DESC: i32 = 10011;
pub const SQL_ATTR_IMP_ROW_DESC: i32 = 10012;
pub const SQL_ATTR_IMP_PARAM_DESC: i32 = 10013;

use super::desc::{ArdView, Bindings, KIND_APD, KIND_ARD, KIND_IPD, KIND_IRD};
pub use super::desc::{Desc, TAG_DESC};

#[repr(C)]
pub struct Stmt {
    /// The handle-type tag; set to TAG_FREED on release (atomic: other clones may read it).
    pub tag: std::sync::atomic::AtomicU32,
    pub id: u64,
    pub dbc: Arc<Dbc>,
    pub diag: Mutex<DiagArea>,
    /// Output parameters of the running request and values waiting for the application's
    /// buffers; `outputs_ready` lets the hot paths skip the lock.
    outputs: Mutex<OutputSlot>,
    outputs_ready: std::sync::atomic::AtomicBool,
    state: Mutex<StmtState>,
    /// The canceller of the running execution; outside `state` so SQLCancel can reach it while
    /// another thread holds the statement.
    canceller: Mutex<Canceller>,
    /// The implicit ARD, APD, IRD and IPD, in that order.
    pub descriptors: [Arc<Desc>; 4],
}

/// The result set the statement is positioned on, decoded a batch at a time.
struct RowsState {
    columns: Arc<Vec<ColumnInfo>>,
    values: Vec<Value>,
    /// Buffers of the text and binary cells already delivered, for the next batch's cells.
    spare: CellBuffers,
    rows_in_batch: usize,
    next_row: usize,
    current_row: Option<usize>,
    exhausted: bool,
    /// SQLGetData in parts: the column being read, bytes already returned, and whether it was
    /// returned completely.
    getdata_col: u16,
    getdata_offset: usize,
    getdata_done: bool,
    /// Rows in the current rowset (SQL_ATTR_ROW_ARRAY_SIZE, fewer at the end).
    rowset_len: usize,
    /// Bytes of long values a fetch batch may hold (unbounded without long columns).
    byte_budget: usize,
    /// Rows delivered so far (SQL_ATTR_MAX_ROWS stops the cursor there).
    delivered: usize,
    /// An error met after rows that are still to be delivered.
    pending_error: Option<Error>,
    /// The result set has (max) columns, whose values can be streamed: rows are then read one
    /// at a time through the engine's cursor while such a column is unbound.
    streamable: bool,
    /// The engine's cursor holds a row (parked on execute, or the row being read).
    on_cursor_row: bool,
    /// The current row when it was read through the cursor.
    cursor_row: Option<Box<CursorRow>>,
}

impl RowsState {
    fn new(columns: Arc<Vec<ColumnInfo>>, values: Vec<Value>, exhausted: bool) -> Self {
        let ncols = columns.len().max(1);
        let rows_in_batch = values.len() / ncols;
        RowsState {
            byte_budget: long_value_budget(&columns),
            streamable: columns.iter().any(|c| streamable_type(&c.ty)),
            columns,
            values,
            spare: CellBuffers::default(),
            rows_in_batch,
            next_row: 0,
            current_row: None,
            exhausted,
            getdata_col: 0,
            getdata_offset: 0,
            getdata_done: false,
            rowset_len: 0,
            delivered: 0,
            pending_error: None,
            on_cursor_row: false,
            cursor_row: None,
        }
    }
}

/// A row read through the engine's cursor: columns are read off the wire in order as
/// SQLGetData asks for them, so a long value is streamed rather than held.
struct CursorRow {
    /// By column: decoded values, kept so SQLGetData may come back to them.
    cells: Vec<Cell>,
    /// The first column not yet read off the wire.
    next_wire: usize,
    /// The long value being returned in parts, and its column.
    active: Option<(usize, LongValue)>,
}

enum Cell {
    Unread,
    Value(Value),
    /// Streamed, or skipped on the way to a later column: no longer available.
    Gone,
}

impl CursorRow {
    fn new(ncols: usize) -> Self {
        CursorRow {
            cells: (0..ncols).map(|_| Cell::Unread).collect(),
            next_wire: 0,
            active: None,
        }
    }
}

/// The value of column `col` (0-based) in row `row` of the rowset, where decoded.
fn cell_of<'a>(
    values: &'a [Value],
    cursor_row: &'a Option<Box<CursorRow>>,
    ncols: usize,
    row: usize,
    col: usize,
) -> Option<&'a Value> {
    match cursor_row {
        Some(r) => match r.cells.get(col)? {
            Cell::Value(v) => Some(v),
            Cell::Unread | Cell::Gone => None,
        },
        None => values.get(row * ncols + col),
    }
}

enum Current {
    Rows(RowsState),
    NoRows { rows_affected: i64 },
}

/// The next result, read early so the connection is free as soon as this one is consumed.
struct Lookahead {
    result: Result<Step>,
    messages: Vec<ServerMessage>,
}

struct Cursor {
    current: Current,
    lookahead: Option<Lookahead>,
    /// The batch has no more results on the wire.
    batch_done: bool,
}

pub struct StmtState {
    prepared: Option<String>,
    /// The bindings live in descriptor records: the implicit ones (also in `Stmt::descriptors`)
    /// and the explicit ARD/APD the application set, if any.
    bindings: Bindings,
    pending: Option<PendingExec>,
    /// SQLDescribeParam answers for the prepared statement, asked once.
    described: Option<Vec<(i16, u64, i16)>>,
    cursor: Option<Cursor>,
    pub query_timeout: u32,
    attrs: Vec<(i32, i64)>,
    cursor_name: Option<String>,
    /// The statement as prepared on the server for its parameters (parameter arrays and
    /// prepared executions reuse its handle).
    plan: Option<PreparedPlan>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Stmt {
    pub fn new(dbc: Arc<Dbc>) -> Self {
        let descriptors = [KIND_ARD, KIND_APD, KIND_IRD, KIND_IPD].map(Desc::implicit);
        Stmt {
            tag: std::sync::atomic::AtomicU32::new(TAG_STMT),
            id: next_stmt_id(),
            dbc,
            diag: Mutex::new(DiagArea::default()),
            outputs: Mutex::new(OutputSlot::default()),
            outputs_ready: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(StmtState {
                prepared: None,
                bindings: Bindings::new(&descriptors),
                pending: None,
                described: None,
                cursor: None,
                query_timeout: 0,
                attrs: Vec::new(),
                cursor_name: None,
                plan: None,
            }),
            canceller: Mutex::new(Canceller::new()),
            descriptors,
        }
    }

    fn state(&self) -> MutexGuard<'_, StmtState> {
        lock(&self.state)
    }

    /// SQLCancel: interrupts the execution running on another thread (ATTENTION); on a
    /// statement waiting for data at execution (SQL_NEED_DATA), abandons that execution.
    pub fn cancel(&self) {
        lock(&self.canceller).cancel();
        // Never wait for the statement: another thread may be executing on it.
        if let Ok(mut st) = self.state.try_lock() {
            st.pending = None;
        }
    }

    fn fresh_canceller(&self) -> Canceller {
        let c = Canceller::new();
        *lock(&self.canceller) = c.clone();
        c
    }

    // ---- execution ----

    pub fn exec_direct(&self, diag: &mut DiagArea, sql: &str) -> Result<Status> {
        let mut st = self.state();
        self.close_cursor_locked(&mut st)?;
        st.prepared = None;
        self.execute_sql(&mut st, diag, sql)
    }

    pub fn prepare(&self, _diag: &mut DiagArea, sql: &str) -> Result<()> {
        let mut st = self.state();
        self.close_cursor_locked(&mut st)?;
        st.prepared = Some(sql.to_string());
        st.described = None;
        Ok(())
    }

    pub fn execute(&self, diag: &mut DiagArea) -> Result<Status> {
        let mut st = self.state();
        let sql = st.prepared.clone().ok_or_else(Error::sequence)?;
        self.close_cursor_locked(&mut st)?;
        self.execute_sql(&mut st, diag, &sql)
    }

    fn execute_sql(&self, st: &mut StmtState, diag: &mut DiagArea, sql: &str) -> Result<Status> {
        self.run_statement(st, diag, sql, &[])
    }

    /// Sends `sql` (ODBC text with `?` markers) with these parameter values.
    fn run_statement(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        sql: &str,
        values: &[(Value, ServerType)],
    ) -> Result<Status> {
        self.run(st, diag, sql, values, None)
    }

    /// Sends a statement, or a catalog procedure call, and positions on its first result.
    fn run(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        sql: &str,
        values: &[(Value, ServerType)],
        catalog: Option<&crate::info::catalog::CatalogCall>,
    ) -> Result<Status> {
        let escaped = crate::engine::params::rewrite_call_escape(sql);
        let sql = escaped.as_deref().unwrap_or(sql);
        self.run_with(st, diag, |session, canceller, timeout| {
            if let Some(call) = catalog {
                let args: Vec<(&str, crate::engine::ProcArg)> =
                    call.args.iter().map(|(n, a)| (*n, a.clone())).collect();
                session.call_procedure(call.procedure, &args, timeout, canceller)
            } else if values.is_empty() {
                session.execute(sql, timeout, canceller)
            } else {
                let (text, _) = crate::engine::params::rewrite_markers(sql);
                session.execute_params(&text, values, timeout, canceller)
            }
        })
    }

    /// Sends a request with `send` (session, canceller, query timeout) and positions on its
    /// first result.
    fn run_with(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        send: impl FnOnce(&mut crate::engine::Session, &Canceller, u32) -> Result<Step>,
    ) -> Result<Status> {
        let canceller = self.fresh_canceller();
        let mut dbc = self.dbc.lock();
        self.claim_connection(&mut dbc)?;
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let result = send(session, &canceller, st.query_timeout);
        let messages = session.take_messages();
        diag.extend(messages.iter().map(DiagRecord::server));
        match result {
            Ok(step) => {
                let mut cursor = Cursor {
                    current: Current::NoRows { rows_affected: -1 },
                    lookahead: None,
                    batch_done: false,
                };
                self.position(&mut dbc, &mut cursor, step);
                if let Err(e) = self.read_first_row(&mut dbc, &mut cursor, diag) {
                    return self.fail_execute(st, &mut dbc, e);
                }
                st.cursor = Some(cursor);
                diag.row_count = row_count_of(st.cursor.as_ref());
                Ok(Status::Success)
            }
            Err(e) => self.fail_execute(st, &mut dbc, e),
        }
    }

    /// Reads the first row of a result set (or its end) on execute, as msodbcsql does, so an
    /// error the server sends before any row (1/0, a failed conversion) fails the execute
    /// rather than the first fetch. Reads no further than that row.
    fn read_first_row(
        &self,
        dbc: &mut DbcState,
        cursor: &mut Cursor,
        diag: &mut DiagArea,
    ) -> Result<()> {
        let Current::Rows(rows) = &mut cursor.current else {
            return Ok(());
        };
        let Some(session) = dbc.session.as_mut() else {
            return Ok(());
        };
        let ncols = rows.columns.len();
        // With long values to stream, only the row's header is read (the row is parked for
        // the first fetch, which decides how to read it).
        let fetched = if rows.streamable {
            session.cursor_peek_row().map(|has_row| {
                rows.on_cursor_row = has_row;
                0
            })
        } else {
            session.fetch_rows_within(
                &mut rows.values,
                &mut rows.spare,
                ncols,
                1,
                rows.byte_budget,
            )
        };
        diag.extend(session.take_messages().iter().map(DiagRecord::server));
        match fetched? {
            0 if !rows.on_cursor_row => {
                rows.exhausted = true;
                self.look_ahead(dbc, cursor);
            }
            n => rows.rows_in_batch += n,
        }
        Ok(())
    }

    /// An execute that failed: the statement keeps a cursor when the batch goes on (SQLMoreResults
    /// reaches the results after the error).
    fn fail_execute(&self, st: &mut StmtState, dbc: &mut DbcState, e: Error) -> Result<Status> {
        let continues = dbc
            .session
            .as_ref()
            .map(|s| s.has_open_batch() && !s.is_dead())
            .unwrap_or(false);
        if continues {
            st.cursor = Some(Cursor {
                current: Current::NoRows { rows_affected: -1 },
                lookahead: None,
                batch_done: false,
            });
            dbc.owner = Some(self.id);
        } else {
            dbc.owner = None;
            self.capture_outputs(dbc, true);
        }
        Err(e)
    }

    /// No MARS: another statement's unread results make the connection busy.
    fn claim_connection(&self, dbc: &mut DbcState) -> Result<()> {
        match dbc.owner {
            Some(owner) if owner != self.id => Err(Error::general(
                "Connection is busy with results for another command",
            )),
            _ => Ok(()),
        }
    }

    /// Positions `cursor` on `step`; a result without rows looks ahead at once.
    fn position(&self, dbc: &mut DbcState, cursor: &mut Cursor, step: Step) {
        match step {
            Step::Rows(columns) => {
                cursor.current = Current::Rows(RowsState::new(columns, Vec::new(), false));
                dbc.owner = Some(self.id);
            }
            Step::NoRows { rows_affected } => {
                cursor.current = Current::NoRows {
                    rows_affected: rows_affected.map(|n| n as i64).unwrap_or(-1),
                };
                self.look_ahead(dbc, cursor);
            }
            Step::End => {
                cursor.current = Current::NoRows { rows_affected: -1 };
                cursor.batch_done = true;
                dbc.owner = None;
                self.capture_outputs(dbc, false);
            }
        }
    }

    fn look_ahead(&self, dbc: &mut DbcState, cursor: &mut Cursor) {
        let Some(session) = dbc.session.as_mut() else {
            cursor.batch_done = true;
            return;
        };
        let result = session.advance();
        let messages = session.take_messages();
        let done = match &result {
            Ok(Step::End) => true,
            Ok(_) => false,
            Err(_) => !session.has_open_batch() || session.is_dead(),
        };
        let failed = result.is_err();
        if matches!(result, Ok(Step::End)) && messages.is_empty() {
            cursor.lookahead = None;
        } else {
            cursor.lookahead = Some(Lookahead { result, messages });
        }
        cursor.batch_done = done;
        dbc.owner = if done { None } else { Some(self.id) };
        if done {
            self.capture_outputs(dbc, failed);
        }
    }

    /// A catalog function: the procedure call, with ODBC 3 column names for ODBC 3 apps.
    pub fn exec_catalog(
        &self,
        diag: &mut DiagArea,
        call: crate::info::catalog::CatalogCall,
    ) -> Result<Status> {
        let mut st = self.state();
        self.close_cursor_locked(&mut st)?;
        st.prepared = None;
        st.pending = None;
        let status = self.run(&mut st, diag, "", &[], Some(&call))?;
        if self.dbc.odbc_version != super::env::SQL_OV_ODBC2
            && let Some(Current::Rows(rows)) = st.cursor.as_mut().map(|c| &mut c.current)
        {
            let mut columns: Vec<ColumnInfo> = rows.columns.as_ref().clone();
            for (col, name) in columns.iter_mut().zip(call.odbc3_names) {
                col.name = name.to_string();
            }
            rows.columns = Arc::new(columns);
        }
        Ok(status)
    }

    /// A result set the driver answers itself (SQLGetTypeInfo): no round trip.
    pub fn exec_local(&self, columns: Vec<ColumnInfo>, values: Vec<Value>) -> Result<Status> {
        let mut st = self.state();
        self.close_cursor_locked(&mut st)?;
        st.prepared = None;
        st.pending = None;
        let mut rows = RowsState::new(Arc::new(columns), values, true);
        // Answered from memory: nothing to stream.
        rows.streamable = false;
        st.cursor = Some(Cursor {
            current: Current::Rows(rows),
            lookahead: None,
            batch_done: true,
        });
        Ok(Status::Success)
    }

    // ---- parameters ----

    /// SQLBindParameter: writes the record of the APD in use and the IPD's.
    pub fn bind_param(&self, number: u16, binding: ParamBinding) -> Result<()> {
        if number == 0 {
            return Err(Error::invalid_descriptor_index());
        }
        let st = self.state();
        let apd = st.bindings.apd();
        apd.modify(|d| super::desc::bind_apd(d, apd.kind, usize::from(number), &binding));
        st.bindings
            .ipd
            .modify(|d| super::desc::bind_ipd(d, usize::from(number), &binding));
        Ok(())
    }

    /// SQLFreeStmt(SQL_RESET_PARAMS): the APD in use loses its records.
    pub fn reset_params(&self) {
        self.state().bindings.apd().modify(|d| d.records.clear());
    }

    /// The bindings in parameter order (APD and IPD records); a gap is 07002 (COUNT field
    /// incorrect).
    pub fn param_bindings(&self) -> Vec<Option<ParamBinding>> {
        Self::bindings_of(&self.state())
    }

    fn bindings_of(st: &StmtState) -> Vec<Option<ParamBinding>> {
        let (apd, _) = st.bindings.apd().read(|d| d.clone());
        let (bindings, _) = st
            .bindings
            .ipd
            .read(|ipd| super::desc::param_bindings(&apd, ipd));
        bindings
    }

    /// SQLNumParams: the markers of the prepared statement.
    pub fn num_params(&self) -> Result<i16> {
        let st = self.state();
        let sql = st.prepared.as_deref().ok_or_else(Error::sequence)?;
        Ok(crate::engine::params::count_markers(sql) as i16)
    }

    pub fn prepared_sql(&self) -> Option<String> {
        self.state().prepared.clone()
    }

    pub fn param_count_for(&self, sql: &str) -> usize {
        crate::engine::params::count_markers(sql)
    }

    /// Executes `sql` (or the prepared statement) with every parameter set of the array
    /// (SQL_ATTR_PARAMSET_SIZE rows; `ignored` marks the SQL_PARAM_IGNORE ones). Returns the
    /// outcome and what the ffi layer writes to SQL_ATTR_PARAM_STATUS_PTR and
    /// SQL_ATTR_PARAMS_PROCESSED_PTR.
    pub fn execute_rows(
        &self,
        diag: &mut DiagArea,
        sql: Option<&str>,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
    ) -> (Result<Status>, ParamSetReport) {
        let mut report = ParamSetReport {
            statuses: vec![Some(SQL_PARAM_UNUSED); rows.len().max(1)],
            processed: 0,
        };
        let result = self.execute_rows_inner(diag, sql, rows, ignored, &mut report);
        (result, report)
    }

    fn execute_rows_inner(
        &self,
        diag: &mut DiagArea,
        sql: Option<&str>,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
        report: &mut ParamSetReport,
    ) -> Result<Status> {
        let mut st = self.state();
        let prepared = sql.is_none();
        let sql = match sql {
            Some(s) => {
                st.prepared = None;
                s.to_string()
            }
            None => st.prepared.clone().ok_or_else(Error::sequence)?,
        };
        self.close_cursor_locked(&mut st)?;
        st.pending = None;
        if rows.is_empty() {
            let status = self.run_statement(&mut st, diag, &sql, &[])?;
            report.statuses[0] = Some(SQL_PARAM_SUCCESS);
            report.processed = 1;
            return Ok(status);
        }
        if rows.len() > 1 || ignored.iter().any(|&i| i) {
            return self.execute_param_array(&mut st, diag, &sql, rows, ignored, report);
        }
        let Some(row) = rows.into_iter().next() else {
            return Ok(Status::Success);
        };
        report.processed = 1;
        let mut values = Vec::with_capacity(row.len());
        let mut at_exec = Vec::new();
        for (index, input) in row.into_iter().enumerate() {
            match input {
                ParamInput::Value(p) => {
                    values.push(Some(params::convert(&p).inspect_err(|_| {
                        report.statuses[0] = Some(SQL_PARAM_ERROR);
                    })?))
                }
                ParamInput::AtExec { token, binding } => {
                    values.push(None);
                    at_exec.push((index, token, binding));
                }
            }
        }
        if !at_exec.is_empty() {
            report.processed = 0;
            st.pending = Some(PendingExec {
                sql,
                values,
                at_exec,
                current: None,
                data: None,
                is_null: false,
            });
            return Ok(Status::NeedData);
        }
        let values: Vec<(Value, ServerType)> = values.into_iter().flatten().collect();
        let before = diag.records.len();
        let outcome = if prepared && Self::only_input_params(&st) {
            self.run_prepared(&mut st, diag, &sql, values)
        } else {
            self.run_statement(&mut st, diag, &sql, &values)
        };
        match outcome {
            Ok(status) => {
                report.statuses[0] = Some(if diag.records.len() > before {
                    SQL_PARAM_SUCCESS_WITH_INFO
                } else {
                    SQL_PARAM_SUCCESS
                });
                Ok(status)
            }
            Err(e) => {
                report.statuses[0] = Some(SQL_PARAM_ERROR);
                Err(e)
            }
        }
    }

    /// Whether every bound parameter is an input one (output parameters take the
    /// sp_executesql path of [`Self::run_statement`]).
    fn only_input_params(st: &StmtState) -> bool {
        // Read in place: this runs on every execution of a prepared statement.
        let (bound, _) = st.bindings.apd().read(|apd| apd.records.len());
        let (only_input, _) = st.bindings.ipd.read(|ipd| {
            ipd.records
                .iter()
                .take(bound)
                .filter(|r| r.concise_type != 0)
                .all(|r| r.parameter_type == super::params::SQL_PARAM_INPUT)
        });
        only_input
    }

    /// A prepared statement executed with one parameter set, by its server handle as
    /// msodbcsql does (sp_prepexec the first time, then sp_execute): the statement text, its
    /// `@P1 int, ...` declaration and the `?` rewriting are not redone on every execution.
    fn run_prepared(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        sql: &str,
        values: Vec<(Value, ServerType)>,
    ) -> Result<Status> {
        let canceller = self.fresh_canceller();
        let mut dbc = self.dbc.lock();
        self.claim_connection(&mut dbc)?;
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let mut plan = match st.plan.take() {
            Some(plan) if plan.is_for(sql) => plan,
            other => {
                if let Some(mut old) = other {
                    session.retire_plan(&mut old);
                }
                PreparedPlan::new(sql, server_text(sql))
            }
        };
        let result = session.execute_prepared_plan(&mut plan, values, st.query_timeout, &canceller);
        st.plan = Some(plan);
        diag.extend(session.take_messages().iter().map(DiagRecord::server));
        match result {
            Ok(step) => {
                let mut cursor = Cursor {
                    current: Current::NoRows { rows_affected: -1 },
                    lookahead: None,
                    batch_done: false,
                };
                self.position(&mut dbc, &mut cursor, step);
                if let Err(e) = self.read_first_row(&mut dbc, &mut cursor, diag) {
                    return self.fail_execute(st, &mut dbc, e);
                }
                st.cursor = Some(cursor);
                diag.row_count = row_count_of(st.cursor.as_ref());
                Ok(Status::Success)
            }
            Err(e) => self.fail_execute(st, &mut dbc, e),
        }
    }

    /// A parameter array: the sets go in batched requests of at most [`SETS_PER_REQUEST`]
    /// sets (one `sp_execute` RPC each, the statement prepared once), as msodbcsql sends them;
    /// one set per request to a server whose batched replies the engine cannot follow.
    /// Like msodbcsql, a set the server rejects does not stop the others; each failed set
    /// gets SQL_PARAM_ERROR and its own diagnostic records (SQL_DIAG_ROW_NUMBER); the call
    /// returns SQL_SUCCESS_WITH_INFO when the application reads the status array, else
    /// SQL_ERROR. A set the driver cannot convert fails the call before its request is sent.
    fn execute_param_array(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        sql: &str,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
        report: &mut ParamSetReport,
    ) -> Result<Status> {
        if rows
            .iter()
            .flatten()
            .any(|p| matches!(p, ParamInput::AtExec { .. }))
        {
            return Err(Error::optional_feature(
                ": data at execution with parameter arrays",
            ));
        }
        diag.row_count = -1;
        let with_status_array = st.attr(SQL_ATTR_PARAM_STATUS_PTR).unwrap_or(0) != 0;
        let canceller = self.fresh_canceller();
        let mut dbc = self.dbc.lock();
        self.claim_connection(&mut dbc)?;
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let mut plan = match st.plan.take() {
            Some(plan) if plan.is_for(sql) => plan,
            other => {
                if let Some(mut old) = other {
                    session.retire_plan(&mut old);
                }
                PreparedPlan::new(sql, server_text(sql))
            }
        };
        let mut run = ArrayRun::default();
        let outcome = self.send_param_sets(
            session,
            &mut plan,
            rows,
            ignored,
            st.query_timeout,
            &canceller,
            report,
            &mut run,
        );
        st.plan = Some(plan);
        let step = match outcome {
            Ok(step) => step,
            Err(mut e) => {
                // The reason first (what applications show), then what earlier requests said.
                dbc.owner = None;
                e.records.append(&mut run.records);
                return Err(e);
            }
        };
        let mut cursor = Cursor {
            current: Current::NoRows {
                rows_affected: run.total.unwrap_or(-1),
            },
            lookahead: None,
            batch_done: true,
        };
        dbc.owner = None;
        if let Some(step) = step {
            cursor.batch_done = false;
            self.position(&mut dbc, &mut cursor, step);
            if let Err(e) = self.read_first_row(&mut dbc, &mut cursor, diag) {
                dbc.owner = None;
                return Err(e);
            }
        }
        if run.set_failed && !with_status_array {
            // msodbcsql: without a status array to show which sets failed, the call fails.
            dbc.owner = None;
            return Err(Error::from_records(run.records));
        }
        diag.extend(run.records);
        st.cursor = Some(cursor);
        diag.row_count = row_count_of(st.cursor.as_ref());
        Ok(Status::Success)
    }

    /// Converts and sends the parameter sets a request at a time; fills `report` and `run`.
    /// Returns the result set a set produced (the application reads it, and the rest of the
    /// array's results, with SQLMoreResults), or None when the array ran to its end.
    #[allow(clippy::too_many_arguments)]
    fn send_param_sets(
        &self,
        session: &mut crate::engine::Session,
        plan: &mut PreparedPlan,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
        timeout: u32,
        canceller: &crate::engine::Canceller,
        report: &mut ParamSetReport,
        run: &mut ArrayRun,
    ) -> Result<Option<Step>> {
        let sets_per_request = if session.follows_batched_rpcs()? {
            SETS_PER_REQUEST
        } else {
            1
        };
        let mut rows = rows.into_iter().enumerate();
        loop {
            let mut sets = Vec::new();
            let mut bytes = 0;
            while sets.len() < sets_per_request && bytes < BYTES_PER_REQUEST {
                let Some((index, row)) = rows.next() else {
                    break;
                };
                if ignored.get(index).copied().unwrap_or(false) {
                    continue;
                }
                match convert_set(row) {
                    Ok(values) => {
                        bytes += values
                            .iter()
                            .map(|(v, _)| crate::engine::params::wire_bytes(v))
                            .sum::<usize>();
                        sets.push(ParamSet { index, values });
                    }
                    Err((column, mut e)) => {
                        // Nothing of this request was sent: its sets stay unused.
                        report.statuses[index] = Some(SQL_PARAM_ERROR);
                        report.processed = index + 1;
                        for r in &mut e.records {
                            r.row = index as isize + 1;
                            r.column = column as i32 + 1;
                        }
                        return Err(e);
                    }
                }
            }
            // msodbcsql counts the sets up to the last one executed (ignored ones before it
            // included, trailing ignored ones not).
            let Some(last) = sets.last().map(|s| s.index) else {
                return Ok(None);
            };
            let indices: Vec<usize> = sets.iter().map(|s| s.index).collect();
            match session.execute_param_sets(plan, sets, timeout, canceller) {
                Ok(reply) => {
                    report.processed = last + 1;
                    let reported = reply.sets.len();
                    run.take_reply_sets(&reply, report);
                    if let Some(columns) = reply.rows {
                        // A set returned rows: the sets still running report when read.
                        let current = reply.current_set.unwrap_or(last);
                        for &i in indices.iter().filter(|&&i| i >= current) {
                            report.statuses[i] = None;
                        }
                        report.processed = current + 1;
                        let skipped = rows
                            .filter(|(i, _)| !ignored.get(*i).copied().unwrap_or(false))
                            .count();
                        if skipped > 0 {
                            run.records.push(DiagRecord::driver(
                                "01000",
                                0,
                                format!(
                                    "The statement returns result sets: only the first {} \
                                     parameter sets were executed ({skipped} left unused)",
                                    last + 1
                                ),
                            ));
                        }
                        return Ok(Some(Step::Rows(columns)));
                    }
                    if !reply.complete {
                        let unreported = &indices[reported.min(indices.len())..];
                        let record = run.unknown(unreported, report, "the server's reply ended");
                        run.records.push(record);
                    }
                }
                Err(failure) => {
                    report.processed = last + 1;
                    let mut error = failure.error;
                    if failure.maybe_applied {
                        let record = run.unknown(&indices, report, "the connection failed");
                        error.records.push(record);
                    } else {
                        for &i in &indices {
                            report.statuses[i] = Some(SQL_PARAM_ERROR);
                        }
                    }
                    return Err(error);
                }
            }
        }
    }

    /// SQLParamData: announces the next data-at-execution parameter (its token), or executes
    /// once all have been supplied.
    pub fn param_data(&self, diag: &mut DiagArea) -> Result<(Status, usize)> {
        let bindings = self.param_bindings();
        let mut st = self.state();
        let pending = st.pending.as_mut().ok_or_else(Error::sequence)?;
        if let Some(cur) = pending.current {
            let (index, _, binding) = pending.at_exec[cur];
            let data = pending.data.take();
            let param = crate::convert::from_c::Param {
                c_type: binding.c_type,
                sql_type: binding.sql_type,
                column_size: binding.column_size,
                decimal_digits: binding.decimal_digits,
                data: if pending.is_null {
                    None
                } else {
                    Some(data.as_deref().unwrap_or(&[]))
                },
                encoding: char_encoding(),
            };
            let converted = params::convert(&param);
            let converted = match converted {
                Ok(v) => v,
                Err(e) => {
                    st.pending = None;
                    return Err(e);
                }
            };
            pending.values[index] = Some(converted);
            pending.is_null = false;
        }
        let next = pending.current.map(|c| c + 1).unwrap_or(0);
        if next < pending.at_exec.len() {
            pending.current = Some(next);
            return Ok((Status::NeedData, pending.at_exec[next].1));
        }
        let pending = st.pending.take().ok_or_else(Error::sequence)?;
        let values: Vec<(Value, ServerType)> = pending.values.into_iter().flatten().collect();
        let status = if routes_as_call(&pending.sql, &bindings) {
            self.run_call(&mut st, diag, &pending.sql, &values, 0, &bindings)?
        } else {
            self.run_statement(&mut st, diag, &pending.sql, &values)?
        };
        Ok((status, 0))
    }

    /// SQLPutData: appends a chunk of the current data-at-execution parameter (None: NULL).
    pub fn put_data(&self, chunk: Option<&[u8]>) -> Result<()> {
        let mut st = self.state();
        let pending = st.pending.as_mut().ok_or_else(Error::sequence)?;
        if pending.current.is_none() {
            return Err(Error::sequence());
        }
        match chunk {
            None => pending.is_null = true,
            Some(bytes) => pending
                .data
                .get_or_insert_with(Vec::new)
                .extend_from_slice(bytes),
        }
        Ok(())
    }

    /// SQLDescribeParam: (SQL type, column size, decimal digits) of parameter `number`, from
    /// the server's sp_describe_undeclared_parameters (as msodbcsql does). When the server
    /// cannot describe the statement, parameters are described as nvarchar(4000).
    pub fn describe_param(&self, _diag: &mut DiagArea, number: u16) -> Result<(i16, u64, i16)> {
        let bindings = self.param_bindings();
        let mut st = self.state();
        let sql = st.prepared.clone().ok_or_else(Error::sequence)?;
        let count = crate::engine::params::count_markers(&sql);
        if number == 0 || usize::from(number) > count {
            return Err(Error::invalid_descriptor_index());
        }
        if let Some(described) = Self::describe_call_param(&bindings, &sql, number) {
            return Ok(described);
        }
        if st.described.is_none() {
            let mut dbc = self.dbc.lock();
            self.claim_connection(&mut dbc)?;
            let session = dbc
                .session
                .as_mut()
                .ok_or_else(Error::connection_not_open)?;
            // A call escape is described in its EXEC form, as msodbcsql does.
            let text = match crate::engine::params::parse_call_escape(&sql) {
                Some(call) => call.exec_text(&[]),
                None => crate::engine::params::rewrite_markers(&sql).0,
            };
            let query = format!(
                "EXEC sp_describe_undeclared_parameters @tsql = N'{}'",
                text.replace('\'', "''")
            );
            let mut described = vec![(-9i16, 4000u64, 0i16); count];
            if let Ok((columns, values)) = session.query_all(&query) {
                let ncols = columns.len();
                if ncols >= 7 {
                    for row in values.chunks(ncols) {
                        let ordinal = value_i64(&row[0]).unwrap_or(0) as usize;
                        if ordinal >= 1 && ordinal <= count {
                            let name = match &row[3] {
                                Value::Text(t) => t.clone(),
                                _ => String::new(),
                            };
                            let max_len = value_i64(&row[4]).unwrap_or(0);
                            let precision = value_i64(&row[5]).unwrap_or(0);
                            let scale = value_i64(&row[6]).unwrap_or(0);
                            described[ordinal - 1] =
                                describe_type_name(&name, max_len, precision, scale);
                        }
                    }
                }
            }
            st.described = Some(described);
        }
        Ok(st
            .described
            .as_ref()
            .map(|d| d[usize::from(number) - 1])
            .unwrap_or((-9, 4000, 0)))
    }

    // ---- results ----

    pub fn num_result_cols(&self) -> Result<i16> {
        let st = self.state();
        Ok(match st.cursor.as_ref().map(|c| &c.current) {
            Some(Current::Rows(rows)) => rows.columns.len() as i16,
            _ => 0,
        })
    }

    pub fn columns(&self) -> Option<Arc<Vec<ColumnInfo>>> {
        match self.state().cursor.as_ref().map(|c| &c.current) {
            Some(Current::Rows(rows)) => Some(rows.columns.clone()),
            _ => None,
        }
    }

    /// The column `col` (1-based) of the current result set.
    pub fn column(&self, col: u16) -> Result<ColumnInfo> {
        let st = self.state();
        match st.cursor.as_ref().map(|c| &c.current) {
            Some(Current::Rows(rows)) => {
                if col == 0 || usize::from(col) > rows.columns.len() {
                    Err(Error::invalid_descriptor_index())
                } else {
                    Ok(rows.columns[usize::from(col) - 1].clone())
                }
            }
            Some(_) => Err(Error::invalid_descriptor_index()),
            None => Err(Error::sequence()),
        }
    }

    pub fn row_count(&self) -> Result<i64> {
        Ok(row_count_of(self.state().cursor.as_ref()) as i64)
    }

    /// SQLFetch/SQLFetchScroll(NEXT): positions on the next rowset (SQL_ATTR_ROW_ARRAY_SIZE
    /// rows). Returns the status and the number of rows in the rowset.
    pub fn fetch(&self, diag: &mut DiagArea) -> Result<(Status, usize, FetchLayout)> {
        let mut st = self.state();
        // Results with long values: whether this row is read through the cursor (the
        // bindings are read without the statement's lock held).
        let mut cursor_plan = None;
        if st.may_stream() {
            drop(st);
            let bindings = self.col_bindings();
            st = self.state();
            cursor_plan = st.cursor_plan(&bindings);
        }
        let layout = st.fetch_layout();
        let max_rows = st.attr(SQL_ATTR_MAX_ROWS).unwrap_or(0).max(0) as usize;
        let mut array = layout.array;
        let cursor = st.cursor.as_mut().ok_or_else(Error::invalid_cursor_state)?;
        let Current::Rows(rows) = &mut cursor.current else {
            return Err(Error::invalid_cursor_state());
        };
        rows.getdata_col = 0;
        rows.getdata_offset = 0;
        rows.getdata_done = false;
        rows.cursor_row = None;
        if max_rows > 0 {
            if rows.delivered >= max_rows {
                rows.current_row = None;
                return Ok((Status::NoData, 0, layout));
            }
            array = array.min(max_rows - rows.delivered);
        }
        // The common case: the next rowset is already decoded.
        if rows.next_row + array <= rows.rows_in_batch {
            rows.current_row = Some(rows.next_row);
            rows.rowset_len = array;
            rows.next_row += array;
            rows.delivered += array;
            return Ok((Status::Success, array, layout));
        }
        if let Some(e) = rows.pending_error.take() {
            rows.current_row = None;
            return Err(e);
        }
        if let Some(read_at_fetch) = cursor_plan
            && rows.next_row >= rows.rows_in_batch
        {
            let status = self.fetch_cursor_row(cursor, read_at_fetch, diag)?;
            let n = usize::from(status == Status::Success);
            return Ok((status, n, layout));
        }
        let ncols = rows.columns.len();
        // Keep the rows not yet delivered, at the front.
        if rows.next_row > 0 {
            let delivered = rows.values.drain(..rows.next_row * ncols);
            rows.spare.reclaim(delivered);
            rows.rows_in_batch -= rows.next_row;
            rows.next_row = 0;
        }
        rows.current_row = None;
        let mut reached_end = false;
        if rows.rows_in_batch < array && !rows.exhausted {
            let mut dbc = self.dbc.lock();
            if dbc.owner != Some(self.id) {
                // Another operation closed these results (commit, rollback, a driver statement).
                rows.exhausted = true;
            }
            while rows.rows_in_batch < array && !rows.exhausted {
                let session = dbc
                    .session
                    .as_mut()
                    .ok_or_else(Error::connection_not_open)?;
                let want = FETCH_BATCH_ROWS.max(array - rows.rows_in_batch);
                let fetched = if rows.on_cursor_row {
                    // The bindings no longer ask for streaming but the engine's cursor is
                    // on a row: rows are read whole through it until it is idle again (a
                    // row whose last column is not a long value), then batches go on.
                    let got = session.cursor_row_into(&mut rows.values, &rows.columns);
                    rows.on_cursor_row = matches!(got, Ok((1, false)));
                    got.map(|(n, _)| n)
                } else {
                    session.fetch_rows_within(
                        &mut rows.values,
                        &mut rows.spare,
                        ncols,
                        want,
                        rows.byte_budget,
                    )
                };
                let messages = session.take_messages();
                diag.extend(messages.iter().map(DiagRecord::server));
                match fetched {
                    Ok(0) => {
                        rows.exhausted = true;
                        reached_end = true;
                    }
                    Ok(n) => rows.rows_in_batch += n,
                    Err(e) => {
                        rows.exhausted = true;
                        if session.is_dead() || !session.has_open_batch() {
                            cursor.batch_done = true;
                            dbc.owner = None;
                        }
                        if rows.rows_in_batch == 0 {
                            return Err(e);
                        }
                        // Deliver the rows read before the error; the error comes next.
                        rows.pending_error = Some(e);
                    }
                }
            }
            drop(dbc);
        }
        let available = rows.rows_in_batch;
        let n = available.min(array);
        if n > 0 {
            rows.current_row = Some(0);
            rows.rowset_len = n;
            rows.next_row = n;
            rows.delivered += n;
        }
        if reached_end {
            let mut dbc = self.dbc.lock();
            self.look_ahead(&mut dbc, cursor);
        }
        if n == 0 {
            Ok((Status::NoData, 0, layout))
        } else {
            Ok((Status::Success, n, layout))
        }
    }

    /// SQLFetch in cursor mode: positions the engine's cursor on the next row (skipping
    /// what is left of the previous one) and reads its first `read_at_fetch` columns, the
    /// bound ones among them; SQLGetData reads the others.
    fn fetch_cursor_row(
        &self,
        cursor: &mut Cursor,
        read_at_fetch: usize,
        diag: &mut DiagArea,
    ) -> Result<Status> {
        let Current::Rows(rows) = &mut cursor.current else {
            return Err(Error::invalid_cursor_state());
        };
        rows.values.clear();
        rows.rows_in_batch = 0;
        rows.next_row = 0;
        rows.current_row = None;
        if rows.exhausted {
            return Ok(Status::NoData);
        }
        let mut dbc = self.dbc.lock();
        if dbc.owner != Some(self.id) {
            // Another operation closed these results (commit, rollback, a driver statement).
            rows.exhausted = true;
            rows.on_cursor_row = false;
            return Ok(Status::NoData);
        }
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let positioned = session.cursor_next_row().and_then(|has_row| {
            if !has_row {
                return Ok(None);
            }
            let mut row = CursorRow::new(rows.columns.len());
            for (i, info) in rows.columns.iter().enumerate().take(read_at_fetch) {
                row.cells[i] = Cell::Value(session.cursor_value(i, info)?);
                row.next_wire = i + 1;
            }
            Ok(Some(row))
        });
        diag.extend(session.take_messages().iter().map(DiagRecord::server));
        match positioned {
            Ok(Some(row)) => {
                rows.on_cursor_row = true;
                rows.cursor_row = Some(Box::new(row));
                rows.current_row = Some(0);
                rows.rowset_len = 1;
                rows.delivered += 1;
                Ok(Status::Success)
            }
            Ok(None) => {
                rows.on_cursor_row = false;
                rows.exhausted = true;
                self.look_ahead(&mut dbc, cursor);
                Ok(Status::NoData)
            }
            Err(e) => {
                rows.exhausted = true;
                if session.is_dead() || !session.has_open_batch() {
                    rows.on_cursor_row = false;
                    cursor.batch_done = true;
                    dbc.owner = None;
                }
                Err(e)
            }
        }
    }

    // ---- bound columns ----

    /// SQLBindCol: writes the record of the ARD in use (None unbinds the column).
    pub fn bind_col(&self, col: u16, binding: Option<ColBinding>) -> Result<()> {
        let st = self.state();
        let i = usize::from(col);
        if i == 0 {
            return Err(Error::new(
                "07009",
                "Invalid descriptor index: bookmarks are not supported",
            ));
        }
        let ard = st.bindings.ard();
        ard.modify(|d| d.bind_col(ard.kind, i, binding));
        Ok(())
    }

    /// ARD precision (`scale == false`) or scale of column `col` for SQL_C_NUMERIC.
    pub fn set_ard_numeric(&self, col: u16, scale: bool, value: i64) -> Result<()> {
        if col == 0 {
            return Err(Error::invalid_descriptor_index());
        }
        let st = self.state();
        let ard = st.bindings.ard();
        ard.modify(|d| {
            let r = d.record_mut(ard.kind, usize::from(col));
            if scale {
                r.scale = value.clamp(-128, 127) as i16;
            } else {
                r.precision = value.clamp(1, 38) as i16;
            }
        });
        Ok(())
    }

    pub fn ard_numeric(&self, col: u16) -> (u8, i8) {
        self.state().numeric_of(col)
    }

    /// SQL_CA_SS_VARIANT_TYPE: the C type of the base type of the sql_variant in the current
    /// row (what msodbcsql answers; pyodbc reads the value as that type), 0 when the column
    /// holds no sql_variant.
    pub fn variant_c_type(&self, col: u16) -> Result<i64> {
        let mut st = self.state();
        let Some(Current::Rows(rows)) = st.cursor.as_mut().map(|c| &mut c.current) else {
            return Err(Error::invalid_cursor_state());
        };
        let ncols = rows.columns.len();
        if col == 0 || usize::from(col) > ncols {
            return Err(Error::invalid_descriptor_index());
        }
        let Some(row) = rows.current_row else {
            return Ok(0);
        };
        let index = usize::from(col) - 1;
        // A row read through the cursor: the value is read off the wire if it is still there.
        if let Some(cursor_row) = rows.cursor_row.as_mut()
            && index >= cursor_row.next_wire
            && rows.columns[index].ty == ServerType::Variant
        {
            let mut dbc = self.dbc.lock();
            if dbc.owner == Some(self.id)
                && let Some(session) = dbc.session.as_mut()
            {
                read_cells_before(session, &rows.columns, cursor_row, index)?;
                cursor_row.active = None;
                cursor_row.cells[index] =
                    Cell::Value(session.cursor_value(index, &rows.columns[index])?);
                cursor_row.next_wire = index + 1;
            }
        }
        Ok(
            match cell_of(&rows.values, &rows.cursor_row, ncols, row, index) {
                Some(Value::Variant(_, inner)) => i64::from(convert::to_c::default_c_type(inner)),
                // A NULL sql_variant has no base type: msodbcsql answers SQL_C_CHAR (measured).
                Some(Value::Null)
                    if rows.columns[usize::from(col) - 1].ty == ServerType::Variant =>
                {
                    i64::from(convert::codes::SQL_C_CHAR)
                }
                _ => 0,
            },
        )
    }

    /// SQLFreeStmt(SQL_UNBIND): the ARD in use loses its records.
    pub fn unbind_cols(&self) {
        self.state().bindings.ard().modify(|d| d.records.clear());
    }

    /// The column bindings of the ARD in use, in column order.
    pub fn col_bindings(&self) -> Vec<Option<ColBinding>> {
        self.state().bindings.with_ard(|view| view.bindings.clone())
    }

    /// (SQL_DESC_INDICATOR_PTR, SQL_DESC_OCTET_LENGTH_PTR) of each ARD record in use: one
    /// buffer for SQLBindCol, possibly two for records set through the descriptor.
    pub fn col_length_pointers(&self) -> Vec<(usize, usize)> {
        self.state()
            .bindings
            .with_ard(|view| view.length_pointers.clone())
    }

    /// SQL_ATTR_APP_ROW_DESC / SQL_ATTR_APP_PARAM_DESC: makes `desc` (an explicit descriptor
    /// of this connection, or this statement's own implicit one) the ARD or APD in use; None
    /// (SQL_NULL_HDESC) goes back to the implicit one.
    pub fn set_app_desc(&self, attr: i32, desc: Option<&Desc>) -> Result<()> {
        let implicit = match attr {
            SQL_ATTR_APP_ROW_DESC => &self.descriptors[0],
            SQL_ATTR_APP_PARAM_DESC => &self.descriptors[1],
            _ => return Err(Error::new("HY092", "Invalid attribute/option identifier")),
        };
        let chosen = match desc {
            None => None,
            Some(d) if d.handle() == implicit.handle() => None,
            Some(d) if !d.is_explicit() => {
                return Err(Error::new(
                    "HY017",
                    "Invalid use of an automatically allocated descriptor handle",
                ));
            }
            Some(d) => Some(self.dbc.explicit_desc(d.handle()).ok_or_else(|| {
                Error::new(
                    "HY024",
                    "Invalid attribute value: the descriptor belongs to another connection",
                )
            })?),
        };
        let mut st = self.state();
        if attr == SQL_ATTR_APP_ROW_DESC {
            st.bindings.explicit_ard = chosen;
        } else {
            st.bindings.explicit_apd = chosen;
        }
        Ok(())
    }

    /// SQL_ATTR_ROW_ARRAY_SIZE.
    pub fn row_array_size(&self) -> usize {
        self.state().row_array_size()
    }

    /// Runs `fill` on the current rowset and the ARD in use, under one lock of the statement:
    /// SQLFetch writes every bound cell of a rowset through it, not one lock per cell.
    pub fn with_bound_rowset<R>(&self, fill: impl FnOnce(&BoundRowset<'_>) -> R) -> Result<R> {
        let st = self.state();
        let Some(Current::Rows(rows)) = st.cursor.as_ref().map(|c| &c.current) else {
            return Err(Error::invalid_cursor_state());
        };
        let bind_type = st.attr(SQL_ATTR_ROW_BIND_TYPE).unwrap_or(0).max(0) as usize;
        let bind_offset_addr = st.attr(SQL_ATTR_ROW_BIND_OFFSET_PTR).unwrap_or(0) as usize;
        Ok(st.bindings.with_ard(|ard| {
            fill(&BoundRowset {
                rows,
                ard,
                bind_type,
                bind_offset_addr,
            })
        }))
    }

    /// SQLGetData on the current row. `has_indicator`: whether the application gave a place
    /// for the length/indicator (a NULL needs one).
    pub fn get_data(
        &self,
        diag: &mut DiagArea,
        col: u16,
        c_type: i16,
        buffer: &mut [u8],
        has_indicator: bool,
    ) -> Result<(Status, isize)> {
        let mut st = self.state();
        // SQL_ARD_TYPE: the type the application set on the ARD record (with its precision
        // and scale, `numeric`); the column's default C type when it set none. Other types
        // need nothing from the ARD but SQL_C_NUMERIC's precision and scale.
        let c_type = match c_type {
            SQL_ARD_TYPE => st.col_binding(col).map_or(c_type, |b| b.c_type),
            _ => c_type,
        };
        let numeric = match c_type {
            SQL_C_NUMERIC | SQL_ARD_TYPE => st.numeric_of(col),
            _ => DEFAULT_NUMERIC,
        };
        let cursor = st.cursor.as_mut().ok_or_else(Error::invalid_cursor_state)?;
        let Current::Rows(rows) = &mut cursor.current else {
            return Err(Error::invalid_cursor_state());
        };
        let row = rows.current_row.ok_or_else(Error::invalid_cursor_state)?;
        if col == 0 || usize::from(col) > rows.columns.len() {
            return Err(Error::invalid_descriptor_index());
        }
        if rows.getdata_col != col {
            rows.getdata_col = col;
            rows.getdata_offset = 0;
            rows.getdata_done = false;
        }
        if rows.getdata_done {
            return Ok((Status::NoData, 0));
        }
        let ncols = rows.columns.len();
        let index = usize::from(col) - 1;
        if rows.cursor_row.is_some() {
            let mut dbc = self.dbc.lock();
            if dbc.owner != Some(self.id) {
                return Err(Error::invalid_cursor_state());
            }
            let session = dbc
                .session
                .as_mut()
                .ok_or_else(Error::connection_not_open)?;
            let streamed = stream_cell(session, rows, index, c_type, buffer, diag);
            diag.extend(session.take_messages().iter().map(DiagRecord::server));
            match streamed {
                Ok(Some(part)) => return Ok(part),
                Ok(None) => {}
                Err(e) => {
                    if session.is_dead() {
                        // The link is gone: the results with it.
                        rows.exhausted = true;
                        rows.on_cursor_row = false;
                        rows.cursor_row = None;
                        cursor.batch_done = true;
                        dbc.owner = None;
                    }
                    return Err(e);
                }
            }
        }
        let value = cell_of(&rows.values, &rows.cursor_row, ncols, row, index)
            .ok_or_else(Error::invalid_descriptor_index)?;
        let ty: &ServerType = &rows.columns[index].ty;
        if matches!(value, Value::Null) {
            if !has_indicator {
                return Err(Error::new(
                    "22002",
                    "Indicator variable required but not supplied",
                ));
            }
            rows.getdata_done = true;
            return Ok((Status::Success, SQL_NULL_DATA));
        }
        let written = convert_cell(value, ty, c_type, buffer, rows.getdata_offset, numeric)?;
        rows.getdata_offset += written.consumed;
        match written.warning {
            Some(Warning::StringTruncated) => {
                diag.warn("01004", "String data, right truncated");
            }
            Some(Warning::FractionalTruncation) => {
                diag.warn("01S07", "Fractional truncation");
                rows.getdata_done = true;
            }
            None => rows.getdata_done = true,
        }
        Ok((Status::Success, written.indicator))
    }

    pub fn more_results(&self, diag: &mut DiagArea) -> Result<Status> {
        let mut st = self.state();
        let Some(cursor) = st.cursor.as_mut() else {
            return Ok(Status::NoData);
        };
        let mut dbc = self.dbc.lock();
        let next = match cursor.lookahead.take() {
            Some(ahead) => {
                diag.extend(ahead.messages.iter().map(DiagRecord::server));
                ahead.result
            }
            None if cursor.batch_done => {
                st.cursor = None;
                return Ok(Status::NoData);
            }
            None => {
                if dbc.owner != Some(self.id) {
                    st.cursor = None;
                    return Ok(Status::NoData);
                }
                let session = dbc
                    .session
                    .as_mut()
                    .ok_or_else(Error::connection_not_open)?;
                let result = session.advance();
                let messages = session.take_messages();
                diag.extend(messages.iter().map(DiagRecord::server));
                result
            }
        };
        post_param_set_errors(&mut dbc, diag);
        match next {
            Ok(Step::End) => {
                dbc.owner = None;
                self.capture_outputs(&dbc, false);
                st.cursor = None;
                Ok(Status::NoData)
            }
            Ok(step) => {
                self.position(&mut dbc, cursor, step);
                // As on execute: an error before the next result's first row fails here.
                if let Err(e) = self.read_first_row(&mut dbc, cursor, diag) {
                    return Err(result_failed(&mut dbc, cursor, e));
                }
                // A parameter set that failed after its (empty) result set began.
                post_param_set_errors(&mut dbc, diag);
                diag.row_count = row_count_of(Some(cursor));
                Ok(Status::Success)
            }
            Err(e) => {
                let e = result_failed(&mut dbc, cursor, e);
                if cursor.batch_done {
                    self.capture_outputs(&dbc, true);
                }
                Err(e)
            }
        }
    }

    /// SQLCloseCursor (`strict`: 24000 without an open cursor) and SQLFreeStmt(SQL_CLOSE).
    pub fn close_cursor(&self, strict: bool) -> Result<()> {
        let mut st = self.state();
        if strict
            && !matches!(
                st.cursor.as_ref().map(|c| &c.current),
                Some(Current::Rows(_))
            )
        {
            return Err(Error::invalid_cursor_state());
        }
        self.close_cursor_locked(&mut st)
    }

    fn close_cursor_locked(&self, st: &mut StmtState) -> Result<()> {
        // Output values not yet delivered belong to results the application abandoned.
        self.discard_outputs();
        if st.cursor.take().is_some() {
            let mut dbc = self.dbc.lock();
            if dbc.owner == Some(self.id) {
                dbc.owner = None;
                // Closing never fails the caller: a link that died while draining shows on the
                // next statement (08S01), and the cursor is gone either way.
                if let Some(session) = dbc.session.as_mut() {
                    let _ = session.close();
                    let _ = session.take_messages();
                }
            }
        }
        Ok(())
    }

    // ---- cursor names ----

    pub fn cursor_name(&self) -> String {
        self.state()
            .cursor_name
            .clone()
            .unwrap_or_else(|| format!("SQL_CUR{:x}", self.id))
    }

    pub fn set_cursor_name(&self, name: &str) -> Result<()> {
        if name.is_empty()
            || name.len() > 128
            || name.to_ascii_uppercase().starts_with("SQLCUR")
            || name.to_ascii_uppercase().starts_with("SQL_CUR")
        {
            return Err(Error::new("34000", "Invalid cursor name"));
        }
        self.state().cursor_name = Some(name.to_string());
        Ok(())
    }

    // ---- attributes ----

    pub fn set_attr(&self, diag: &mut DiagArea, attr: i32, value: i64) -> Result<()> {
        let mut st = self.state();
        match attr {
            SQL_ATTR_IMP_ROW_DESC | SQL_ATTR_IMP_PARAM_DESC => {
                return Err(Error::new(
                    "HY017",
                    "Invalid use of an automatically allocated descriptor handle",
                ));
            }
            SQL_ATTR_QUERY_TIMEOUT => st.query_timeout = value.clamp(0, u32::MAX as i64) as u32,
            SQL_ATTR_ROW_ARRAY_SIZE | SQL_ROWSET_SIZE if value < 1 => {
                return Err(Error::invalid_attribute_value());
            }
            SQL_ATTR_CURSOR_TYPE if value != 0 => {
                diag.warn("01S02", "Option value changed");
                return Ok(());
            }
            SQL_ATTR_CONCURRENCY if value != 1 => {
                diag.warn("01S02", "Option value changed");
                return Ok(());
            }
            _ => {}
        }
        if st.bindings.set_header_attr(attr, value) {
            return Ok(());
        }
        st.attrs.retain(|(a, _)| *a != attr);
        st.attrs.push((attr, value));
        Ok(())
    }

    pub fn get_attr(&self, attr: i32) -> Result<AttrValue> {
        let st = self.state();
        let stored = st.attr(attr);
        let value = match attr {
            SQL_ATTR_QUERY_TIMEOUT => i64::from(st.query_timeout),
            SQL_ATTR_APP_ROW_DESC => st.bindings.ard().handle() as i64,
            SQL_ATTR_APP_PARAM_DESC => st.bindings.apd().handle() as i64,
            SQL_ATTR_IMP_ROW_DESC => self.descriptors[2].handle() as i64,
            SQL_ATTR_IMP_PARAM_DESC => self.descriptors[3].handle() as i64,
            SQL_ATTR_ROW_ARRAY_SIZE | SQL_ROWSET_SIZE => stored.unwrap_or(1),
            SQL_ATTR_CONCURRENCY => stored.unwrap_or(1),
            SQL_ATTR_MAX_ROWS | SQL_ATTR_CURSOR_TYPE | SQL_ATTR_ROW_BIND_TYPE => {
                stored.unwrap_or(0)
            }
            _ => stored.unwrap_or(0),
        };
        Ok(AttrValue::Int(value))
    }
}

impl Drop for Stmt {
    /// The statement's prepared plan gives its server handle back (released with the
    /// session's next prepared request, so dropping never waits for the server).
    fn drop(&mut self) {
        let plan = self.state().plan.take();
        if let Some(mut plan) = plan
            && let Some(session) = self.dbc.lock().session.as_mut()
        {
            session.retire_plan(&mut plan);
        }
    }
}

impl StmtState {
    /// A statement attribute; those that are ARD or APD header fields come from the
    /// descriptor in use.
    fn attr(&self, attr: i32) -> Option<i64> {
        if let Some(v) = self.bindings.header_attr(attr) {
            return Some(v);
        }
        self.own_attr(attr)
    }

    /// A statement attribute kept by the statement itself (not a descriptor header field).
    fn own_attr(&self, attr: i32) -> Option<i64> {
        self.attrs.iter().find(|(a, _)| *a == attr).map(|(_, v)| *v)
    }

    /// The ARD's SQL_DESC_PRECISION/SQL_DESC_SCALE of column `col`, for SQL_C_NUMERIC.
    fn numeric_of(&self, col: u16) -> (u8, i8) {
        self.bindings.with_ard(|view| view.numeric(col))
    }

    /// The ARD record of column `col` as SQLBindCol describes it.
    fn col_binding(&self, col: u16) -> Option<ColBinding> {
        self.bindings.with_ard(|view| {
            usize::from(col)
                .checked_sub(1)
                .and_then(|i| view.bindings.get(i).copied().flatten())
        })
    }

    /// What SQLFetch needs besides the rows, read under the lock the fetch holds anyway (the
    /// ARD is read once here when it changed, so the per-row work takes no descriptor lock).
    fn fetch_layout(&mut self) -> FetchLayout {
        self.bindings.refresh_ard_view();
        FetchLayout {
            array: self.row_array_size(),
            rows_fetched_addr: self.own_attr(SQL_ATTR_ROWS_FETCHED_PTR).unwrap_or(0) as usize,
            row_status_addr: self.own_attr(SQL_ATTR_ROW_STATUS_PTR).unwrap_or(0) as usize,
            bound: self.bindings.with_ard(|view| view.any_bound),
        }
    }

    /// SQL_ATTR_ROW_ARRAY_SIZE: rows per SQLFetch.
    /// (The ARD's SQL_DESC_ARRAY_SIZE, read from the kept view.)
    fn row_array_size(&self) -> usize {
        self.bindings
            .with_ard(|view| view.header.array_size)
            .clamp(1, MAX_ROW_ARRAY) as usize
    }

    /// Whether the next row might be read through the cursor: a result set with long
    /// values, one row per fetch, no decoded rows waiting.
    fn may_stream(&self) -> bool {
        match self.cursor.as_ref().map(|c| &c.current) {
            Some(Current::Rows(rows)) => {
                rows.streamable && rows.next_row >= rows.rows_in_batch && self.row_array_size() == 1
            }
            _ => false,
        }
    }

    /// Cursor mode for the next row when a long column after the last bound column is
    /// unbound: its value is then streamed by SQLGetData. Returns how many leading columns
    /// the fetch reads (through the last bound one), `None` for the batched path.
    fn cursor_plan(&self, bindings: &[Option<ColBinding>]) -> Option<usize> {
        let Some(Current::Rows(rows)) = self.cursor.as_ref().map(|c| &c.current) else {
            return None;
        };
        let bound = |i: usize| {
            bindings
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|b| b.value_addr != 0)
        };
        let read_at_fetch = (0..rows.columns.len())
            .rfind(|&i| bound(i))
            .map_or(0, |i| i + 1);
        rows.columns
            .iter()
            .enumerate()
            .skip(read_at_fetch)
            .any(|(i, c)| streamable_type(&c.ty) && !bound(i))
            .then_some(read_at_fetch)
    }
}

/// The fetch-time attributes: rowset size, the application's count and status arrays
/// (addresses only the ffi layer writes through), and whether any column is bound.
#[derive(Clone, Copy, Debug)]
pub struct FetchLayout {
    pub array: usize,
    pub rows_fetched_addr: usize,
    pub row_status_addr: usize,
    pub bound: bool,
}

/// The current rowset with the ARD in use, as SQLFetch fills the bound columns
/// ([`Stmt::with_bound_rowset`]).
pub struct BoundRowset<'a> {
    rows: &'a RowsState,
    ard: &'a ArdView,
    /// SQL_ATTR_ROW_BIND_TYPE: 0 column-wise, else the size of one row's structure.
    pub bind_type: usize,
    /// SQL_ATTR_ROW_BIND_OFFSET_PTR: where the application keeps the bind offset (0: none).
    pub bind_offset_addr: usize,
}

impl BoundRowset<'_> {
    /// The ARD's records by column (None: not bound).
    pub fn bindings(&self) -> &[Option<ColBinding>] {
        &self.ard.bindings
    }

    /// (SQL_DESC_INDICATOR_PTR, SQL_DESC_OCTET_LENGTH_PTR) by column: one buffer for
    /// SQLBindCol, possibly two for records set through the descriptor.
    pub fn length_pointers(&self) -> &[(usize, usize)] {
        &self.ard.length_pointers
    }

    /// The declared type of column `index` (0-based).
    pub fn column_type(&self, index: usize) -> Option<&ServerType> {
        self.rows.columns.get(index).map(|c| &c.ty)
    }

    /// Converts cell (`row` of the current rowset, column `col`) into a bound buffer. Returns
    /// the length/indicator value; a truncation posts 01004 and is reported as `true`.
    pub fn write(
        &self,
        diag: &mut DiagArea,
        row: usize,
        col: u16,
        c_type: i16,
        buffer: &mut [u8],
    ) -> Result<(isize, bool)> {
        let rows = self.rows;
        let first = rows.current_row.ok_or_else(Error::invalid_cursor_state)?;
        let ncols = rows.columns.len();
        if col == 0 || usize::from(col) > ncols {
            return Err(Error::invalid_descriptor_index());
        }
        let index = usize::from(col) - 1;
        let value = cell_of(&rows.values, &rows.cursor_row, ncols, first + row, index)
            .ok_or_else(Error::invalid_cursor_state)?;
        if matches!(value, Value::Null) {
            return Ok((SQL_NULL_DATA, false));
        }
        let ty = &rows.columns[index].ty;
        let written = convert_cell(value, ty, c_type, buffer, 0, self.ard.numeric(col))?;
        let truncated = match written.warning {
            Some(Warning::StringTruncated) => {
                diag.warn("01004", "String data, right truncated");
                true
            }
            Some(Warning::FractionalTruncation) => {
                diag.warn("01S07", "Fractional truncation");
                true
            }
            None => false,
        };
        Ok((written.indicator, truncated))
    }
}

/// What an execution with parameters reports besides its return code.
#[derive(Debug)]
pub struct ParamSetReport {
    /// SQL_ATTR_PARAM_STATUS_PTR, per set; None leaves the application's entry as it is (a
    /// set whose results the application has not read yet).
    pub statuses: Vec<Option<u16>>,
    /// SQL_ATTR_PARAMS_PROCESSED_PTR: sets processed, ignored ones included (as msodbcsql).
    pub processed: usize,
}

impl ParamSetReport {
    /// A report from one status per set (paths that know every set's outcome at once):
    /// processed = the sets not left unused.
    pub fn from_statuses(statuses: Vec<u16>) -> Self {
        ParamSetReport {
            processed: statuses.iter().filter(|s| **s != SQL_PARAM_UNUSED).count(),
            statuses: statuses.into_iter().map(Some).collect(),
        }
    }
}

/// SQL_PARAM_DIAG_UNAVAILABLE: the outcome of a set is unknown (its request failed after it
/// reached the server, which may have executed it).
pub const SQL_PARAM_DIAG_UNAVAILABLE: u16 = 1;
const SQL_ATTR_PARAM_STATUS_PTR: i32 = 20;

/// Parameter sets per request, and the bytes they may carry: bounds the memory of a request
/// and how many sets a failed link leaves in doubt.
const SETS_PER_REQUEST: usize = 4096;
const BYTES_PER_REQUEST: usize = 4 << 20;

/// What the requests of a parameter array reported so far.
#[derive(Default)]
struct ArrayRun {
    /// Diagnostics in order: each failed set's errors (with its row number), then INFO.
    records: Vec<DiagRecord>,
    /// Rows affected by all sets, when any reported a count.
    total: Option<i64>,
    /// A set failed or its outcome is unknown.
    set_failed: bool,
}

impl ArrayRun {
    fn take_reply_sets(&mut self, reply: &crate::engine::ArrayReply, report: &mut ParamSetReport) {
        for set in &reply.sets {
            if let Some(n) = set.rows_affected {
                self.total = Some(self.total.unwrap_or(0).saturating_add(n as i64));
            }
            let status = if !set.errors.is_empty() {
                self.set_failed = true;
                SQL_PARAM_ERROR
            } else if set.has_info {
                SQL_PARAM_SUCCESS_WITH_INFO
            } else {
                SQL_PARAM_SUCCESS
            };
            if let Some(slot) = report.statuses.get_mut(set.index) {
                *slot = Some(status);
            }
            for message in &set.errors {
                let mut record = DiagRecord::server(message);
                record.row = set.index as isize + 1;
                self.records.push(record);
            }
        }
        // INFO messages are not tied to their set by the engine: name the set only when one
        // set produced them all.
        let mut with_info = reply.sets.iter().filter(|s| s.has_info);
        let row = match (with_info.next(), with_info.next()) {
            (Some(only), None) => only.index as isize + 1,
            _ => -1,
        };
        for message in &reply.messages {
            let mut record = DiagRecord::server(message);
            record.row = row;
            self.records.push(record);
        }
    }

    /// Marks `indices` as sets of unknown outcome; returns the record that says so.
    fn unknown(&mut self, indices: &[usize], report: &mut ParamSetReport, why: &str) -> DiagRecord {
        self.set_failed = true;
        for &i in indices {
            if let Some(slot) = report.statuses.get_mut(i) {
                *slot = Some(SQL_PARAM_DIAG_UNAVAILABLE);
            }
        }
        let (first, last) = (
            indices.first().map_or(0, |i| i + 1),
            indices.last().map_or(0, |i| i + 1),
        );
        DiagRecord::driver(
            "HY000",
            0,
            format!(
                "Parameter sets {first} to {last}: {why} before the server reported their \
                 outcome; the server may have executed them (status SQL_PARAM_DIAG_UNAVAILABLE)"
            ),
        )
    }
}

/// The errors of parameter sets the server reported while the application read the result
/// sets of a parameter array (SQLMoreResults), each with its row number; none otherwise.
fn post_param_set_errors(dbc: &mut DbcState, diag: &mut DiagArea) {
    let Some(session) = dbc.session.as_mut() else {
        return;
    };
    for set in session.take_param_set_outcomes() {
        for message in &set.errors {
            let mut record = DiagRecord::server(message);
            record.row = set.index as isize + 1;
            diag.push(record);
        }
    }
}

/// One parameter set's values; a failure names the parameter (0-based) that failed.
fn convert_set(
    row: Vec<ParamInput<'_>>,
) -> std::result::Result<Vec<(Value, ServerType)>, (usize, Error)> {
    let mut values = Vec::with_capacity(row.len());
    for (column, input) in row.into_iter().enumerate() {
        match input {
            ParamInput::Value(p) => values.push(params::convert(&p).map_err(|e| (column, e))?),
            ParamInput::AtExec { .. } => {
                return Err((
                    column,
                    Error::optional_feature(": data at execution with parameter arrays"),
                ));
            }
        }
    }
    Ok(values)
}

/// The text the server runs for ODBC text `sql`: `{call}` escapes as EXEC, `?` as `@Pn`.
fn server_text(sql: &str) -> String {
    let escaped = crate::engine::params::rewrite_call_escape(sql);
    crate::engine::params::rewrite_markers(escaped.as_deref().unwrap_or(sql)).0
}

/// SQLBindCol's arguments; the addresses are written only by the ffi layer.
#[derive(Clone, Copy, Debug)]
pub struct ColBinding {
    pub c_type: i16,
    pub value_addr: usize,
    pub buffer_len: isize,
    pub ind_addr: usize,
}

/// SQLGetData on column `index` of a row read through the cursor. Serves a long value part
/// by part; otherwise reads the column off the wire into the row's cells (`None`: serve it
/// from there).
fn stream_cell(
    session: &mut crate::engine::Session,
    rows: &mut RowsState,
    index: usize,
    c_type: i16,
    buffer: &mut [u8],
    diag: &mut DiagArea,
) -> Result<Option<(Status, isize)>> {
    let columns = &rows.columns;
    let Some(row) = rows.cursor_row.as_mut() else {
        return Ok(None);
    };
    if row.active.as_ref().is_some_and(|(col, _)| *col != index) {
        // Another column: what is left of the value being streamed is skipped.
        row.active = None;
    }
    let target = if c_type == SQL_C_DEFAULT || c_type == SQL_ARD_TYPE {
        convert::to_c::default_c_type(&columns[index].ty)
    } else {
        c_type
    };
    if row.active.is_none() {
        if index < row.next_wire {
            // Read before: kept if it was decoded, gone if it was streamed or skipped
            // (msodbcsql: 07009 too).
            return match row.cells[index] {
                Cell::Value(_) => Ok(None),
                Cell::Unread | Cell::Gone => Err(Error::invalid_descriptor_index()),
            };
        }
        read_cells_before(session, columns, row, index)?;
        let cell = session.cursor_cell(index, &columns[index])?;
        row.next_wire = index + 1;
        row.cells[index] = Cell::Gone;
        match cell {
            crate::engine::session::CursorCell::Value(v) => {
                row.cells[index] = Cell::Value(v);
                return Ok(None);
            }
            crate::engine::session::CursorCell::Long(wire) => {
                match LongValue::new(wire, target, char_encoding()) {
                    Some(long) => row.active = Some((index, long)),
                    None => {
                        // A number or a date from a long value: the conversion needs it whole.
                        row.cells[index] = Cell::Value(session.read_long_value(wire)?);
                        return Ok(None);
                    }
                }
            }
        }
    }
    let Some((_, long)) = row.active.as_mut() else {
        return Ok(None);
    };
    if long.c_type() != target {
        return Err(Error::new(
            "07006",
            "Restricted data type attribute violation: a value read in parts keeps its C type",
        ));
    }
    let written = long.next_part(buffer, &mut |out| session.read_long_chunk(out))?;
    if written.warning == Some(Warning::StringTruncated) {
        diag.warn("01004", "String data, right truncated");
    } else {
        rows.getdata_done = true;
        row.active = None;
    }
    Ok(Some((Status::Success, written.indicator)))
}

/// Reads the columns between the cursor's position and column `index` into the row's cells,
/// so SQLGetData can still come back to them; long values among them are skipped.
fn read_cells_before(
    session: &mut crate::engine::Session,
    columns: &[ColumnInfo],
    row: &mut CursorRow,
    index: usize,
) -> Result<()> {
    for (col, info) in columns.iter().enumerate().take(index).skip(row.next_wire) {
        row.cells[col] = if streamable_type(&info.ty) {
            Cell::Gone
        } else {
            Cell::Value(session.cursor_value(col, info)?)
        };
        row.next_wire = col + 1;
    }
    Ok(())
}

/// Types whose values come as PLP streams: SQLGetData reads them from the wire in parts.
fn streamable_type(ty: &ServerType) -> bool {
    matches!(
        ty,
        ServerType::VarChar(None)
            | ServerType::NVarChar(None)
            | ServerType::VarBinary(None)
            | ServerType::Xml
            | ServerType::Udt(_)
    )
}

impl From<convert::ConvertError> for Error {
    fn from(e: convert::ConvertError) -> Self {
        Error::new(e.sqlstate, e.message)
    }
}

/// A batch of rows with (max) or legacy long columns stops growing past this many bytes, so
/// memory stays near one row of such values.
const LONG_VALUE_BATCH_BYTES: usize = 4 << 20;

fn long_value_budget(columns: &[ColumnInfo]) -> usize {
    let long = columns.iter().any(|c| {
        matches!(
            c.ty,
            ServerType::VarChar(None)
                | ServerType::NVarChar(None)
                | ServerType::VarBinary(None)
                | ServerType::Text
                | ServerType::NText
                | ServerType::Image
                | ServerType::Xml
                | ServerType::Udt(_)
                | ServerType::Variant
        )
    });
    if long {
        LONG_VALUE_BATCH_BYTES
    } else {
        usize::MAX
    }
}

/// One cell into an application buffer through `convert`.
fn convert_cell(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
    buffer: &mut [u8],
    offset: usize,
    numeric: (u8, i8),
) -> Result<convert::to_c::Written> {
    let c_type = if c_type == SQL_C_DEFAULT || c_type == SQL_ARD_TYPE {
        convert::to_c::default_c_type(ty)
    } else {
        c_type
    };
    let target = convert::to_c::Target {
        c_type,
        buffer,
        offset,
        encoding: char_encoding(),
        numeric_precision: numeric.0,
        numeric_scale: numeric.1,
    };
    convert::to_c::write_value(value, ty, target).map_err(|e| Error::new(e.sqlstate, e.message))
}

/// A result of the batch that failed (SQLMoreResults): the cursor has no rows, and the batch is
/// over unless the server goes on with the next statement.
fn result_failed(dbc: &mut DbcState, cursor: &mut Cursor, e: Error) -> Error {
    cursor.current = Current::NoRows { rows_affected: -1 };
    let session = dbc.session.as_ref();
    if session
        .map(|s| s.is_dead() || !s.has_open_batch())
        .unwrap_or(true)
    {
        cursor.batch_done = true;
        dbc.owner = None;
    }
    e
}

fn row_count_of(cursor: Option<&Cursor>) -> isize {
    match cursor.map(|c| &c.current) {
        Some(Current::NoRows { rows_affected }) => *rows_affected as isize,
        _ => -1,
    }
}

fn value_i64(v: &Value) -> Option<i64> {
    Some(match v {
        Value::TinyInt(n) => i64::from(*n),
        Value::SmallInt(n) => i64::from(*n),
        Value::Int(n) => i64::from(*n),
        Value::BigInt(n) => *n,
        _ => return None,
    })
}

/// A server type name (e.g. "nvarchar(50)", "decimal(10,2)") as SQLDescribeParam describes it.
fn describe_type_name(name: &str, max_len: i64, precision: i64, scale: i64) -> (i16, u64, i16) {
    let base = name
        .split('(')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let chars = |unit: i64| {
        if max_len < 0 {
            0
        } else {
            (max_len / unit) as u64
        }
    };
    match base.as_str() {
        "int" => (4, 10, 0),
        "smallint" => (5, 5, 0),
        "tinyint" => (-6, 3, 0),
        "bigint" => (-5, 19, 0),
        "bit" => (-7, 1, 0),
        "real" => (7, 24, 0),
        "float" => (6, 53, 0),
        "decimal" => (3, precision as u64, scale as i16),
        "numeric" => (2, precision as u64, scale as i16),
        "money" => (3, 19, 4),
        "smallmoney" => (3, 10, 4),
        "char" => (1, chars(1), 0),
        "varchar" => {
            if max_len < 0 {
                (-1, 0, 0)
            } else {
                (12, chars(1), 0)
            }
        }
        "nchar" => (-8, chars(2), 0),
        "nvarchar" => {
            if max_len < 0 {
                (-10, 0, 0)
            } else {
                (-9, chars(2), 0)
            }
        }
        "text" => (-1, 2_147_483_647, 0),
        "ntext" => (-10, 1_073_741_823, 0),
        "binary" => (-2, chars(1), 0),
        "varbinary" => {
            if max_len < 0 {
                (-4, 0, 0)
            } else {
                (-3, chars(1), 0)
            }
        }
        "image" => (-4, 2_147_483_647, 0),
        "date" => (91, 10, 0),
        "time" => (
            -154,
            if scale > 0 { 9 + scale as u64 } else { 8 },
            scale as i16,
        ),
        "datetime" => (93, 23, 3),
        "smalldatetime" => (93, 16, 0),
        "datetime2" => (
            93,
            if scale > 0 { 20 + scale as u64 } else { 19 },
            scale as i16,
        ),
        "datetimeoffset" => (
            -155,
            if scale > 0 { 27 + scale as u64 } else { 26 },
            scale as i16,
        ),
        "uniqueidentifier" => (-11, 36, 0),
        "xml" => (-152, 0, 0),
        _ => (-9, 4000, 0),
    }
}

// ---- procedure calls and output parameters ----

impl Stmt {
    /// Whether `sql` runs as a procedure call or with output parameters (the path of
    /// [`Self::execute_call`]): a call escape, or an INPUT_OUTPUT/OUTPUT binding among its
    /// markers.
    pub fn routes_as_call(&self, sql: &str) -> bool {
        routes_as_call(sql, &self.param_bindings())
    }
}

fn routes_as_call(sql: &str, bindings: &[Option<ParamBinding>]) -> bool {
    let output_bound = bindings
        .iter()
        .flatten()
        .any(|b| params::is_output(b.io_type));
    // Counting the markers rewrites the text: only when an output binding makes it matter.
    let output_marker = || {
        let markers = crate::engine::params::count_markers(sql);
        bindings
            .iter()
            .take(markers)
            .flatten()
            .any(|b| params::is_output(b.io_type))
    };
    crate::engine::params::parse_call_escape(sql).is_some() || output_bound && output_marker()
}

impl Stmt {
    /// SQLExecute/SQLExecDirect of a call escape or a statement with output parameters, once
    /// per row of the parameter set (each row's outputs go to that row's buffers, as
    /// msodbcsql does). `ignored[i]`: set i is SQL_PARAM_IGNORE (not sent, SQL_PARAM_UNUSED).
    /// Returns the status and the row statuses.
    pub fn execute_call(
        &self,
        diag: &mut DiagArea,
        sql: Option<&str>,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
    ) -> (Result<Status>, Vec<u16>) {
        let mut statuses = vec![SQL_PARAM_UNUSED; rows.len().max(1)];
        let bindings = self.param_bindings();
        let result = self.execute_call_rows(diag, sql, rows, ignored, &bindings, &mut statuses);
        (result, statuses)
    }

    fn execute_call_rows(
        &self,
        diag: &mut DiagArea,
        sql: Option<&str>,
        rows: Vec<Vec<ParamInput<'_>>>,
        ignored: &[bool],
        bindings: &[Option<ParamBinding>],
        statuses: &mut [u16],
    ) -> Result<Status> {
        let mut st = self.state();
        let sql = match sql {
            Some(s) => {
                st.prepared = None;
                s.to_string()
            }
            None => st.prepared.clone().ok_or_else(Error::sequence)?,
        };
        self.close_cursor_locked(&mut st)?;
        st.pending = None;
        let rows = if rows.is_empty() {
            vec![Vec::new()]
        } else {
            rows
        };
        let single = rows.len() == 1;
        let mut sent = false;
        for (i, row) in rows.into_iter().enumerate() {
            if ignored.get(i).copied().unwrap_or(false) {
                continue;
            }
            let mut values = Vec::with_capacity(row.len());
            let mut at_exec = Vec::new();
            for (index, input) in row.into_iter().enumerate() {
                match input {
                    ParamInput::Value(p) => values.push(Some(params::convert(&p)?)),
                    ParamInput::AtExec { token, binding } => {
                        if !single {
                            return Err(Error::optional_feature(
                                ": data at execution with parameter arrays",
                            ));
                        }
                        values.push(None);
                        at_exec.push((index, token, binding));
                    }
                }
            }
            if !at_exec.is_empty() {
                st.pending = Some(PendingExec {
                    sql,
                    values,
                    at_exec,
                    current: None,
                    data: None,
                    is_null: false,
                });
                return Ok(Status::NeedData);
            }
            let values: Vec<(Value, ServerType)> = values.into_iter().flatten().collect();
            if sent {
                self.settle_row(&mut st);
            }
            sent = true;
            let before = diag.records.len();
            match self.run_call(&mut st, diag, &sql, &values, i, bindings) {
                Ok(_) => {
                    statuses[i] = if diag.records.len() > before {
                        SQL_PARAM_SUCCESS_WITH_INFO
                    } else {
                        SQL_PARAM_SUCCESS
                    };
                }
                Err(mut e) => {
                    statuses[i] = SQL_PARAM_ERROR;
                    if !single {
                        for r in &mut e.records {
                            r.row = i as isize + 1;
                        }
                    }
                    return Err(e);
                }
            }
        }
        diag.row_count = row_count_of(st.cursor.as_ref());
        Ok(Status::Success)
    }

    /// Between rows of a parameter set: the previous row's results are skipped (as
    /// `execute_rows` does) and its output values kept for its buffers. Skipping walks the
    /// results to the end rather than closing: the engine forgets output values on close.
    fn settle_row(&self, st: &mut StmtState) {
        if st.cursor.take().is_none() {
            return;
        }
        let mut dbc = self.dbc.lock();
        let mut failed = false;
        if dbc.owner == Some(self.id) {
            dbc.owner = None;
            if let Some(session) = dbc.session.as_mut() {
                loop {
                    match session.advance() {
                        Ok(Step::End) => break,
                        Ok(_) => {}
                        Err(_) if session.has_open_batch() && !session.is_dead() => failed = true,
                        Err(_) => {
                            failed = true;
                            break;
                        }
                    }
                }
                let _ = session.take_messages();
            }
        }
        self.capture_outputs(&dbc, failed);
    }

    /// Sends one row: a call escape as an RPC to the procedure by name (literals as typed
    /// parameters, like msodbcsql), or as `EXEC` through sp_executesql when an argument is
    /// T-SQL only; any other statement through sp_executesql with output parameters by
    /// reference.
    fn run_call(
        &self,
        st: &mut StmtState,
        diag: &mut DiagArea,
        sql: &str,
        values: &[(Value, ServerType)],
        row: usize,
        bindings: &[Option<ParamBinding>],
    ) -> Result<Status> {
        use crate::engine::params::{CallArg, CallParam, parse_call_escape, rewrite_markers};
        use crate::engine::session::CallRequest;
        let io_of = |i: usize| {
            bindings
                .get(i)
                .copied()
                .flatten()
                .map(|b| b.io_type)
                .unwrap_or(params::SQL_PARAM_INPUT)
        };
        let call = parse_call_escape(sql);
        if call.as_ref().is_some_and(|c| c.returns_status) && io_of(0) != params::SQL_PARAM_OUTPUT {
            return Err(Error::new(
                "HY105",
                "Invalid parameter type: the return status parameter must be SQL_PARAM_OUTPUT",
            ));
        }
        let params: Vec<CallParam> = values
            .iter()
            .enumerate()
            .map(|(i, (value, ty))| CallParam {
                value: value.clone(),
                ty: ty.clone(),
                output: params::is_output(io_of(i)),
            })
            .collect();
        let mut plan = OutputPlan {
            by_ordinal: Vec::new(),
            return_status: None,
            bindings: bindings.to_vec(),
            row,
            status_before: None,
        };
        // sp_executesql's parameters follow its statement and declaration.
        let statement_ordinals = || {
            [None, None]
                .into_iter()
                .chain((0..params.len()).map(Some))
                .collect()
        };
        let text;
        let mut rpc_params = Vec::new();
        let request = match &call {
            Some(call) if call.is_rpc() => {
                let mut next = usize::from(call.returns_status);
                for arg in &call.args {
                    match arg {
                        CallArg::Marker => {
                            let p = params
                                .get(next)
                                .cloned()
                                .ok_or_else(|| Error::new("07002", "COUNT field incorrect"))?;
                            rpc_params.push(p);
                            plan.by_ordinal.push(Some(next));
                            next += 1;
                        }
                        CallArg::Literal(value, ty) => {
                            rpc_params.push(CallParam {
                                value: value.clone(),
                                ty: ty.clone(),
                                output: false,
                            });
                            plan.by_ordinal.push(None);
                        }
                        CallArg::Text(_) => {}
                    }
                }
                plan.return_status = call.returns_status.then_some(0);
                CallRequest::Procedure {
                    name: &call.name,
                    params: &rpc_params,
                }
            }
            Some(call) => {
                let output: Vec<bool> = params.iter().map(|p| p.output).collect();
                text = call.exec_text(&output);
                plan.by_ordinal = statement_ordinals();
                CallRequest::Statement {
                    sql: &text,
                    params: &params,
                }
            }
            None => {
                text = rewrite_markers(sql).0;
                plan.by_ordinal = statement_ordinals();
                CallRequest::Statement {
                    sql: &text,
                    params: &params,
                }
            }
        };
        if params.iter().any(|p| p.output) || plan.return_status.is_some() {
            lock(&self.outputs).plan = Some(plan);
        }
        self.run_with(st, diag, |session, canceller, timeout| {
            if let Some(plan) = lock(&self.outputs).plan.as_mut() {
                plan.status_before = session.return_status();
            }
            if params.is_empty() && call.is_none() {
                session.execute(sql, timeout, canceller)
            } else {
                session.execute_call(request, timeout, canceller)
            }
        })
    }

    /// The request is over: its return status and output values, matched to the bindings,
    /// wait for the ffi layer to write them.
    /// `failed`: the request ended with an error, so it may have stopped before the
    /// procedure ran.
    fn capture_outputs(&self, dbc: &DbcState, failed: bool) {
        let mut slot = lock(&self.outputs);
        let Some(plan) = slot.plan.take() else {
            return;
        };
        let Some(session) = dbc.session.as_ref() else {
            return;
        };
        let mut outputs = session.outputs();
        // The engine keeps the previous request's return status when this one sent none (a
        // procedure that was never found): an unchanged status after an error is not this
        // call's, and the application's buffer keeps its value, as with msodbcsql.
        if failed && outputs.return_status == plan.status_before {
            outputs.return_status = None;
        }
        let ready = plan.resolve(outputs);
        if !ready.is_empty() {
            slot.ready.extend(ready);
            self.outputs_ready
                .store(true, std::sync::atomic::Ordering::Release);
        }
    }

    fn discard_outputs(&self) {
        if self
            .outputs_ready
            .load(std::sync::atomic::Ordering::Acquire)
            || lock(&self.outputs).plan.is_some()
        {
            *lock(&self.outputs) = OutputSlot::default();
            self.outputs_ready
                .store(false, std::sync::atomic::Ordering::Release);
        }
    }

    /// Output values ready for the application's buffers (cheap when there are none).
    pub fn take_outputs(&self) -> Vec<OutputValue> {
        if !self
            .outputs_ready
            .load(std::sync::atomic::Ordering::Acquire)
        {
            return Vec::new();
        }
        let mut slot = lock(&self.outputs);
        self.outputs_ready
            .store(false, std::sync::atomic::Ordering::Release);
        std::mem::take(&mut slot.ready)
    }

    /// SQLDescribeParam on a call escape: the return status is an int; a bound marker is
    /// described as bound (msodbcsql asks the server nothing then either); None for an
    /// unbound one, which the server describes.
    fn describe_call_param(
        bindings: &[Option<ParamBinding>],
        sql: &str,
        number: u16,
    ) -> Option<(i16, u64, i16)> {
        let call = crate::engine::params::parse_call_escape(sql)?;
        if call.returns_status && number == 1 {
            return Some((4, 10, 0));
        }
        let binding = bindings.get(usize::from(number) - 1).copied().flatten();
        binding.map(|b| {
            (
                b.sql_type,
                fixed_column_size(b.sql_type).unwrap_or(b.column_size),
                b.decimal_digits,
            )
        })
    }
}

/// The column size of a fixed-size SQL type, whatever the binding said (msodbcsql describes
/// an int as 10 digits even when bound with ColumnSize 0).
fn fixed_column_size(sql_type: i16) -> Option<u64> {
    Some(match sql_type {
        4 => 10,     // SQL_INTEGER
        5 => 5,      // SQL_SMALLINT
        -6 => 3,     // SQL_TINYINT
        -5 => 19,    // SQL_BIGINT
        -7 => 1,     // SQL_BIT
        7 => 24,     // SQL_REAL
        6 | 8 => 53, // SQL_FLOAT, SQL_DOUBLE
        91 => 10,    // SQL_TYPE_DATE
        -11 => 36,   // SQL_GUID
        _ => return None,
    })
}
