//! Executing statements and reading their results.

use std::ffi::c_void;

use super::text::{self, Unit};
use super::*;
use crate::convert::codes::SQL_C_DEFAULT;
use crate::diag::Error;
use crate::handle::columns;
use crate::handle::stmt::{BoundRowset, SQL_NULL_DATA};
use crate::handle::{AttrValue, Status};

fn exec_direct(handle: Handle, sql: impl FnOnce() -> Result<Option<String>>) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let sql = sql()?.ok_or_else(Error::null_pointer)?;
        super::params::execute_with_params(s, diag, Some(&sql))
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLExecDirect(handle: Handle, sql: *const u8, len: i32) -> SqlReturn {
    exec_direct(handle, || unsafe { text::read_a(sql, len) })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLExecDirectW(handle: Handle, sql: *const u16, len: i32) -> SqlReturn {
    exec_direct(handle, || unsafe { text::read_w(sql, len) })
}

fn prepare(handle: Handle, sql: impl FnOnce() -> Result<Option<String>>) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let sql = sql()?.ok_or_else(Error::null_pointer)?;
        s.prepare(diag, &sql).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLPrepare(handle: Handle, sql: *const u8, len: i32) -> SqlReturn {
    prepare(handle, || unsafe { text::read_a(sql, len) })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLPrepareW(handle: Handle, sql: *const u16, len: i32) -> SqlReturn {
    prepare(handle, || unsafe { text::read_w(sql, len) })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLExecute(handle: Handle) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        super::params::execute_with_params(s, diag, None)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLNumResultCols(handle: Handle, count: *mut i16) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let n = s.num_result_cols()?;
        unsafe { put(count, n) };
        Ok(Status::Success)
    })
}

#[allow(clippy::too_many_arguments)]
fn describe_col(
    handle: Handle,
    col: u16,
    name: *mut c_void,
    buf: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut u64,
    digits: *mut i16,
    nullable: *mut i16,
    unit: Unit,
) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let info = s.column(col)?;
        let (col_name, ty, col_size, dec, null) = columns::describe(&info, s.dbc.odbc_version);
        if buf < 0 {
            return Err(Error::invalid_length());
        }
        let n = unsafe { text::write(&col_name, name, isize::from(buf), unit, diag)? };
        unsafe {
            put(name_len, n.min(i16::MAX as isize) as i16);
            put(data_type, ty);
            put(size, col_size);
            put(digits, dec);
            put(nullable, null);
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDescribeCol(
    handle: Handle,
    col: u16,
    name: *mut u8,
    buf: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut u64,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    describe_col(
        handle,
        col,
        name as *mut c_void,
        buf,
        name_len,
        data_type,
        size,
        digits,
        nullable,
        Unit::Ansi,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDescribeColW(
    handle: Handle,
    col: u16,
    name: *mut u16,
    buf: i16,
    name_len: *mut i16,
    data_type: *mut i16,
    size: *mut u64,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    describe_col(
        handle,
        col,
        name as *mut c_void,
        buf,
        name_len,
        data_type,
        size,
        digits,
        nullable,
        Unit::WideChars,
    )
}

#[allow(clippy::too_many_arguments)]
fn col_attribute(
    handle: Handle,
    col: u16,
    field: u16,
    text_out: *mut c_void,
    buf: i16,
    len: *mut i16,
    num: *mut isize,
    unit: Unit,
) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let value = if field == columns::SQL_DESC_COUNT || field == columns::SQL_COLUMN_COUNT {
            AttrValue::Int(i64::from(s.num_result_cols()?))
        } else if i32::from(field) == super::constants::SQL_CA_SS_VARIANT_TYPE {
            AttrValue::Int(s.variant_c_type(col)?)
        } else {
            let info = s.column(col)?;
            let ncols = s.num_result_cols()? as usize;
            columns::attribute(&info, ncols, field, s.dbc.odbc_version)?
        };
        match value {
            AttrValue::Int(v) => unsafe { put(num, v as isize) },
            AttrValue::Text(t) => {
                let n = unsafe { text::write(&t, text_out, isize::from(buf), unit, diag)? };
                unsafe { put(len, n.min(i16::MAX as isize) as i16) };
            }
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLColAttribute(
    handle: Handle,
    col: u16,
    field: u16,
    text_out: *mut c_void,
    buf: i16,
    len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    col_attribute(handle, col, field, text_out, buf, len, num, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLColAttributeW(
    handle: Handle,
    col: u16,
    field: u16,
    text_out: *mut c_void,
    buf: i16,
    len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    col_attribute(handle, col, field, text_out, buf, len, num, Unit::WideBytes)
}

const SQL_ROW_SUCCESS: u16 = 0;
const SQL_ROW_SUCCESS_WITH_INFO: u16 = 6;
const SQL_ROW_ERROR: u16 = 5;
const SQL_ROW_NOROW: u16 = 3;

/// SQLFetch and SQLFetchScroll(NEXT): positions on the next rowset and fills the bound
/// columns, the row status array and the rows-fetched count.
fn fetch_rowset(s: &Stmt, diag: &mut DiagArea) -> Result<Status> {
    let (status, n, layout) = s.fetch(diag)?;
    // SQL_ATTR_ROW_STATUS_PTR: one entry per row of the rowset, written as rows are filled.
    let status_array = layout.row_status_addr as *mut u16;
    let set_row_status = |row: usize, value: u16| {
        if !status_array.is_null() {
            unsafe { put(status_array.add(row), value) };
        }
    };
    if status == Status::Success && layout.bound {
        s.with_bound_rowset(|rowset| fill_bound_rows(rowset, n, &set_row_status, diag))??;
    } else if status == Status::Success {
        (0..n).for_each(|row| set_row_status(row, SQL_ROW_SUCCESS));
    }
    let filled = if status == Status::Success { n } else { 0 };
    (filled..layout.array).for_each(|row| set_row_status(row, SQL_ROW_NOROW));
    if layout.rows_fetched_addr != 0 {
        unsafe { put(layout.rows_fetched_addr as *mut u64, n as u64) };
    }
    Ok(status)
}

/// Writes the `n` rows of the rowset into the columns the application bound, row- or
/// column-wise, at the bind offset. A cell that fails marks its row SQL_ROW_ERROR; with a
/// single row, its error is the call's.
fn fill_bound_rows(
    rowset: &BoundRowset<'_>,
    n: usize,
    set_row_status: &dyn Fn(usize, u16),
    diag: &mut DiagArea,
) -> Result<()> {
    let offset = match rowset.bind_offset_addr {
        0 => 0,
        addr => unsafe { (addr as *const isize).read_unaligned() as usize },
    };
    let columns = bound_columns(rowset, offset);
    let mut first_error = None;
    for row in 0..n {
        let mut row_status = SQL_ROW_SUCCESS;
        for column in &columns {
            let buffer = unsafe { out_bytes(column.value_at(row) as *mut c_void, column.len) };
            match rowset.write(diag, row, column.col, column.c_type, buffer) {
                Ok((ind, _)) if ind == SQL_NULL_DATA && column.ind_at(row) == 0 => {
                    row_status = SQL_ROW_ERROR;
                    first_error.get_or_insert_with(|| {
                        Error::new("22002", "Indicator variable required but not supplied")
                    });
                }
                Ok((ind, truncated)) => {
                    unsafe {
                        super::descriptor::put_length_indicator(
                            ind,
                            column.ind_at(row),
                            column.len_at(row),
                        )
                    };
                    if truncated && row_status == SQL_ROW_SUCCESS {
                        row_status = SQL_ROW_SUCCESS_WITH_INFO;
                    }
                }
                Err(e) => {
                    row_status = SQL_ROW_ERROR;
                    first_error.get_or_insert(e);
                }
            }
        }
        set_row_status(row, row_status);
    }
    match first_error {
        Some(e) if n == 1 => Err(e),
        Some(e) => {
            diag.extend(e.records);
            Ok(())
        }
        None => Ok(()),
    }
}

/// Where one bound column's cells go: the addresses of row 0 (bind offset applied) and the
/// step from one row to the next.
struct BoundColumn {
    col: u16,
    c_type: i16,
    /// Bytes of one value: the C type's size, or the buffer length for variable-length types.
    len: isize,
    value_addr: usize,
    ind_addr: usize,
    len_addr: usize,
    value_step: usize,
    ind_step: usize,
}

impl BoundColumn {
    fn at(addr: usize, row: usize, step: usize) -> usize {
        if addr == 0 { 0 } else { addr + row * step }
    }
    fn value_at(&self, row: usize) -> usize {
        Self::at(self.value_addr, row, self.value_step)
    }
    fn ind_at(&self, row: usize) -> usize {
        Self::at(self.ind_addr, row, self.ind_step)
    }
    fn len_at(&self, row: usize) -> usize {
        Self::at(self.len_addr, row, self.ind_step)
    }
}

/// The bound columns of the rowset, resolved once per fetch. A column is bound by its data
/// pointer: a record whose type or indicator was set through the ARD without one is not
/// (pyodbc sets decimal types so).
fn bound_columns(rowset: &BoundRowset<'_>, offset: usize) -> Vec<BoundColumn> {
    let length_pointers = rowset.length_pointers();
    rowset
        .bindings()
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let b = b.filter(|b| b.value_addr != 0)?;
            let c_type = match (b.c_type, rowset.column_type(i)) {
                // SQL_C_DEFAULT in an ARD record: the column's default C type.
                (SQL_C_DEFAULT, Some(ty)) => crate::convert::to_c::default_c_type(ty),
                (c_type, _) => c_type,
            };
            let len = super::params::c_type_size(c_type).unwrap_or(b.buffer_len.max(0) as usize);
            let (value_step, ind_step) = match rowset.bind_type {
                0 => (len, std::mem::size_of::<isize>()),
                row_size => (row_size, row_size),
            };
            // The ARD's indicator and octet-length pointers (one and the same for SQLBindCol).
            let (ind_addr, len_addr) = length_pointers
                .get(i)
                .copied()
                .unwrap_or((b.ind_addr, b.ind_addr));
            let shifted = |addr: usize| if addr == 0 { 0 } else { addr + offset };
            Some(BoundColumn {
                col: i as u16 + 1,
                c_type,
                len: len as isize,
                value_addr: shifted(b.value_addr),
                ind_addr: shifted(ind_addr),
                len_addr: shifted(len_addr),
                value_step,
                ind_step,
            })
        })
        .collect()
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLFetch(handle: Handle) -> SqlReturn {
    on_stmt(handle, fetch_with_outputs)
}

/// A fetch that reaches the end of the last result also delivers the output parameters, as
/// msodbcsql does.
fn fetch_with_outputs(s: &Stmt, diag: &mut DiagArea) -> Result<Status> {
    let result = fetch_rowset(s, diag);
    super::params::with_outputs(s, diag, result)
}

const SQL_FETCH_NEXT: i16 = 1;

#[unsafe(no_mangle)]
pub extern "C" fn SQLFetchScroll(handle: Handle, orientation: i16, _offset: isize) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        if orientation != SQL_FETCH_NEXT {
            return Err(Error::new("HY106", "Fetch type out of range"));
        }
        fetch_with_outputs(s, diag)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLBindCol(
    handle: Handle,
    col: u16,
    c_type: i16,
    value: *mut c_void,
    buffer_len: isize,
    ind: *mut isize,
) -> SqlReturn {
    on_stmt(handle, |s, _| {
        if buffer_len < 0 && super::params::c_type_size(c_type).is_none() {
            return Err(Error::invalid_length());
        }
        let binding =
            (!value.is_null() || !ind.is_null()).then_some(crate::handle::stmt::ColBinding {
                c_type,
                value_addr: value as usize,
                buffer_len,
                ind_addr: ind as usize,
            });
        s.bind_col(col, binding).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetData(
    handle: Handle,
    col: u16,
    c_type: i16,
    value: *mut c_void,
    buf: isize,
    ind: *mut isize,
) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        // Fixed-size C types ignore BufferLength (ODBC): the buffer is the type's size.
        let buf = match super::params::c_type_size(c_type) {
            Some(size) => size as isize,
            None if buf < 0 => return Err(Error::invalid_length()),
            None => buf,
        };
        let buffer = unsafe { out_bytes(value, buf) };
        let (status, indicator) = s.get_data(diag, col, c_type, buffer, !ind.is_null())?;
        if status == Status::Success {
            unsafe { put(ind, indicator) };
        }
        Ok(status)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLRowCount(handle: Handle, count: *mut isize) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let n = s.row_count()?;
        unsafe { put(count, n as isize) };
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLMoreResults(handle: Handle) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let result = s.more_results(diag);
        super::params::with_outputs(s, diag, result)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLCloseCursor(handle: Handle) -> SqlReturn {
    on_stmt(handle, |s, _| s.close_cursor(true).map(|_| Status::Success))
}

/// SQLCancel works from any thread and does not wait for the statement's lock.
#[unsafe(no_mangle)]
pub extern "C" fn SQLCancel(handle: Handle) -> SqlReturn {
    guard(|| match unsafe { stmt(handle) } {
        Some(s) => {
            s.cancel();
            SQL_SUCCESS
        }
        None => SQL_INVALID_HANDLE,
    })
}

const SQL_ATTR_APP_ROW_DESC: i32 = 10010;
const SQL_ATTR_APP_PARAM_DESC: i32 = 10011;

fn set_stmt_attr(handle: Handle, attr: i32, value: *mut c_void) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        if attr == SQL_ATTR_APP_ROW_DESC || attr == SQL_ATTR_APP_PARAM_DESC {
            // A descriptor handle, or SQL_NULL_HDESC for the implicit one again.
            let desc = if value.is_null() {
                None
            } else {
                Some(unsafe { desc(value) }.ok_or_else(|| {
                    Error::new("HY024", "Invalid attribute value: not a descriptor handle")
                })?)
            };
            return s.set_app_desc(attr, desc).map(|_| Status::Success);
        }
        s.set_attr(diag, attr, value as isize as i64)
            .map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetStmtAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    set_stmt_attr(handle, attr, value)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetStmtAttrW(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    set_stmt_attr(handle, attr, value)
}

fn get_stmt_attr(handle: Handle, attr: i32, value: *mut c_void, len: *mut i32) -> SqlReturn {
    on_stmt(handle, |s, _| {
        if let AttrValue::Int(v) = s.get_attr(attr)? {
            unsafe {
                put(value as *mut isize, v as isize);
                put(len, std::mem::size_of::<isize>() as i32);
            }
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetStmtAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_stmt_attr(handle, attr, value, len)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetStmtAttrW(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_stmt_attr(handle, attr, value, len)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetStmtOption(handle: Handle, option: u16, value: u64) -> SqlReturn {
    set_stmt_attr(handle, i32::from(option), value as usize as *mut c_void)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetStmtOption(handle: Handle, option: u16, value: *mut c_void) -> SqlReturn {
    get_stmt_attr(handle, i32::from(option), value, std::ptr::null_mut())
}

fn get_cursor_name(
    handle: Handle,
    out: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let n = unsafe { text::write(&s.cursor_name(), out, isize::from(buf), unit, diag)? };
        unsafe { put(len, n.min(i16::MAX as isize) as i16) };
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetCursorName(
    handle: Handle,
    out: *mut u8,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    get_cursor_name(handle, out as *mut c_void, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetCursorNameW(
    handle: Handle,
    out: *mut u16,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    get_cursor_name(handle, out as *mut c_void, buf, len, Unit::WideChars)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetCursorName(handle: Handle, name: *const u8, len: i16) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let name =
            unsafe { text::read_a(name, i32::from(len))? }.ok_or_else(Error::null_pointer)?;
        s.set_cursor_name(&name).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetCursorNameW(handle: Handle, name: *const u16, len: i16) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let name =
            unsafe { text::read_w(name, i32::from(len))? }.ok_or_else(Error::null_pointer)?;
        s.set_cursor_name(&name).map(|_| Status::Success)
    })
}
