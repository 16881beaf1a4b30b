//! Every extern "C" SQL* entry point, ANSI and W. Nothing else lives here: check handles and
//! pointers, convert text, catch panics, record diagnostics, call inward.

mod catalog;
mod connection;
pub mod constants;
mod descriptor;
mod diagnostics;
mod params;
mod statement;
mod text;

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, MutexGuard};

use crate::diag::{DiagArea, DiagRecord, Result};
use crate::handle::stmt::{Desc, TAG_DESC};
use crate::handle::{Dbc, Env, Status, Stmt, TAG_DBC, TAG_ENV, TAG_STMT};

pub type SqlReturn = i16;
pub const SQL_SUCCESS: SqlReturn = 0;
pub const SQL_SUCCESS_WITH_INFO: SqlReturn = 1;
pub const SQL_ERROR: SqlReturn = -1;
pub const SQL_INVALID_HANDLE: SqlReturn = -2;
pub const SQL_NO_DATA: SqlReturn = 100;
pub const SQL_NEED_DATA: SqlReturn = 99;
pub const SQL_NTS: i32 = -3;

pub const SQL_HANDLE_ENV: i16 = 1;
pub const SQL_HANDLE_DBC: i16 = 2;
pub const SQL_HANDLE_STMT: i16 = 3;
pub const SQL_HANDLE_DESC: i16 = 4;

/// A handle pointer as the Driver Manager passes it.
pub type Handle = *mut c_void;

/// Checks that `handle` points at a live object with `tag` as its first field.
///
/// # Safety
/// `handle` is null or was returned by SQLAllocHandle (the Driver Manager guarantees this; the
/// tag catches use after free and mixed-up handle types).
unsafe fn tagged<'a, T>(handle: Handle, tag: u32) -> Option<&'a T> {
    if handle.is_null() || !(handle as usize).is_multiple_of(std::mem::align_of::<u64>()) {
        return None;
    }
    // SAFETY: every handle object is #[repr(C)] with its AtomicU32 tag first.
    let found = unsafe { &*(handle as *const std::sync::atomic::AtomicU32) }
        .load(std::sync::atomic::Ordering::Acquire);
    if found != tag {
        return None;
    }
    Some(unsafe { &*(handle as *const T) })
}

pub(crate) unsafe fn env<'a>(h: Handle) -> Option<&'a Env> {
    unsafe { tagged(h, TAG_ENV) }
}
pub(crate) unsafe fn dbc<'a>(h: Handle) -> Option<&'a Dbc> {
    unsafe { tagged(h, TAG_DBC) }
}
pub(crate) unsafe fn stmt<'a>(h: Handle) -> Option<&'a Stmt> {
    unsafe { tagged(h, TAG_STMT) }
}
pub(crate) unsafe fn desc<'a>(h: Handle) -> Option<&'a Desc> {
    unsafe { tagged(h, TAG_DESC) }
}

fn lock_diag(m: &std::sync::Mutex<DiagArea>) -> MutexGuard<'_, DiagArea> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs one call against a handle's diagnostics area: clears it, catches panics, turns the
/// outcome into a return code and records.
fn run(
    area: &std::sync::Mutex<DiagArea>,
    call: impl FnOnce(&mut DiagArea) -> Result<Status>,
) -> SqlReturn {
    let mut diag = lock_diag(area);
    diag.clear();
    let outcome = catch_unwind(AssertUnwindSafe(|| call(&mut diag)));
    let rc = match outcome {
        Ok(Ok(Status::Success)) => {
            if diag.has_records() {
                SQL_SUCCESS_WITH_INFO
            } else {
                SQL_SUCCESS
            }
        }
        Ok(Ok(Status::NoData)) => SQL_NO_DATA,
        Ok(Ok(Status::NeedData)) => SQL_NEED_DATA,
        Ok(Err(e)) => {
            diag.extend(e.records);
            SQL_ERROR
        }
        Err(panic) => {
            diag.push(DiagRecord::driver(
                "HY000",
                0,
                format!("Internal driver error: {}", panic_text(panic)),
            ));
            SQL_ERROR
        }
    };
    diag.return_code = rc;
    rc
}

/// Runs a call on a statement handle.
fn on_stmt(handle: Handle, call: impl FnOnce(&Stmt, &mut DiagArea) -> Result<Status>) -> SqlReturn {
    match unsafe { stmt(handle) } {
        Some(s) => run(&s.diag, |d| call(s, d)),
        None => SQL_INVALID_HANDLE,
    }
}

fn on_dbc(handle: Handle, call: impl FnOnce(&Dbc, &mut DiagArea) -> Result<Status>) -> SqlReturn {
    match unsafe { dbc(handle) } {
        Some(c) => run(&c.diag, |d| call(c, d)),
        None => SQL_INVALID_HANDLE,
    }
}

fn on_env(handle: Handle, call: impl FnOnce(&Env, &mut DiagArea) -> Result<Status>) -> SqlReturn {
    match unsafe { env(handle) } {
        Some(e) => run(&e.diag, |d| call(e, d)),
        None => SQL_INVALID_HANDLE,
    }
}

/// Catches a panic in an entry point that has no diagnostics area to report it in.
fn guard(call: impl FnOnce() -> SqlReturn) -> SqlReturn {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or(SQL_ERROR)
}

/// Writes a value through an optional output pointer.
///
/// # Safety
/// `ptr` is null or valid for writing a `T` (possibly unaligned).
unsafe fn put<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        unsafe { ptr.write_unaligned(value) };
    }
}

/// The application's buffer as a slice (empty when null or non-positive length).
///
/// # Safety
/// `ptr` is null or valid for `len` bytes.
unsafe fn out_bytes<'a>(ptr: *mut c_void, len: isize) -> &'a mut [u8] {
    if ptr.is_null() || len <= 0 {
        &mut []
    } else {
        unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, len as usize) }
    }
}

/// Keeps an Arc-allocated object alive as a raw handle.
fn into_handle<T>(object: Arc<T>) -> Handle {
    Arc::into_raw(object) as Handle
}

/// Releases a raw handle made by [`into_handle`], marking it freed first.
///
/// # Safety
/// `h` came from `into_handle::<T>` and is not used afterwards.
unsafe fn release<T>(h: Handle) {
    unsafe {
        (*(h as *const std::sync::atomic::AtomicU32)).store(
            crate::handle::TAG_FREED,
            std::sync::atomic::Ordering::Release,
        );
        drop(Arc::from_raw(h as *const T));
    }
}
