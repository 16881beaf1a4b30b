//! Descriptor entry points: implicit descriptors (a statement's ARD/APD/IRD/IPD) and those the
//! application allocates on a connection. Each descriptor keeps its own diagnostics.

use std::ffi::c_void;

use super::text::{self, Unit};
use super::*;
use crate::diag::Error;
use crate::handle::desc;
use crate::handle::{AttrValue, Status};

/// A descriptor handle and, for an implicit descriptor, the statement that owns it (None when
/// the handle, or its statement, is not a live one).
fn resolve<'a>(handle: Handle) -> Option<(&'a Desc, Option<&'a Stmt>)> {
    let d: &Desc = unsafe { super::desc(handle)? };
    if d.is_explicit() {
        return Some((d, None));
    }
    let stmt_handle = d.owner.load(std::sync::atomic::Ordering::Acquire) as Handle;
    let s = unsafe { stmt(stmt_handle)? };
    Some((d, Some(s)))
}

/// Runs a call on a descriptor, reporting in its diagnostics area.
fn on_desc(
    handle: Handle,
    call: impl FnOnce(&Desc, Option<&Stmt>, &mut DiagArea) -> Result<Status>,
) -> SqlReturn {
    match resolve(handle) {
        Some((d, s)) => run(&d.diag, |diag| call(d, s, diag)),
        None => SQL_INVALID_HANDLE,
    }
}

pub(super) fn diag_area<'a>(handle: Handle) -> Option<&'a std::sync::Mutex<DiagArea>> {
    resolve(handle).map(|(d, _)| &d.diag)
}

/// Writes a fetched column's length/indicator: SQL_NULL_DATA goes to the indicator; a length to
/// the octet-length buffer, with 0 in the indicator when that is a separate buffer (what
/// msodbcsql does with SQLSetDescField-bound records).
///
/// # Safety
/// Non-zero addresses are the application's bound SQLLEN buffers for this row.
pub(super) unsafe fn put_length_indicator(value: isize, ind_addr: usize, len_addr: usize) {
    let write = |addr: usize, v: isize| {
        if addr != 0 {
            unsafe { put(addr as *mut isize, v) };
        }
    };
    if value == crate::handle::stmt::SQL_NULL_DATA {
        write(ind_addr, value);
        return;
    }
    write(len_addr, value);
    if ind_addr != len_addr {
        write(ind_addr, 0);
    }
}

/// Fields that hold text (SQL_DESC_NAME, TYPE_NAME, ...): everything else is numeric.
fn is_text_field(field: i16) -> bool {
    matches!(
        field,
        14 | 15 | 16 | 17 | 18 | 22 | 23 | 27 | 28 | 29 | 1011
    )
}

fn get_desc_field(
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
    unit: Unit,
) -> SqlReturn {
    on_desc(handle, |d, s, diag| {
        let Some(found) = desc::get_field(d, s, rec, field)? else {
            return Ok(Status::NoData);
        };
        match found {
            AttrValue::Text(t) => {
                let n = unsafe { text::write(&t, value, buf as isize, unit, diag)? };
                unsafe { put(len, n as i32) };
            }
            AttrValue::Int(v) => {
                // Pointer-sized for pointers and SQLLEN/SQLULEN fields, else the natural width.
                match field {
                    20 | 21 | 24 | 34 | 1004 | 1009 | 1010 | 1003 | 1013 | 6 => unsafe {
                        put(value as *mut i64, v)
                    },
                    1001 | 1002 | 2 | 1005 | 1006 | 1007 | 1008 | 1012 | 33 | 1099 | 8 | 9 | 12
                    | 13 | 10 => unsafe { put(value as *mut i16, v as i16) },
                    _ => unsafe { put(value as *mut i32, v as i32) },
                }
            }
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDescField(
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_desc_field(handle, rec, field, value, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetDescFieldW(
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_desc_field(handle, rec, field, value, buf, len, Unit::WideBytes)
}

fn set_desc_field(handle: Handle, rec: i16, field: i16, value: *mut c_void) -> SqlReturn {
    on_desc(handle, |d, s, diag| {
        if is_text_field(field) {
            return Err(Error::new("HY091", "Descriptor field cannot be set"));
        }
        desc::set_field(d, s, diag, rec, field, value as isize as i64).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetDescField(
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    set_desc_field(handle, rec, field, value)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetDescFieldW(
    handle: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    set_desc_field(handle, rec, field, value)
}

#[allow(clippy::too_many_arguments)]
fn get_desc_rec(
    handle: Handle,
    rec: i16,
    name: *mut c_void,
    buf: i16,
    name_len: *mut i16,
    ty: *mut i16,
    subtype: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
    unit: Unit,
) -> SqlReturn {
    on_desc(handle, |d, s, diag| {
        let count = match desc::get_field(d, s, 0, desc::SQL_DESC_COUNT)? {
            Some(AttrValue::Int(n)) => n,
            _ => 0,
        };
        if i64::from(rec) > count {
            return Ok(Status::NoData);
        }
        // Fields this kind of descriptor does not have read as 0.
        let int = |field: i16| -> Result<i64> {
            Ok(match desc::get_field(d, s, rec, field) {
                Ok(Some(AttrValue::Int(v))) => v,
                Ok(_) => 0,
                Err(e) if e.sqlstate() == "HY091" => 0,
                Err(e) => return Err(e),
            })
        };
        let label = match desc::get_field(d, s, rec, desc::SQL_DESC_NAME) {
            Ok(Some(AttrValue::Text(t))) => t,
            _ => String::new(),
        };
        let n = unsafe { text::write(&label, name, isize::from(buf), unit, diag)? };
        unsafe {
            put(name_len, n.min(i16::MAX as isize) as i16);
            put(ty, int(desc::SQL_DESC_TYPE)? as i16);
            put(subtype, int(desc::SQL_DESC_DATETIME_INTERVAL_CODE)? as i16);
            put(length, int(desc::SQL_DESC_OCTET_LENGTH)? as isize);
            put(precision, int(desc::SQL_DESC_PRECISION)? as i16);
            put(scale, int(desc::SQL_DESC_SCALE)? as i16);
            put(nullable, int(desc::SQL_DESC_NULLABLE)? as i16);
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLGetDescRec(
    handle: Handle,
    rec: i16,
    name: *mut u8,
    buf: i16,
    name_len: *mut i16,
    ty: *mut i16,
    subtype: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    get_desc_rec(
        handle,
        rec,
        name as *mut c_void,
        buf,
        name_len,
        ty,
        subtype,
        length,
        precision,
        scale,
        nullable,
        Unit::Ansi,
    )
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLGetDescRecW(
    handle: Handle,
    rec: i16,
    name: *mut u16,
    buf: i16,
    name_len: *mut i16,
    ty: *mut i16,
    subtype: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    get_desc_rec(
        handle,
        rec,
        name as *mut c_void,
        buf,
        name_len,
        ty,
        subtype,
        length,
        precision,
        scale,
        nullable,
        Unit::WideChars,
    )
}

#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn SQLSetDescRec(
    handle: Handle,
    rec: i16,
    ty: i16,
    subtype: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data: *mut c_void,
    string_len: *mut isize,
    ind: *mut isize,
) -> SqlReturn {
    on_desc(handle, |d, _, _| {
        desc::set_rec(
            d,
            rec,
            ty,
            subtype,
            length,
            precision,
            scale,
            data as usize,
            string_len as usize,
            ind as usize,
        )
        .map(|_| Status::Success)
    })
}

/// Copies any descriptor into any other but an IRD; errors are posted on the target.
#[unsafe(no_mangle)]
pub extern "C" fn SQLCopyDesc(source: Handle, target: Handle) -> SqlReturn {
    let Some((source_desc, source_stmt)) = resolve(source) else {
        return SQL_INVALID_HANDLE;
    };
    on_desc(target, |target_desc, target_stmt, diag| {
        desc::copy(source_desc, source_stmt, target_desc, target_stmt, diag)?;
        Ok(Status::Success)
    })
}
