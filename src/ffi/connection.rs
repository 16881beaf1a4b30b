//! Handles, attributes, connecting, SQLGetInfo, SQLGetFunctions, transactions.

use std::ffi::c_void;
use std::sync::Arc;

use super::text::{self, Unit};
use super::*;
use crate::diag::Error;
use crate::handle::dbc::{SQL_COPT_SS_ACCESS_TOKEN, SetValue, is_string_attr};
use crate::handle::{AttrValue, Status};
use crate::info::functions::{FunctionsAnswer, get_functions};
use crate::info::get_info::{InfoContext, InfoValue, get_info};

// ---- allocation ----

#[unsafe(no_mangle)]
pub extern "C" fn SQLAllocHandle(
    handle_type: i16,
    input: Handle,
    output: *mut Handle,
) -> SqlReturn {
    alloc_handle(handle_type, input, output)
}

// Entry points never call each other: a call to an exported name from inside the library may
// bind to the Driver Manager's function of the same name.
fn alloc_handle(handle_type: i16, input: Handle, output: *mut Handle) -> SqlReturn {
    guard(|| {
        if output.is_null() {
            return SQL_ERROR;
        }
        match handle_type {
            SQL_HANDLE_ENV => {
                unsafe { put(output, into_handle(Arc::new(Env::new()))) };
                SQL_SUCCESS
            }
            SQL_HANDLE_DBC => on_env(input, |env, _| {
                let dbc = Arc::new(Dbc::new(env.odbc_version()));
                unsafe { put(output, into_handle(dbc)) };
                Ok(Status::Success)
            }),
            SQL_HANDLE_STMT => {
                let Some(c) = (unsafe { dbc(input) }) else {
                    return SQL_INVALID_HANDLE;
                };
                run(&c.diag, |_| {
                    if !c.is_connected() {
                        return Err(Error::connection_not_open());
                    }
                    // The statement keeps its connection alive: take a new strong count.
                    let arc = unsafe {
                        Arc::increment_strong_count(input as *const Dbc);
                        Arc::from_raw(input as *const Dbc)
                    };
                    let handle = into_handle(Arc::new(Stmt::new(arc)));
                    // The implicit descriptors know their statement by its handle.
                    if let Some(s) = unsafe { stmt(handle) } {
                        for d in s.descriptors.iter() {
                            d.owner
                                .store(handle as usize, std::sync::atomic::Ordering::Release);
                        }
                    }
                    unsafe { put(output, handle) };
                    Ok(Status::Success)
                })
            }
            SQL_HANDLE_DESC => on_dbc(input, |c, _| {
                let handle = c.alloc_desc()?;
                unsafe { put(output, handle as Handle) };
                Ok(Status::Success)
            }),
            _ => SQL_ERROR,
        }
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLFreeHandle(handle_type: i16, handle: Handle) -> SqlReturn {
    free_handle(handle_type, handle)
}

fn free_handle(handle_type: i16, handle: Handle) -> SqlReturn {
    guard(|| match handle_type {
        SQL_HANDLE_ENV => match unsafe { env(handle) } {
            Some(_) => {
                unsafe { release::<Env>(handle) };
                SQL_SUCCESS
            }
            None => SQL_INVALID_HANDLE,
        },
        SQL_HANDLE_DBC => match unsafe { dbc(handle) } {
            Some(c) => {
                if c.is_connected() {
                    return run(&c.diag, |_| Err(Error::sequence()));
                }
                unsafe { release::<Dbc>(handle) };
                SQL_SUCCESS
            }
            None => SQL_INVALID_HANDLE,
        },
        SQL_HANDLE_STMT => match unsafe { stmt(handle) } {
            Some(s) => {
                let _ = s.close_cursor(false);
                unsafe { release::<Stmt>(handle) };
                SQL_SUCCESS
            }
            None => SQL_INVALID_HANDLE,
        },
        SQL_HANDLE_DESC => free_desc(handle),
        _ => SQL_ERROR,
    })
}

/// An explicit descriptor goes back to its connection, which drops it; an implicit one cannot be
/// freed (HY017).
fn free_desc(handle: Handle) -> SqlReturn {
    let Some(d) = (unsafe { desc(handle) }) else {
        return SQL_INVALID_HANDLE;
    };
    // A live explicit descriptor is in its connection's list, so the connection is alive too.
    let owner = if d.is_explicit() {
        unsafe { dbc(d.connection as Handle) }
    } else {
        None
    };
    // Keeps the descriptor alive until this call is done with its diagnostics area.
    let _kept = owner.and_then(|c| c.explicit_desc(d.handle()));
    run(&d.diag, |_| {
        if !d.is_explicit() {
            return Err(Error::new(
                "HY017",
                "Invalid use of an automatically allocated descriptor handle",
            ));
        }
        match owner {
            Some(c) if c.free_desc(d.handle()) => Ok(Status::Success),
            _ => Err(Error::general(
                "Descriptor is not allocated on a connection",
            )),
        }
    })
}

pub const SQL_CLOSE: u16 = 0;
pub const SQL_DROP: u16 = 1;
pub const SQL_UNBIND: u16 = 2;
pub const SQL_RESET_PARAMS: u16 = 3;

#[unsafe(no_mangle)]
pub extern "C" fn SQLFreeStmt(handle: Handle, option: u16) -> SqlReturn {
    if option == SQL_DROP {
        return free_handle(SQL_HANDLE_STMT, handle);
    }
    on_stmt(handle, |s, _| match option {
        SQL_CLOSE => s.close_cursor(false).map(|_| Status::Success),
        SQL_UNBIND => {
            s.unbind_cols();
            Ok(Status::Success)
        }
        SQL_RESET_PARAMS => {
            s.reset_params();
            Ok(Status::Success)
        }
        _ => Err(Error::new("HY092", "Invalid attribute/option identifier")),
    })
}

// ---- environment ----

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetEnvAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    on_env(handle, |e, _| {
        e.set_attr(attr, value as isize as i64)
            .map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetEnvAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    _buf: i32,
    len: *mut i32,
) -> SqlReturn {
    on_env(handle, |e, _| {
        if let AttrValue::Int(v) = e.get_attr(attr)? {
            unsafe {
                put(value as *mut u32, v as u32);
                put(len, 4);
            }
        }
        Ok(Status::Success)
    })
}

// ---- connection attributes ----

/// SQL_IS_POINTER etc.: how a value's length is described.
const SQL_IS_POINTER: i32 = -4;
/// The largest access token we read through SQL_COPT_SS_ACCESS_TOKEN (tokens are a few KB).
const MAX_ACCESS_TOKEN_BYTES: u32 = 1 << 20;

fn set_connect_attr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
    wide: bool,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        let v = if attr == SQL_COPT_SS_ACCESS_TOKEN {
            if value.is_null() {
                return Err(Error::null_pointer());
            }
            // struct { DWORD dataSize; BYTE data[]; }: read the size, then exactly that many bytes.
            let size = unsafe { (value as *const u32).read_unaligned() };
            if size > MAX_ACCESS_TOKEN_BYTES {
                return Err(Error::invalid_length());
            }
            // The whole struct, size header included: `auth::access_token` judges it.
            let data = unsafe { std::slice::from_raw_parts(value as *const u8, 4 + size as usize) };
            return c
                .set_attr(diag, attr, SetValue::Bytes(data))
                .map(|_| Status::Success);
        } else if is_string_attr(attr) {
            let s = if wide {
                let chars = if len >= 0 { len / 2 } else { len };
                unsafe { text::read_w(value as *const u16, chars)? }
            } else {
                unsafe { text::read_a(value as *const u8, len)? }
            };
            SetValue::Text(s.unwrap_or_default())
        } else {
            let _ = SQL_IS_POINTER;
            SetValue::Int(value as isize as i64)
        };
        c.set_attr(diag, attr, v).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetConnectAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    set_connect_attr(handle, attr, value, len, false)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetConnectAttrW(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    len: i32,
) -> SqlReturn {
    set_connect_attr(handle, attr, value, len, true)
}

fn get_connect_attr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
    unit: Unit,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        match c.get_attr(attr)? {
            AttrValue::Int(v) => unsafe {
                put(value as *mut u32, v as u32);
                put(len, 4);
            },
            AttrValue::Text(s) => {
                let n = unsafe { text::write(&s, value, buf as isize, unit, diag)? };
                unsafe { put(len, n as i32) };
            }
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetConnectAttr(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_connect_attr(handle, attr, value, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetConnectAttrW(
    handle: Handle,
    attr: i32,
    value: *mut c_void,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    get_connect_attr(handle, attr, value, buf, len, Unit::WideBytes)
}

// ---- connecting ----

fn driver_connect(
    handle: Handle,
    input: Result<Option<String>>,
    out: *mut c_void,
    out_max: i16,
    out_len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        let conn_str = input?.ok_or_else(Error::null_pointer)?;
        let out_string = c.driver_connect(diag, &conn_str)?;
        let n = unsafe { text::write(&out_string, out, isize::from(out_max.max(0)), unit, diag)? };
        unsafe { put(out_len, n.min(i16::MAX as isize) as i16) };
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDriverConnect(
    handle: Handle,
    _hwnd: *mut c_void,
    in_str: *const u8,
    in_len: i16,
    out: *mut u8,
    out_max: i16,
    out_len: *mut i16,
    _completion: u16,
) -> SqlReturn {
    let input = unsafe { text::read_a(in_str, i32::from(in_len)) };
    driver_connect(
        handle,
        input,
        out as *mut c_void,
        out_max,
        out_len,
        Unit::Ansi,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDriverConnectW(
    handle: Handle,
    _hwnd: *mut c_void,
    in_str: *const u16,
    in_len: i16,
    out: *mut u16,
    out_max: i16,
    out_len: *mut i16,
    _completion: u16,
) -> SqlReturn {
    let input = unsafe { text::read_w(in_str, i32::from(in_len)) };
    driver_connect(
        handle,
        input,
        out as *mut c_void,
        out_max,
        out_len,
        Unit::WideChars,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLConnect(
    handle: Handle,
    dsn: *const u8,
    dsn_len: i16,
    uid: *const u8,
    uid_len: i16,
    pwd: *const u8,
    pwd_len: i16,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        let dsn = unsafe { text::read_a(dsn, i32::from(dsn_len))? }.unwrap_or_default();
        let uid = unsafe { text::read_a(uid, i32::from(uid_len))? }.unwrap_or_default();
        let pwd = unsafe { text::read_a(pwd, i32::from(pwd_len))? }.unwrap_or_default();
        c.connect(diag, &dsn, &uid, &pwd).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLConnectW(
    handle: Handle,
    dsn: *const u16,
    dsn_len: i16,
    uid: *const u16,
    uid_len: i16,
    pwd: *const u16,
    pwd_len: i16,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        let dsn = unsafe { text::read_w(dsn, i32::from(dsn_len))? }.unwrap_or_default();
        let uid = unsafe { text::read_w(uid, i32::from(uid_len))? }.unwrap_or_default();
        let pwd = unsafe { text::read_w(pwd, i32::from(pwd_len))? }.unwrap_or_default();
        c.connect(diag, &dsn, &uid, &pwd).map(|_| Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLDisconnect(handle: Handle) -> SqlReturn {
    on_dbc(handle, |c, _| c.disconnect().map(|_| Status::Success))
}

pub const SQL_COMMIT: i16 = 0;

#[unsafe(no_mangle)]
pub extern "C" fn SQLEndTran(handle_type: i16, handle: Handle, completion: i16) -> SqlReturn {
    end_tran(handle_type, handle, completion)
}

fn end_tran(handle_type: i16, handle: Handle, completion: i16) -> SqlReturn {
    match handle_type {
        SQL_HANDLE_DBC => on_dbc(handle, |c, diag| {
            c.end_tran(diag, completion == SQL_COMMIT)
                .map(|_| Status::Success)
        }),
        // The Driver Manager fans an environment-wide SQLEndTran out to each connection.
        SQL_HANDLE_ENV => on_env(handle, |_, _| Ok(Status::Success)),
        _ => SQL_ERROR,
    }
}

// ---- SQLGetInfo ----

/// SQL_USER_NAME is the database user, which msodbcsql asks the server for (`USER_NAME()`,
/// 'dbo' for a login owning the database); the login name when the connection is busy with
/// another statement's results or the query fails.
fn database_user(st: &mut crate::handle::dbc::DbcState) -> String {
    let login = st.uid.clone();
    if st.owner.is_some() {
        return login;
    }
    let Some(session) = st.session.as_mut() else {
        return login;
    };
    match session.query_all("SELECT USER_NAME()") {
        Ok((_, values)) => match values.into_iter().next() {
            Some(crate::convert::Value::Text(name)) => name,
            _ => login,
        },
        Err(_) => login,
    }
}

fn get_info_impl(
    handle: Handle,
    info_type: u16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
    unit: Unit,
) -> SqlReturn {
    on_dbc(handle, |c, diag| {
        let answer = {
            let mut st = c.lock();
            let user_name = if info_type == crate::info::get_info::ids::SQL_USER_NAME {
                database_user(&mut st)
            } else {
                st.uid.clone()
            };
            let ctx = InfoContext {
                dbms_ver: st.facts.version.clone(),
                server_name: st.facts.server_name.clone(),
                database: st
                    .session
                    .as_ref()
                    .map(|s| s.database())
                    .unwrap_or_default(),
                user_name,
                odbc_version: c.odbc_version,
                connected: st.session.is_some(),
            };
            match (info_type, get_info(info_type, &ctx)) {
                // The DSN, when the connection came from one.
                (2, Some(InfoValue::Str(_))) => Some(InfoValue::Str(st.dsn.clone())),
                (_, Some(v)) => Some(v),
                (_, None) if !ctx.connected => return Err(Error::connection_not_open()),
                (_, None) => None,
            }
        };
        match answer {
            Some(InfoValue::Str(s)) => {
                let n = unsafe { text::write(&s, value, isize::from(buf), unit, diag)? };
                unsafe { put(len, n.min(i16::MAX as isize) as i16) };
            }
            Some(InfoValue::U16(v)) => unsafe {
                put(value as *mut u16, v);
                put(len, 2);
            },
            Some(InfoValue::U32(v)) => unsafe {
                put(value as *mut u32, v);
                put(len, 4);
            },
            Some(InfoValue::Handle(v)) => unsafe {
                put(value as *mut u64, v);
                put(len, 8);
            },
            None => return Err(Error::new("HY096", "Information type out of range")),
        }
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetInfo(
    handle: Handle,
    info_type: u16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    get_info_impl(handle, info_type, value, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetInfoW(
    handle: Handle,
    info_type: u16,
    value: *mut c_void,
    buf: i16,
    len: *mut i16,
) -> SqlReturn {
    get_info_impl(handle, info_type, value, buf, len, Unit::WideBytes)
}

// ---- SQLGetFunctions ----

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetFunctions(handle: Handle, function: u16, out: *mut u16) -> SqlReturn {
    on_dbc(handle, |_, _| {
        if out.is_null() {
            return Err(Error::null_pointer());
        }
        let write_all = |words: &[u16]| {
            for (i, w) in words.iter().enumerate() {
                unsafe { out.add(i).write_unaligned(*w) };
            }
        };
        match get_functions(function) {
            FunctionsAnswer::One(yes) => unsafe { out.write_unaligned(u16::from(yes)) },
            FunctionsAnswer::Odbc3Bitmap(words) => write_all(&words[..]),
            FunctionsAnswer::Odbc2Array(words) => write_all(&words[..]),
        }
        Ok(Status::Success)
    })
}

// ---- SQLNativeSql ----

fn native_sql(
    handle: Handle,
    input: Result<Option<String>>,
    out: *mut c_void,
    buf: i32,
    len: *mut i32,
    unit: Unit,
) -> SqlReturn {
    on_dbc(handle, |_, diag| {
        let sql = input?.ok_or_else(Error::null_pointer)?;
        let sql = crate::engine::params::rewrite_call_escape(&sql).unwrap_or(sql);
        let n = unsafe { text::write(&sql, out, buf as isize, unit, diag)? };
        unsafe { put(len, n as i32) };
        Ok(Status::Success)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLNativeSql(
    handle: Handle,
    in_sql: *const u8,
    in_len: i32,
    out: *mut u8,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    let input = unsafe { text::read_a(in_sql, in_len) };
    native_sql(handle, input, out as *mut c_void, buf, len, Unit::Ansi)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLNativeSqlW(
    handle: Handle,
    in_sql: *const u16,
    in_len: i32,
    out: *mut u16,
    buf: i32,
    len: *mut i32,
) -> SqlReturn {
    let input = unsafe { text::read_w(in_sql, in_len) };
    native_sql(handle, input, out as *mut c_void, buf, len, Unit::WideChars)
}

// ---- ODBC 2 entry points ----

#[unsafe(no_mangle)]
pub extern "C" fn SQLAllocEnv(output: *mut Handle) -> SqlReturn {
    alloc_handle(SQL_HANDLE_ENV, std::ptr::null_mut(), output)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLAllocConnect(env: Handle, output: *mut Handle) -> SqlReturn {
    alloc_handle(SQL_HANDLE_DBC, env, output)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLAllocStmt(dbc: Handle, output: *mut Handle) -> SqlReturn {
    alloc_handle(SQL_HANDLE_STMT, dbc, output)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLFreeEnv(env: Handle) -> SqlReturn {
    free_handle(SQL_HANDLE_ENV, env)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLFreeConnect(dbc: Handle) -> SqlReturn {
    free_handle(SQL_HANDLE_DBC, dbc)
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLTransact(env: Handle, dbc: Handle, completion: u16) -> SqlReturn {
    if !dbc.is_null() {
        end_tran(SQL_HANDLE_DBC, dbc, completion as i16)
    } else {
        end_tran(SQL_HANDLE_ENV, env, completion as i16)
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLSetConnectOption(dbc: Handle, option: u16, value: u64) -> SqlReturn {
    set_connect_attr(
        dbc,
        i32::from(option),
        value as usize as *mut c_void,
        SQL_NTS,
        false,
    )
}

#[unsafe(no_mangle)]
pub extern "C" fn SQLGetConnectOption(dbc: Handle, option: u16, value: *mut c_void) -> SqlReturn {
    get_connect_attr(
        dbc,
        i32::from(option),
        value,
        512,
        std::ptr::null_mut(),
        Unit::Ansi,
    )
}
