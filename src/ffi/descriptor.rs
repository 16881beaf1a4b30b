//! Descriptor entry points: the statement's implicit ARD/APD/IRD/IPD.

use std::ffi::c_void;

use super::text::{self, Unit};
use super::*;
use crate::diag::Error;
use crate::handle::desc;
use crate::handle::{AttrValue, Status};

/// The statement owning a descriptor handle.
fn owner<'a>(handle: Handle) -> Option<(&'a Desc, &'a Stmt)> {
    let d: &Desc = unsafe { super::desc(handle)? };
    let stmt_handle = d.owner.load(std::sync::atomic::Ordering::Acquire) as Handle;
    let s = unsafe { stmt(stmt_handle)? };
    Some((d, s))
}

/// Runs a call on a descriptor, reporting in its statement's diagnostics area.
fn on_desc(
    handle: Handle,
    call: impl FnOnce(&Desc, &Stmt, &mut DiagArea) -> Result<Status>,
) -> SqlReturn {
    match owner(handle) {
        Some((d, s)) => run(&s.diag, |diag| call(d, s, diag)),
        None => SQL_INVALID_HANDLE,
    }
}

pub(super) fn diag_area<'a>(handle: Handle) -> Option<&'a std::sync::Mutex<DiagArea>> {
    owner(handle).map(|(_, s)| &s.diag)
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
        match desc::get_field(s, d.kind, rec, field)? {
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
                    1001 | 1002 | 2 | 1005 | 1006 | 1008 | 1012 | 33 | 1099 | 8 | 9 | 12 | 13
                    | 10 => unsafe { put(value as *mut i16, v as i16) },
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
        desc::set_field(s, diag, d.kind, rec, field, value as isize as i64).map(|_| Status::Success)
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
        let count = match desc::get_field(s, d.kind, 0, 1001)? {
            AttrValue::Int(n) => n,
            _ => 0,
        };
        if i64::from(rec) > count {
            return Ok(Status::NoData);
        }
        let int = |field: i16| -> Result<i64> {
            Ok(match desc::get_field(s, d.kind, rec, field) {
                Ok(AttrValue::Int(v)) => v,
                Ok(AttrValue::Text(_)) => 0,
                Err(e) if e.sqlstate() == "HY091" => 0,
                Err(e) => return Err(e),
            })
        };
        let label = match desc::get_field(s, d.kind, rec, 1011) {
            Ok(AttrValue::Text(t)) => t,
            _ => String::new(),
        };
        let n = unsafe { text::write(&label, name, isize::from(buf), unit, diag)? };
        unsafe {
            put(name_len, n.min(i16::MAX as isize) as i16);
            put(ty, int(1002)? as i16);
            put(subtype, 0);
            put(length, int(1013)? as isize);
            put(precision, int(1005)? as i16);
            put(scale, int(1006)? as i16);
            put(nullable, int(1008)? as i16);
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
    _subtype: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data: *mut c_void,
    string_len: *mut isize,
    ind: *mut isize,
) -> SqlReturn {
    on_desc(handle, |d, s, diag| {
        desc::set_field(s, diag, d.kind, rec, 1002, i64::from(ty))?;
        if d.kind == desc::KIND_ARD || d.kind == desc::KIND_APD {
            desc::set_field(s, diag, d.kind, rec, 1013, length as i64)?;
            desc::set_field(s, diag, d.kind, rec, 1010, data as i64)?;
            let ind_addr = if ind.is_null() { string_len } else { ind };
            desc::set_field(s, diag, d.kind, rec, 1009, ind_addr as i64)?;
        } else {
            desc::set_field(
                s,
                diag,
                d.kind,
                rec,
                1005,
                i64::from(precision).max(length as i64),
            )?;
            desc::set_field(s, diag, d.kind, rec, 1006, i64::from(scale))?;
        }
        Ok(Status::Success)
    })
}

/// Copies between the implicit descriptors of statements (explicitly allocated descriptors
/// are not supported: SQLAllocHandle(SQL_HANDLE_DESC) fails).
#[unsafe(no_mangle)]
pub extern "C" fn SQLCopyDesc(source: Handle, target: Handle) -> SqlReturn {
    let Some((source_desc, source_stmt)) = owner(source) else {
        return SQL_INVALID_HANDLE;
    };
    on_desc(target, |target_desc, target_stmt, diag| {
        desc::copy(
            source_stmt,
            source_desc.kind,
            target_stmt,
            target_desc.kind,
            diag,
        )?;
        Ok(Status::Success)
    })
}
