//! The statement handle: execution, result navigation, fetch and SQLGetData.

use std::sync::{Arc, Mutex, MutexGuard};

use super::dbc::{DbcState, next_stmt_id};
use super::params::{self, ParamBinding, ParamInput, PendingExec};
use super::{AttrValue, Dbc, Status, TAG_STMT, char_encoding};
use crate::convert::{self, ServerType, Value, Warning};
use crate::diag::{DiagArea, DiagRecord, Error, Result, ServerMessage};
use crate::engine::{Canceller, ColumnInfo, ParamSet, PreparedPlan, Step};

pub const SQL_PARAM_SUCCESS: u16 = 0;
pub const SQL_PARAM_SUCCESS_WITH_INFO: u16 = 6;
pub const SQL_PARAM_ERROR: u16 = 5;
pub const SQL_PARAM_UNUSED: u16 = 7;

/// The ARD's default SQL_DESC_PRECISION for SQL_C_NUMERIC (msodbcsql: 38, scale 0).
const DEFAULT_NUMERIC_PRECISION: u8 = 38;

/// Rows decoded per trip to the connection.
const FETCH_BATCH_ROWS: usize = 256;

pub const SQL_NULL_DATA: isize = -1;
pub const SQL_NO_TOTAL: isize = -4;
pub const SQL_C_DEFAULT: i16 = 99;
pub const SQL_ARD_TYPE: i16 = -99;

pub const SQL_ATTR_QUERY_TIMEOUT: i32 = 0;
pub const SQL_ATTR_MAX_ROWS: i32 = 1;
pub const SQL_ATTR_ROW_BIND_TYPE: i32 = 5;
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

/// One of a statement's implicit descriptors; its fields are views of the statement
/// (see [`super::desc`]).
#[repr(C)]
pub struct Desc {
    /// The handle-type tag; set to TAG_FREED on release (atomic: other clones may read it).
    pub tag: std::sync::atomic::AtomicU32,
    pub kind: i32,
    /// The statement that owns it (its handle address, set once the statement is allocated).
    pub owner: std::sync::atomic::AtomicUsize,
}
pub const TAG_DESC: u32 = 0x5344_4553; // "SDES"

#[repr(C)]
pub struct Stmt {
    /// The handle-type tag; set to TAG_FREED on release (atomic: other clones may read it).
    pub tag: std::sync::atomic::AtomicU32,
    pub id: u64,
    pub dbc: Arc<Dbc>,
    pub diag: Mutex<DiagArea>,
    state: Mutex<StmtState>,
    /// The canceller of the running execution; outside `state` so SQLCancel can reach it while
    /// another thread holds the statement.
    canceller: Mutex<Canceller>,
    pub descriptors: [Box<Desc>; 4],
}

/// The result set the statement is positioned on, decoded a batch at a time.
struct RowsState {
    columns: Arc<Vec<ColumnInfo>>,
    values: Vec<Value>,
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
    params: Vec<Option<ParamBinding>>,
    columns_bound: Vec<Option<ColBinding>>,
    /// ARD SQL_DESC_PRECISION/SQL_DESC_SCALE per column, for SQL_C_NUMERIC targets.
    ard_numeric: Vec<(u8, i8)>,
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
        let desc = |kind| {
            Box::new(Desc {
                tag: std::sync::atomic::AtomicU32::new(TAG_DESC),
                kind,
                owner: std::sync::atomic::AtomicUsize::new(0),
            })
        };
        Stmt {
            tag: std::sync::atomic::AtomicU32::new(TAG_STMT),
            id: next_stmt_id(),
            dbc,
            diag: Mutex::new(DiagArea::default()),
            state: Mutex::new(StmtState {
                prepared: None,
                params: Vec::new(),
                columns_bound: Vec::new(),
                ard_numeric: Vec::new(),
                pending: None,
                described: None,
                cursor: None,
                query_timeout: 0,
                attrs: Vec::new(),
                cursor_name: None,
                plan: None,
            }),
            canceller: Mutex::new(Canceller::new()),
            descriptors: [
                desc(SQL_ATTR_APP_ROW_DESC),
                desc(SQL_ATTR_APP_PARAM_DESC),
                desc(SQL_ATTR_IMP_ROW_DESC),
                desc(SQL_ATTR_IMP_PARAM_DESC),
            ],
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
        let canceller = self.fresh_canceller();
        let mut dbc = self.dbc.lock();
        self.claim_connection(&mut dbc)?;
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let escaped = crate::engine::params::rewrite_call_escape(sql);
        let sql = escaped.as_deref().unwrap_or(sql);
        let result = if let Some(call) = catalog {
            let args: Vec<(&str, crate::engine::ProcArg)> =
                call.args.iter().map(|(n, a)| (*n, a.clone())).collect();
            session.call_procedure(call.procedure, &args, st.query_timeout, &canceller)
        } else if values.is_empty() {
            session.execute(sql, st.query_timeout, &canceller)
        } else {
            let (text, _) = crate::engine::params::rewrite_markers(sql);
            session.execute_params(&text, values, st.query_timeout, &canceller)
        };
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
        let fetched = session.fetch_rows_within(&mut rows.values, ncols, 1, rows.byte_budget);
        diag.extend(session.take_messages().iter().map(DiagRecord::server));
        match fetched? {
            0 => {
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
                let byte_budget = long_value_budget(&columns);
                cursor.current = Current::Rows(RowsState {
                    columns,
                    values: Vec::new(),
                    rows_in_batch: 0,
                    next_row: 0,
                    current_row: None,
                    exhausted: false,
                    getdata_col: 0,
                    getdata_offset: 0,
                    getdata_done: false,
                    rowset_len: 0,
                    byte_budget,
                    delivered: 0,
                    pending_error: None,
                });
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
        if matches!(result, Ok(Step::End)) && messages.is_empty() {
            cursor.lookahead = None;
        } else {
            cursor.lookahead = Some(Lookahead { result, messages });
        }
        cursor.batch_done = done;
        dbc.owner = if done { None } else { Some(self.id) };
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
        let ncols = columns.len().max(1);
        let rows = values.len() / ncols;
        st.cursor = Some(Cursor {
            current: Current::Rows(RowsState {
                columns: Arc::new(columns),
                values,
                rows_in_batch: rows,
                next_row: 0,
                current_row: None,
                exhausted: true,
                getdata_col: 0,
                getdata_offset: 0,
                getdata_done: false,
                rowset_len: 0,
                byte_budget: usize::MAX,
                delivered: 0,
                pending_error: None,
            }),
            lookahead: None,
            batch_done: true,
        });
        Ok(Status::Success)
    }

    // ---- parameters ----

    pub fn bind_param(&self, number: u16, binding: ParamBinding) -> Result<()> {
        if number == 0 {
            return Err(Error::invalid_descriptor_index());
        }
        let mut st = self.state();
        let i = usize::from(number) - 1;
        if st.params.len() <= i {
            st.params.resize(i + 1, None);
        }
        st.params[i] = Some(binding);
        Ok(())
    }

    pub fn reset_params(&self) {
        self.state().params.clear();
    }

    /// The bindings in parameter order; a gap is 07002 (COUNT field incorrect).
    pub fn param_bindings(&self) -> Vec<Option<ParamBinding>> {
        self.state().params.clone()
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
        st.params
            .iter()
            .flatten()
            .all(|b| b.io_type == super::params::SQL_PARAM_INPUT)
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
    /// sets (one `sp_execute` RPC each, the statement prepared once), as msodbcsql sends them.
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
        let mut rows = rows.into_iter().enumerate();
        loop {
            let mut sets = Vec::new();
            let mut bytes = 0;
            while sets.len() < SETS_PER_REQUEST && bytes < BYTES_PER_REQUEST {
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
        let status = self.run_statement(&mut st, diag, &pending.sql, &values)?;
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
        let mut st = self.state();
        let sql = st.prepared.clone().ok_or_else(Error::sequence)?;
        let count = crate::engine::params::count_markers(&sql);
        if number == 0 || usize::from(number) > count {
            return Err(Error::invalid_descriptor_index());
        }
        if st.described.is_none() {
            let mut dbc = self.dbc.lock();
            self.claim_connection(&mut dbc)?;
            let session = dbc
                .session
                .as_mut()
                .ok_or_else(Error::connection_not_open)?;
            let (text, _) = crate::engine::params::rewrite_markers(&sql);
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
        let ncols = rows.columns.len();
        // Keep the rows not yet delivered, at the front.
        if rows.next_row > 0 {
            rows.values.drain(..rows.next_row * ncols);
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
                let fetched =
                    session.fetch_rows_within(&mut rows.values, ncols, want, rows.byte_budget);
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

    // ---- bound columns ----

    pub fn bind_col(&self, col: u16, binding: Option<ColBinding>) -> Result<()> {
        let mut st = self.state();
        let i = usize::from(col);
        if i == 0 {
            return Err(Error::new(
                "07009",
                "Invalid descriptor index: bookmarks are not supported",
            ));
        }
        if st.columns_bound.len() < i {
            st.columns_bound.resize(i, None);
        }
        st.columns_bound[i - 1] = binding;
        while matches!(st.columns_bound.last(), Some(None)) {
            st.columns_bound.pop();
        }
        Ok(())
    }

    /// ARD precision (`scale == false`) or scale of column `col` for SQL_C_NUMERIC.
    pub fn set_ard_numeric(&self, col: u16, scale: bool, value: i64) -> Result<()> {
        if col == 0 {
            return Err(Error::invalid_descriptor_index());
        }
        let mut st = self.state();
        let i = usize::from(col) - 1;
        if st.ard_numeric.len() <= i {
            st.ard_numeric.resize(i + 1, (DEFAULT_NUMERIC_PRECISION, 0));
        }
        if scale {
            st.ard_numeric[i].1 = value.clamp(-128, 127) as i8;
        } else {
            st.ard_numeric[i].0 = value.clamp(1, 38) as u8;
        }
        Ok(())
    }

    pub fn ard_numeric(&self, col: u16) -> (u8, i8) {
        self.state().numeric_of(col)
    }

    /// SQL_CA_SS_VARIANT_TYPE: the C type of the base type of the sql_variant in the current
    /// row (what msodbcsql answers; pyodbc reads the value as that type), 0 when the column
    /// holds no sql_variant.
    pub fn variant_c_type(&self, col: u16) -> Result<i64> {
        let st = self.state();
        let Some(Current::Rows(rows)) = st.cursor.as_ref().map(|c| &c.current) else {
            return Err(Error::invalid_cursor_state());
        };
        let ncols = rows.columns.len();
        if col == 0 || usize::from(col) > ncols {
            return Err(Error::invalid_descriptor_index());
        }
        let Some(row) = rows.current_row else {
            return Ok(0);
        };
        Ok(match rows.values.get(row * ncols + usize::from(col) - 1) {
            Some(Value::Variant(_, inner)) => i64::from(convert::to_c::default_c_type(inner)),
            // A NULL sql_variant has no base type: msodbcsql answers SQL_C_CHAR (measured).
            Some(Value::Null) if rows.columns[usize::from(col) - 1].ty == ServerType::Variant => {
                i64::from(convert::codes::SQL_C_CHAR)
            }
            _ => 0,
        })
    }

    pub fn unbind_cols(&self) {
        self.state().columns_bound.clear();
    }

    pub fn col_bindings(&self) -> Vec<Option<ColBinding>> {
        self.state().columns_bound.clone()
    }

    /// SQL_ATTR_ROW_ARRAY_SIZE.
    pub fn row_array_size(&self) -> usize {
        self.state().row_array_size()
    }

    /// Converts cell (`row` of the current rowset, column `col`) into a bound buffer. Returns
    /// the length/indicator value; a truncation posts 01004 and is reported as `true`.
    pub fn write_bound(
        &self,
        diag: &mut DiagArea,
        row: usize,
        col: u16,
        c_type: i16,
        buffer: &mut [u8],
    ) -> Result<(isize, bool)> {
        let st = self.state();
        let Some(Current::Rows(rows)) = st.cursor.as_ref().map(|c| &c.current) else {
            return Err(Error::invalid_cursor_state());
        };
        let first = rows.current_row.ok_or_else(Error::invalid_cursor_state)?;
        let ncols = rows.columns.len();
        if col == 0 || usize::from(col) > ncols {
            return Err(Error::invalid_descriptor_index());
        }
        let value = &rows.values[(first + row) * ncols + usize::from(col) - 1];
        if matches!(value, Value::Null) {
            return Ok((SQL_NULL_DATA, false));
        }
        let ty = &rows.columns[usize::from(col) - 1].ty;
        let written = convert_cell(value, ty, c_type, buffer, 0, st.numeric_of(col))?;
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
        let st_numeric = st.numeric_of(col);
        let ard_type = usize::from(col)
            .checked_sub(1)
            .and_then(|i| st.columns_bound.get(i).copied().flatten())
            .map(|b| b.c_type);
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
        let index = row * ncols + usize::from(col) - 1;
        let value = &rows.values[index];
        let ty: &ServerType = &rows.columns[usize::from(col) - 1].ty;
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
        let numeric = st_numeric;
        // SQL_ARD_TYPE: the type the application set on the ARD record (with its precision
        // and scale, `numeric`); the column's default C type when it set none.
        let c_type = match ard_type {
            Some(t) if c_type == SQL_ARD_TYPE => t,
            _ => c_type,
        };
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
            Err(e) => Err(result_failed(&mut dbc, cursor, e)),
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
        st.attrs.retain(|(a, _)| *a != attr);
        st.attrs.push((attr, value));
        Ok(())
    }

    pub fn get_attr(&self, attr: i32) -> Result<AttrValue> {
        let st = self.state();
        let stored = st.attrs.iter().find(|(a, _)| *a == attr).map(|(_, v)| *v);
        let value = match attr {
            SQL_ATTR_QUERY_TIMEOUT => i64::from(st.query_timeout),
            SQL_ATTR_APP_ROW_DESC => &*self.descriptors[0] as *const Desc as i64,
            SQL_ATTR_APP_PARAM_DESC => &*self.descriptors[1] as *const Desc as i64,
            SQL_ATTR_IMP_ROW_DESC => &*self.descriptors[2] as *const Desc as i64,
            SQL_ATTR_IMP_PARAM_DESC => &*self.descriptors[3] as *const Desc as i64,
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
    fn attr(&self, attr: i32) -> Option<i64> {
        self.attrs.iter().find(|(a, _)| *a == attr).map(|(_, v)| *v)
    }

    fn numeric_of(&self, col: u16) -> (u8, i8) {
        usize::from(col)
            .checked_sub(1)
            .and_then(|i| self.ard_numeric.get(i).copied())
            .unwrap_or((DEFAULT_NUMERIC_PRECISION, 0))
    }

    /// What SQLFetch needs besides the rows, read under the lock the fetch holds anyway.
    fn fetch_layout(&self) -> FetchLayout {
        FetchLayout {
            array: self.row_array_size(),
            rows_fetched_addr: self.attr(SQL_ATTR_ROWS_FETCHED_PTR).unwrap_or(0) as usize,
            row_status_addr: self.attr(SQL_ATTR_ROW_STATUS_PTR).unwrap_or(0) as usize,
            bound: self
                .columns_bound
                .iter()
                .flatten()
                .any(|b| b.value_addr != 0),
        }
    }

    /// SQL_ATTR_ROW_ARRAY_SIZE: rows per SQLFetch.
    fn row_array_size(&self) -> usize {
        self.attr(SQL_ATTR_ROW_ARRAY_SIZE)
            .unwrap_or(1)
            .clamp(1, 1 << 20) as usize
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
