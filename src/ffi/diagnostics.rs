//! SQLGetDiagRec, SQLGetDiagField and ODBC 2's SQLError.

use std::ffi::c_void;

use super::text::{self, Unit};
use super::*;
use crate::diag::DiagRecord;

/// Runs `read` on the diagnostics area of any handle type, without clearing it.
fn with_area(
    handle_type: i16,
    handle: Handle,
    read: impl FnOnce(&mut DiagArea) -> SqlReturn,
) -> SqlReturn {
    let area = unsafe {
        match handle_type {
            SQL_HANDLE_ENV => env(handle).map(|h| &h.diag),
            SQL_HANDLE_DBC => dbc(handle).map(|h| &h.diag),
            SQL_HANDLE_STMT => stmt(handle).map(|h| &h.diag),
            SQL_HANDLE_DESC => super::descriptor::diag_area(handle),
            _ => None,
        }
    };
    match area {
        Some(area) => guard(|| read(&mut lock_diag(area))),
        None => SQL_INVALID_HANDLE,
    }
}

/// Writes the five-character SQLSTATE and its terminator.
unsafe fn write_state(out: *mut c_void, state: &str, unit: Unit) {
    if out.is_null() {
        return;
    }
    let bytes = state.as_bytes();
    for i in 0..6 {
        let b = if i < 5 {
            *bytes.get(i).unwrap_or(&b'0')
        } else {
            0
        };
        unsafe {
            match unit {
                Unit::Ansi => (out as *mut u8).add(i).write(b),
                _ => (out as *mut u16).add(i).write_unaligned(u16::from(b)),
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn diag_rec(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    with_area(handle_type, handle, |area| {
        if rec < 1 {
            return SQL_ERROR;
        }
        if buf < 0 {
            return SQL_ERROR;
        }
        let Some(record) = area.get(rec).cloned() else {
            return SQL_NO_DATA;
        };
        write_record(&record, state, native, msg, buf, len, unit)
    })
}

fn write_record(
    record: &DiagRecord,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    unsafe {
        write_state(state, &record.sqlstate, unit);
        put(native, record.native);
    }
    // Truncation of the message is reported by the return code, not by a new record.
    let mut scratch = DiagArea::default();
    match unsafe { text::write(&record.message, msg, isize::from(buf), unit, &mut scratch) } {
        Ok(n) => {
            unsafe { put(len, n.min(i16::MAX as isize) as i16) };
            if scratch.has_records() {
                SQL_SUCCESS_WITH_INFO
            } else {
                SQL_SUCCESS
            }
        }
        Err(_) => SQL_ERROR,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDiagRec(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    state: *mut u8,
    native: *mut i32,
    msg: *mut u8,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    diag_rec(
        handle_type,
        handle,
        rec,
        state as *mut c_void,
        native,
        msg as *mut c_void,
        buf,
        len,
        Unit::Ansi,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDiagRecW(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    state: *mut u16,
    native: *mut i32,
    msg: *mut u16,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    diag_rec(
        handle_type,
        handle,
        rec,
        state as *mut c_void,
        native,
        msg as *mut c_void,
        buf,
        len,
        Unit::WideChars,
    )
}

const SQL_DIAG_RETURNCODE: i16 = 1;
const SQL_DIAG_NUMBER: i16 = 2;
const SQL_DIAG_ROW_COUNT: i16 = 3;
const SQL_DIAG_SQLSTATE: i16 = 4;
const SQL_DIAG_NATIVE: i16 = 5;
const SQL_DIAG_MESSAGE_TEXT: i16 = 6;
const SQL_DIAG_DYNAMIC_FUNCTION: i16 = 7;
const SQL_DIAG_CLASS_ORIGIN: i16 = 8;
const SQL_DIAG_SUBCLASS_ORIGIN: i16 = 9;
const SQL_DIAG_CONNECTION_NAME: i16 = 10;
const SQL_DIAG_SERVER_NAME: i16 = 11;
const SQL_DIAG_DYNAMIC_FUNCTION_CODE: i16 = 12;
const SQL_DIAG_CURSOR_ROW_COUNT: i16 = -1249;
const SQL_DIAG_ROW_NUMBER: i16 = -1248;
const SQL_DIAG_COLUMN_NUMBER: i16 = -1247;
const SQL_DIAG_SS_MSGSTATE: i16 = -1150;
const SQL_DIAG_SS_SEVERITY: i16 = -1151;
const SQL_DIAG_SS_SRVNAME: i16 = -1152;
const SQL_DIAG_SS_PROCNAME: i16 = -1153;
const SQL_DIAG_SS_LINE: i16 = -1154;

#[allow(clippy::too_many_arguments)]
fn diag_field(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    with_area(handle_type, handle, |area| {
        let mut scratch = DiagArea::default();
        let mut text_out = |s: &str| -> SqlReturn {
            match unsafe { text::write(s, value, isize::from(buf), unit, &mut scratch) } {
                Ok(n) => {
                    unsafe { put(len, n.min(i16::MAX as isize) as i16) };
                    if scratch.has_records() {
                        SQL_SUCCESS_WITH_INFO
                    } else {
                        SQL_SUCCESS
                    }
                }
                Err(_) => SQL_ERROR,
            }
        };
        // Header fields.
        match field {
            SQL_DIAG_RETURNCODE => {
                unsafe { put(value as *mut i16, area.return_code) };
                return SQL_SUCCESS;
            }
            SQL_DIAG_NUMBER => {
                unsafe { put(value as *mut i32, area.records.len() as i32) };
                return SQL_SUCCESS;
            }
            SQL_DIAG_ROW_COUNT | SQL_DIAG_CURSOR_ROW_COUNT => {
                if handle_type != SQL_HANDLE_STMT {
                    return SQL_ERROR;
                }
                unsafe { put(value as *mut isize, area.row_count) };
                return SQL_SUCCESS;
            }
            SQL_DIAG_DYNAMIC_FUNCTION => return text_out(area.dynamic_function),
            SQL_DIAG_DYNAMIC_FUNCTION_CODE => {
                unsafe { put(value as *mut i32, area.dynamic_function_code) };
                return SQL_SUCCESS;
            }
            _ => {}
        }
        if rec < 1 {
            return SQL_ERROR;
        }
        let Some(r) = area.get(rec).cloned() else {
            return SQL_NO_DATA;
        };
        match field {
            SQL_DIAG_SQLSTATE => text_out(&r.sqlstate),
            SQL_DIAG_NATIVE => {
                unsafe { put(value as *mut i32, r.native) };
                SQL_SUCCESS
            }
            SQL_DIAG_MESSAGE_TEXT => text_out(&r.message),
            SQL_DIAG_CLASS_ORIGIN => text_out(r.class_origin()),
            SQL_DIAG_SUBCLASS_ORIGIN => text_out(r.subclass_origin()),
            SQL_DIAG_CONNECTION_NAME => text_out(""),
            SQL_DIAG_SERVER_NAME | SQL_DIAG_SS_SRVNAME => {
                text_out(r.server_name.as_deref().unwrap_or(""))
            }
            SQL_DIAG_SS_PROCNAME => text_out(&r.ss_procname),
            SQL_DIAG_ROW_NUMBER => {
                unsafe { put(value as *mut isize, r.row) };
                SQL_SUCCESS
            }
            SQL_DIAG_COLUMN_NUMBER => {
                unsafe { put(value as *mut i32, r.column) };
                SQL_SUCCESS
            }
            SQL_DIAG_SS_MSGSTATE => {
                unsafe { put(value as *mut i32, r.ss_msgstate) };
                SQL_SUCCESS
            }
            SQL_DIAG_SS_SEVERITY => {
                unsafe { put(value as *mut i32, r.ss_severity) };
                SQL_SUCCESS
            }
            SQL_DIAG_SS_LINE => {
                unsafe {
                    put(
                        value as *mut u16,
                        r.ss_line.clamp(0, i32::from(u16::MAX)) as u16,
                    )
                };
                SQL_SUCCESS
            }
            _ => SQL_ERROR,
        }
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDiagField(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    diag_field(handle_type, handle, rec, field, value, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDiagFieldW(
    handle_type: i16,
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    diag_field(
        handle_type,
        handle,
        rec,
        field,
        value,
        buf,
        len,
        Unit::WideBytes,
    )
}

#[allow(clippy::too_many_arguments)]
fn error_impl(
    henv: Handle,
    hdbc: Handle,
    hstmt: Handle,
    state: *mut c_void,
    native: *mut i32,
    msg: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    let (handle_type, handle) = if !hstmt.is_null() {
        (SQL_HANDLE_STMT, hstmt)
    } else if !hdbc.is_null() {
        (SQL_HANDLE_DBC, hdbc)
    } else {
        (SQL_HANDLE_ENV, henv)
    };
    with_area(handle_type, handle, |area| {
        let Some(record) = area.records.get(area.error_cursor).cloned() else {
            return SQL_NO_DATA;
        };
        area.error_cursor += 1;
        write_record(&record, state, native, msg, buf, len, unit)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLError(
    henv: Handle,
    hdbc: Handle,
    hstmt: Handle,
    state: *mut u8,
    native: *mut i32,
    msg: *mut u8,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    error_impl(
        henv,
        hdbc,
        hstmt,
        state as *mut c_void,
        native,
        msg as *mut c_void,
        buf,
        len,
        Unit::Ansi,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLErrorW(
    henv: Handle,
    hdbc: Handle,
    hstmt: Handle,
    state: *mut u16,
    native: *mut i32,
    msg: *mut u16,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    error_impl(
        henv,
        hdbc,
        hstmt,
        state as *mut c_void,
        native,
        msg as *mut c_void,
        buf,
        len,
        Unit::WideChars,
    )
}
