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
        s.exec_direct(diag, &sql)
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
    on_stmt(handle, |s, diag| s.execute(diag))
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

#[unsafe(no_mangle)]
pub extern "C" fn SQLFetch(handle: Handle) -> SqlReturn {
    on_stmt(handle, |s, diag| s.fetch(diag))
}

const SQL_FETCH_NEXT: i16 = 1;

#[unsafe(no_mangle)]
pub extern "C" fn SQLFetchScroll(handle: Handle, orientation: i16, _offset: isize) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        if orientation != SQL_FETCH_NEXT {
            return Err(Error::new("HY106", "Fetch type out of range"));
        }
        s.fetch(diag)
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
        if buf < 0 {
            return Err(Error::invalid_length());
        }
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
    on_stmt(handle, |s, diag| s.more_results(diag))
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

fn set_stmt_attr(handle: Handle, attr: i32, value: *mut c_void) -> SqlReturn {
    on_stmt(handle, |s, diag| {
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
