//! Executing statements and reading their results.

use std::ffi::c_void;

use super::text::{self, Unit};
use super::*;
use crate::diag::Error;
use crate::handle::columns;
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

const SQL_ATTR_ROW_BIND_TYPE: i32 = 5;
const SQL_ATTR_ROW_BIND_OFFSET_PTR: i32 = 23;
const SQL_ROW_SUCCESS: u16 = 0;
const SQL_ROW_SUCCESS_WITH_INFO: u16 = 6;
const SQL_ROW_ERROR: u16 = 5;
const SQL_ROW_NOROW: u16 = 3;

fn stmt_attr(s: &Stmt, attr: i32) -> usize {
    match s.get_attr(attr) {
        Ok(AttrValue::Int(v)) => v as usize,
        _ => 0,
    }
}

/// SQLFetch and SQLFetchScroll(NEXT): positions on the next rowset and fills the bound
/// columns, the row status array and the rows-fetched count.
fn fetch_rowset(s: &Stmt, diag: &mut DiagArea) -> Result<Status> {
    let (status, n, layout) = s.fetch(diag)?;
    let fetched_ptr = layout.rows_fetched_addr;
    let status_ptr = layout.row_status_addr;
    // The common case (pyodbc): nothing bound, no arrays to fill.
    if !layout.bound && status_ptr == 0 {
        if fetched_ptr != 0 {
            unsafe { put(fetched_ptr as *mut u64, n as u64) };
        }
        return Ok(status);
    }
    let mut statuses = vec![SQL_ROW_NOROW; layout.array];
    let (bindings, length_pointers) = if layout.bound {
        (s.col_bindings(), s.col_length_pointers())
    } else {
        (Vec::new(), Vec::new())
    };
    if status == Status::Success && layout.bound {
        let bind_type = stmt_attr(s, SQL_ATTR_ROW_BIND_TYPE);
        let offset_ptr = stmt_attr(s, SQL_ATTR_ROW_BIND_OFFSET_PTR);
        let offset = if offset_ptr == 0 {
            0
        } else {
            unsafe { (offset_ptr as *const isize).read_unaligned() as usize }
        };
        let columns = s.columns();
        let mut first_error = None;
        for (row, row_status) in statuses.iter_mut().enumerate().take(n) {
            *row_status = SQL_ROW_SUCCESS;
            for (i, b) in bindings.iter().enumerate() {
                // A column is bound by its data pointer: a record whose type or indicator was
                // set through the ARD without one is not (pyodbc sets decimal types so).
                let Some(b) = b.filter(|b| b.value_addr != 0) else {
                    continue;
                };
                let col = i as u16 + 1;
                let c_type = if b.c_type == 99 {
                    match columns.as_ref().and_then(|c| c.get(i)) {
                        Some(info) => crate::convert::to_c::default_c_type(&info.ty),
                        None => b.c_type,
                    }
                } else {
                    b.c_type
                };
                let elem =
                    super::params::c_type_size(c_type).unwrap_or(b.buffer_len.max(0) as usize);
                let (value_step, ind_step) = if bind_type == 0 {
                    (elem, std::mem::size_of::<isize>())
                } else {
                    (bind_type, bind_type)
                };
                let value_addr = if b.value_addr == 0 {
                    0
                } else {
                    b.value_addr + offset + row * value_step
                };
                // The ARD's indicator and octet-length pointers (one and the same for SQLBindCol).
                let (ind_ptr, len_ptr) = length_pointers
                    .get(i)
                    .copied()
                    .unwrap_or((b.ind_addr, b.ind_addr));
                let in_row = |p: usize| {
                    if p == 0 {
                        0
                    } else {
                        p + offset + row * ind_step
                    }
                };
                let (ind_addr, len_addr) = (in_row(ind_ptr), in_row(len_ptr));
                let len =
                    super::params::c_type_size(c_type).unwrap_or(b.buffer_len.max(0) as usize);
                let buffer = unsafe {
                    out_bytes(
                        value_addr as *mut c_void,
                        if value_addr == 0 { 0 } else { len as isize },
                    )
                };
                match s.write_bound(diag, row, col, c_type, buffer) {
                    Ok((ind, truncated)) => {
                        if ind == crate::handle::stmt::SQL_NULL_DATA && ind_addr == 0 {
                            *row_status = SQL_ROW_ERROR;
                            first_error.get_or_insert_with(|| {
                                Error::new("22002", "Indicator variable required but not supplied")
                            });
                            continue;
                        }
                        unsafe { super::descriptor::put_length_indicator(ind, ind_addr, len_addr) };
                        if truncated && *row_status == SQL_ROW_SUCCESS {
                            *row_status = SQL_ROW_SUCCESS_WITH_INFO;
                        }
                    }
                    Err(e) => {
                        *row_status = SQL_ROW_ERROR;
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        if let Some(e) = first_error {
            if n == 1 {
                return Err(e);
            }
            diag.extend(e.records);
        }
    } else if status == Status::Success {
        statuses
            .iter_mut()
            .take(n)
            .for_each(|st| *st = SQL_ROW_SUCCESS);
    }
    if fetched_ptr != 0 {
        unsafe { put(fetched_ptr as *mut u64, n as u64) };
    }
    if status_ptr != 0 {
        for (i, st) in statuses.iter().enumerate() {
            unsafe { put((status_ptr as *mut u16).add(i), *st) };
        }
    }
    Ok(status)
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
