//! SQLBindParameter and friends; reading the application's deferred parameter buffers at
//! execute time (the only place that dereferences them).

use std::ffi::c_void;

use super::*;
use crate::convert::from_c::Param;
use crate::diag::Error;
use crate::handle::char_encoding;
use crate::handle::params::{
    OutputValue, ParamBinding, ParamInput, SQL_DATA_AT_EXEC, SQL_LEN_DATA_AT_EXEC_OFFSET,
    SQL_PARAM_INPUT, SQL_PARAM_INPUT_OUTPUT, SQL_PARAM_OUTPUT,
};
use crate::handle::stmt::ParamSetReport;
use crate::handle::{AttrValue, Status};

const SQL_C_CHAR: i16 = 1;
const SQL_C_WCHAR: i16 = -8;
const SQL_C_BINARY: i16 = -2;
const SQL_C_DEFAULT: i16 = 99;
const SQL_NULL_DATA: isize = -1;
const SQL_NTS_LEN: isize = -3;

const SQL_ATTR_PARAM_BIND_OFFSET_PTR: i32 = 17;
const SQL_ATTR_PARAM_BIND_TYPE: i32 = 18;
const SQL_ATTR_PARAM_OPERATION_PTR: i32 = 19;
const SQL_PARAM_IGNORE: u16 = 1;
const SQL_ATTR_PARAM_STATUS_PTR: i32 = 20;
const SQL_ATTR_PARAMS_PROCESSED_PTR: i32 = 21;
const SQL_ATTR_PARAMSET_SIZE: i32 = 22;

/// The C type SQL_C_DEFAULT stands for, given the parameter's SQL type.
fn default_c_type(sql_type: i16) -> i16 {
    match sql_type {
        1 | 12 | -1 | 2 | 3 => SQL_C_CHAR, // char, varchar, longvarchar, numeric, decimal
        -8 | -9 | -10 | -152 => SQL_C_WCHAR, // wchar, wvarchar, wlongvarchar, xml
        -2 | -3 | -4 | -151 => SQL_C_BINARY,
        4 => -16,   // SQL_C_SLONG
        5 => -15,   // SQL_C_SSHORT
        -5 => -25,  // SQL_C_SBIGINT
        -6 => -28,  // SQL_C_UTINYINT
        -7 => -7,   // SQL_C_BIT
        7 => 7,     // SQL_C_FLOAT
        6 | 8 => 8, // SQL_C_DOUBLE
        9 | 91 => 91,
        10 | 92 => 92,
        11 | 93 => 93,
        -11 => -11,     // SQL_C_GUID
        -154 => 0x4000, // SQL_C_SS_TIME2
        -155 => 0x4001, // SQL_C_SS_TIMESTAMPOFFSET
        _ => SQL_C_CHAR,
    }
}

/// Bytes of a fixed-size C type; None for variable-length ones.
pub(super) fn c_type_size(c_type: i16) -> Option<usize> {
    crate::convert::to_c::c_type_size(c_type)
}

fn fixed_size(c_type: i16) -> Option<usize> {
    c_type_size(c_type)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLBindParameter(
    handle: Handle,
    number: u16,
    io_type: i16,
    c_type: i16,
    sql_type: i16,
    column_size: u64,
    decimal_digits: i16,
    value: *mut c_void,
    buffer_len: isize,
    ind: *mut isize,
) -> SqlReturn {
    on_stmt(handle, |s, _| {
        // msodbcsql answers the streamed output types (8, 16) with HY105 too.
        if ![SQL_PARAM_INPUT, SQL_PARAM_INPUT_OUTPUT, SQL_PARAM_OUTPUT].contains(&io_type) {
            return Err(Error::new("HY105", "Invalid parameter type"));
        }
        if buffer_len < 0 {
            return Err(Error::invalid_length());
        }
        // Only an output parameter may go without both: its value is then discarded.
        if value.is_null() && ind.is_null() && io_type != SQL_PARAM_OUTPUT {
            return Err(Error::null_pointer());
        }
        let c_type = if c_type == SQL_C_DEFAULT {
            default_c_type(sql_type)
        } else {
            c_type
        };
        s.bind_param(
            number,
            ParamBinding {
                io_type,
                c_type,
                sql_type,
                column_size,
                decimal_digits,
                value_addr: value as usize,
                buffer_len,
                ind_addr: ind as usize,
            },
        )
        .map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLNumParams(handle: Handle, count: *mut i16) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let n = s.num_params()?;
        unsafe { put(count, n) };
        Ok(Status::Success)
    })
}

fn stmt_int_attr(s: &Stmt, attr: i32) -> i64 {
    match s.get_attr(attr) {
        Ok(AttrValue::Int(v)) => v,
        _ => 0,
    }
}

/// Length of a NUL-terminated string of `unit`-byte characters at `addr`.
///
/// # Safety
/// `addr` points at a terminated string, as SQL_NTS promises.
unsafe fn terminated_len(addr: usize, unit: usize) -> usize {
    let mut n = 0;
    unsafe {
        if unit == 1 {
            while *((addr + n) as *const u8) != 0 {
                n += 1;
            }
        } else {
            while ((addr + n) as *const u16).read_unaligned() != 0 {
                n += 2;
            }
        }
    }
    n
}

/// Which sets of the array SQL_ATTR_PARAM_OPERATION_PTR marks SQL_PARAM_IGNORE (empty when
/// the application set no operation array).
///
/// # Safety
/// The attribute is null or the application's array of SQL_ATTR_PARAMSET_SIZE entries.
unsafe fn ignored_sets(s: &Stmt) -> Vec<bool> {
    let ops = stmt_int_attr(s, SQL_ATTR_PARAM_OPERATION_PTR) as usize;
    if ops == 0 {
        return Vec::new();
    }
    let set_size = stmt_int_attr(s, SQL_ATTR_PARAMSET_SIZE).max(1) as usize;
    (0..set_size)
        .map(|i| unsafe { (ops as *const u16).add(i).read_unaligned() } == SQL_PARAM_IGNORE)
        .collect()
}

/// Reads every bound parameter of every row of the parameter set (an ignored row is left
/// unread and empty: its buffers need not hold a value).
///
/// # Safety
/// The bindings' addresses are the application's live deferred buffers (the ODBC contract).
unsafe fn resolve_rows<'a>(
    s: &Stmt,
    markers: usize,
    ignored: &[bool],
) -> Result<Vec<Vec<ParamInput<'a>>>> {
    if markers == 0 {
        return Ok(Vec::new());
    }
    let bindings = s.param_bindings();
    if bindings.len() < markers || bindings[..markers].iter().any(Option::is_none) {
        return Err(Error::new("07002", "COUNT field incorrect"));
    }
    let bindings: Vec<ParamBinding> = bindings[..markers].iter().flatten().copied().collect();
    let set_size = stmt_int_attr(s, SQL_ATTR_PARAMSET_SIZE).max(1) as usize;
    let bind_type = stmt_int_attr(s, SQL_ATTR_PARAM_BIND_TYPE).max(0) as usize;
    let (offset, bind_type) = (bind_offset(s), bind_type);
    let mut rows = Vec::with_capacity(set_size);
    for r in 0..set_size {
        let mut row = Vec::with_capacity(bindings.len());
        if ignored.get(r).copied().unwrap_or(false) {
            rows.push(row);
            continue;
        }
        for b in &bindings {
            let (value_addr, ind_addr) = element_addrs(b, r, offset, bind_type);
            if b.io_type == SQL_PARAM_OUTPUT {
                // Nothing to read: the server gets a NULL of the declared type.
                row.push(ParamInput::Value(Param {
                    c_type: b.c_type,
                    sql_type: b.sql_type,
                    column_size: b.column_size,
                    decimal_digits: b.decimal_digits,
                    data: None,
                    encoding: char_encoding(),
                }));
                continue;
            }
            let ind = if ind_addr == 0 {
                SQL_NTS_LEN
            } else {
                unsafe { (ind_addr as *const isize).read_unaligned() }
            };
            if ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET {
                row.push(ParamInput::AtExec {
                    token: b.value_addr,
                    binding: *b,
                });
                continue;
            }
            let data = if ind == SQL_NULL_DATA {
                None
            } else {
                if value_addr == 0 {
                    return Err(Error::null_pointer());
                }
                let len = match fixed_size(b.c_type) {
                    Some(n) => n,
                    None if ind == SQL_NTS_LEN => match b.c_type {
                        SQL_C_WCHAR => unsafe { terminated_len(value_addr, 2) },
                        SQL_C_CHAR => unsafe { terminated_len(value_addr, 1) },
                        _ => b.buffer_len.max(0) as usize,
                    },
                    None if ind < 0 => return Err(Error::invalid_length()),
                    None => ind as usize,
                };
                Some(unsafe { std::slice::from_raw_parts(value_addr as *const u8, len) })
            };
            row.push(ParamInput::Value(Param {
                c_type: b.c_type,
                sql_type: b.sql_type,
                column_size: b.column_size,
                decimal_digits: b.decimal_digits,
                data,
                encoding: char_encoding(),
            }));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// SQLExecute / SQLExecDirect with parameters: reads the buffers, executes each row, writes the
/// processed count and the row statuses.
pub(super) fn execute_with_params(
    s: &Stmt,
    diag: &mut DiagArea,
    direct_sql: Option<&str>,
) -> Result<Status> {
    let sql = match direct_sql {
        Some(sql) => sql.to_string(),
        None => s.prepared_sql().ok_or_else(Error::sequence)?,
    };
    let markers = s.param_count_for(&sql);
    let ignored = if markers == 0 {
        Vec::new()
    } else {
        unsafe { ignored_sets(s) }
    };
    let rows = unsafe { resolve_rows(s, markers, &ignored)? };
    let set_rows = rows.len();
    let (result, report) = if s.routes_as_call(&sql) {
        let (result, statuses) = s.execute_call(diag, direct_sql, rows, &ignored);
        (
            with_outputs(s, diag, result),
            ParamSetReport::from_statuses(statuses),
        )
    } else {
        s.execute_rows(diag, direct_sql, rows, &ignored)
    };
    let processed_ptr = stmt_int_attr(s, SQL_ATTR_PARAMS_PROCESSED_PTR) as usize;
    let status_ptr = stmt_int_attr(s, SQL_ATTR_PARAM_STATUS_PTR) as usize;
    if processed_ptr != 0 {
        unsafe { put(processed_ptr as *mut u64, report.processed as u64) };
    }
    if status_ptr != 0 && set_rows > 0 {
        for (i, status) in report.statuses.iter().enumerate().take(set_rows) {
            if let Some(status) = status {
                unsafe { put((status_ptr as *mut u16).add(i), *status) };
            }
        }
    }
    result
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLParamData(handle: Handle, token: *mut *mut c_void) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let result = s.param_data(diag);
        let (status, t) = with_outputs(s, diag, result)?;
        if status == Status::NeedData {
            unsafe { put(token, t as *mut c_void) };
        }
        Ok(status)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLPutData(handle: Handle, data: *mut c_void, len: isize) -> SqlReturn {
    on_stmt(handle, |s, _| {
        let chunk = if len == SQL_NULL_DATA {
            None
        } else if data.is_null() {
            if len == 0 {
                Some(&[][..])
            } else {
                return Err(Error::null_pointer());
            }
        } else {
            let n = if len == SQL_NTS_LEN {
                unsafe { terminated_len(data as usize, 1) }
            } else if len < 0 {
                return Err(Error::invalid_length());
            } else {
                len as usize
            };
            Some(unsafe { std::slice::from_raw_parts(data as *const u8, n) })
        };
        s.put_data(chunk).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDescribeParam(
    handle: Handle,
    number: u16,
    data_type: *mut i16,
    size: *mut u64,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    on_stmt(handle, |s, diag| {
        let (ty, col_size, dec) = s.describe_param(diag, number)?;
        unsafe {
            put(data_type, ty);
            put(size, col_size);
            put(digits, dec);
            put(nullable, 1);
        }
        Ok(Status::Success)
    })
}

/// Writes the output parameters a finished request handed back into the application's
/// buffers, after `result` (the call that finished it). A truncation posts 01004; a value the
/// buffer's C type cannot hold fails the call with the conversion's SQLSTATE.
pub(super) fn with_outputs<T>(s: &Stmt, diag: &mut DiagArea, result: Result<T>) -> Result<T> {
    let outputs = s.take_outputs();
    if outputs.is_empty() {
        return result;
    }
    let offset = bind_offset(s);
    let bind_type = stmt_int_attr(s, SQL_ATTR_PARAM_BIND_TYPE).max(0) as usize;
    let mut failure = None;
    for out in &outputs {
        if let Err(e) = unsafe { write_output(out, offset, bind_type, diag) } {
            failure.get_or_insert(e);
        }
    }
    match (result, failure) {
        (Ok(_), Some(e)) => Err(e),
        (result, _) => result,
    }
}

/// # Safety
/// The binding's addresses are the application's live deferred buffers (the ODBC contract).
unsafe fn write_output(
    out: &OutputValue,
    offset: usize,
    bind_type: usize,
    diag: &mut DiagArea,
) -> Result<()> {
    let b = &out.binding;
    let (value_addr, ind_addr) = element_addrs(b, out.row, offset, bind_type);
    let ind = ind_addr as *mut isize;
    if matches!(out.value, crate::convert::Value::Null) {
        unsafe { put(ind, SQL_NULL_DATA) };
        return Ok(());
    }
    if value_addr == 0 {
        // An output parameter bound without a buffer: the value is discarded (ODBC).
        return Ok(());
    }
    let len = fixed_size(b.c_type).unwrap_or(b.buffer_len.max(0) as usize);
    let buffer = unsafe { std::slice::from_raw_parts_mut(value_addr as *mut u8, len) };
    // SQL_C_NUMERIC takes the APD's precision and scale, which SQLBindParameter leaves at
    // their defaults (38, 0): msodbcsql returns 1234.567 as 1234 with 01S07.
    let target = crate::convert::to_c::Target {
        c_type: b.c_type,
        buffer,
        offset: 0,
        encoding: char_encoding(),
        numeric_precision: 38,
        numeric_scale: 0,
    };
    let written = crate::convert::to_c::write_value(&out.value, &out.ty, target)
        .map_err(|e| Error::new(e.sqlstate, e.message))?;
    match written.warning {
        Some(crate::convert::Warning::StringTruncated) => {
            diag.warn("01004", "String data, right truncated")
        }
        Some(crate::convert::Warning::FractionalTruncation) => {
            diag.warn("01S07", "Fractional truncation")
        }
        None => {}
    }
    unsafe { put(ind, written.indicator) };
    Ok(())
}

/// SQL_ATTR_PARAM_BIND_OFFSET_PTR's current value.
fn bind_offset(s: &Stmt) -> usize {
    let offset_ptr = stmt_int_attr(s, SQL_ATTR_PARAM_BIND_OFFSET_PTR) as usize;
    if offset_ptr == 0 {
        0
    } else {
        unsafe { (offset_ptr as *const isize).read_unaligned() as usize }
    }
}

/// The addresses of row `r`'s value and length/indicator (0 where unbound), for column-wise
/// (`bind_type` 0) or row-wise binding.
fn element_addrs(b: &ParamBinding, r: usize, offset: usize, bind_type: usize) -> (usize, usize) {
    let elem = fixed_size(b.c_type).unwrap_or(b.buffer_len.max(0) as usize);
    let (value_step, ind_step) = if bind_type == 0 {
        (elem, std::mem::size_of::<isize>())
    } else {
        (bind_type, bind_type)
    };
    let value_addr = if b.value_addr == 0 {
        0
    } else {
        b.value_addr + offset + r * value_step
    };
    let ind_addr = if b.ind_addr == 0 {
        0
    } else {
        b.ind_addr + offset + r * ind_step
    };
    (value_addr, ind_addr)
}
