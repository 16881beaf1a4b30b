//! The statement handle: execution, result navigation, fetch and SQLGetData.

use std::sync::{Arc, Mutex, MutexGuard};

use super::dbc::{DbcState, next_stmt_id};
use super::{AttrValue, Dbc, Status, TAG_STMT, char_encoding};
use crate::convert::{self, ServerType, Value, Warning};
use crate::diag::{DiagArea, DiagRecord, Error, Result, ServerMessage};
use crate::engine::{Canceller, ColumnInfo, Step};

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
pub const SQL_ATTR_APP_ROW_DESC: i32 = 10010;
pub const SQL_ATTR_APP_PARAM_DESC: i32 = 10011;
pub const SQL_ATTR_IMP_ROW_DESC: i32 = 10012;
pub const SQL_ATTR_IMP_PARAM_DESC: i32 = 10013;

/// A descriptor the Driver Manager asks for at allocation time. Its fields are not served yet.
#[repr(C)]
pub struct Desc {
    pub tag: u32,
    pub kind: i32,
}
pub const TAG_DESC: u32 = 0x5344_4553; // "SDES"

#[repr(C)]
pub struct Stmt {
    pub tag: u32,
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
    cursor: Option<Cursor>,
    pub query_timeout: u32,
    attrs: Vec<(i32, i64)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Stmt {
    pub fn new(dbc: Arc<Dbc>) -> Self {
        let desc = |kind| {
            Box::new(Desc {
                tag: TAG_DESC,
                kind,
            })
        };
        Stmt {
            tag: TAG_STMT,
            id: next_stmt_id(),
            dbc,
            diag: Mutex::new(DiagArea::default()),
            state: Mutex::new(StmtState {
                prepared: None,
                cursor: None,
                query_timeout: 0,
                attrs: Vec::new(),
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

    /// SQLCancel: interrupts the execution running on another thread (ATTENTION).
    pub fn cancel(&self) {
        lock(&self.canceller).cancel();
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
        Ok(())
    }

    pub fn execute(&self, diag: &mut DiagArea) -> Result<Status> {
        let mut st = self.state();
        let sql = st.prepared.clone().ok_or_else(Error::sequence)?;
        self.close_cursor_locked(&mut st)?;
        self.execute_sql(&mut st, diag, &sql)
    }

    fn execute_sql(&self, st: &mut StmtState, diag: &mut DiagArea, sql: &str) -> Result<Status> {
        let canceller = self.fresh_canceller();
        let mut dbc = self.dbc.lock();
        self.claim_connection(&mut dbc)?;
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        let result = session.execute(sql, st.query_timeout, &canceller);
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
                st.cursor = Some(cursor);
                diag.row_count = row_count_of(st.cursor.as_ref());
                Ok(Status::Success)
            }
            Err(e) => {
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
        }
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

    pub fn fetch(&self, diag: &mut DiagArea) -> Result<Status> {
        let mut st = self.state();
        let cursor = st.cursor.as_mut().ok_or_else(Error::invalid_cursor_state)?;
        let Current::Rows(rows) = &mut cursor.current else {
            return Err(Error::invalid_cursor_state());
        };
        rows.getdata_col = 0;
        rows.getdata_offset = 0;
        rows.getdata_done = false;
        if rows.next_row < rows.rows_in_batch {
            rows.current_row = Some(rows.next_row);
            rows.next_row += 1;
            return Ok(Status::Success);
        }
        rows.current_row = None;
        if rows.exhausted {
            return Ok(Status::NoData);
        }
        let mut dbc = self.dbc.lock();
        if dbc.owner != Some(self.id) {
            // Another operation closed these results (commit, rollback, a driver statement).
            rows.exhausted = true;
            return Ok(Status::NoData);
        }
        let session = dbc
            .session
            .as_mut()
            .ok_or_else(Error::connection_not_open)?;
        rows.values.clear();
        rows.rows_in_batch = 0;
        rows.next_row = 0;
        let ncols = rows.columns.len();
        let fetched = session.fetch_rows(&mut rows.values, ncols, FETCH_BATCH_ROWS);
        let messages = session.take_messages();
        diag.extend(messages.iter().map(DiagRecord::server));
        match fetched {
            Ok(0) => {
                rows.exhausted = true;
                self.look_ahead(&mut dbc, cursor);
                Ok(Status::NoData)
            }
            Ok(n) => {
                rows.rows_in_batch = n;
                rows.current_row = Some(0);
                rows.next_row = 1;
                Ok(Status::Success)
            }
            Err(e) => {
                rows.exhausted = true;
                let session = dbc.session.as_ref();
                if session
                    .map(|s| s.is_dead() || !s.has_open_batch())
                    .unwrap_or(true)
                {
                    cursor.batch_done = true;
                    dbc.owner = None;
                }
                Err(e)
            }
        }
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
        let c_type = if c_type == SQL_C_DEFAULT || c_type == SQL_ARD_TYPE {
            convert::to_c::default_c_type(ty)
        } else {
            c_type
        };
        let target = convert::to_c::Target {
            c_type,
            buffer,
            offset: rows.getdata_offset,
            encoding: char_encoding(),
            numeric_precision: 38,
            numeric_scale: 0,
        };
        let written = convert::to_c::write_value(value, ty, target)
            .map_err(|e| Error::new(e.sqlstate, e.message))?;
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
        match next {
            Ok(Step::End) => {
                dbc.owner = None;
                st.cursor = None;
                Ok(Status::NoData)
            }
            Ok(step) => {
                self.position(&mut dbc, cursor, step);
                diag.row_count = row_count_of(Some(cursor));
                Ok(Status::Success)
            }
            Err(e) => {
                cursor.current = Current::NoRows { rows_affected: -1 };
                let session = dbc.session.as_ref();
                if session
                    .map(|s| s.is_dead() || !s.has_open_batch())
                    .unwrap_or(true)
                {
                    cursor.batch_done = true;
                    dbc.owner = None;
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
        if st.cursor.take().is_some() {
            let mut dbc = self.dbc.lock();
            if dbc.owner == Some(self.id) {
                dbc.owner = None;
                if let Some(session) = dbc.session.as_mut() {
                    session.close()?;
                    let _ = session.take_messages();
                }
            }
        }
        Ok(())
    }

    // ---- attributes ----

    pub fn set_attr(&self, diag: &mut DiagArea, attr: i32, value: i64) -> Result<()> {
        let mut st = self.state();
        match attr {
            SQL_ATTR_QUERY_TIMEOUT => st.query_timeout = value.clamp(0, u32::MAX as i64) as u32,
            SQL_ATTR_ROW_ARRAY_SIZE | SQL_ROWSET_SIZE if value != 1 => {
                return Err(Error::optional_feature(
                    ": row arrays are not supported yet",
                ));
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

fn row_count_of(cursor: Option<&Cursor>) -> isize {
    match cursor.map(|c| &c.current) {
        Some(Current::NoRows { rows_affected }) => *rows_affected as isize,
        _ => -1,
    }
}
