//! Text across the boundary: SQLCHAR in the process's character encoding, SQLWCHAR as UTF-16.

use crate::convert::CharEncoding;
use crate::diag::{DiagArea, Error, Result};
use crate::handle::char_encoding;

use super::SQL_NTS;

/// Reads an input string (ANSI). `len` is a byte count or SQL_NTS.
///
/// # Safety
/// `ptr` is null or valid for `len` bytes (or up to a NUL when `len` is SQL_NTS).
pub unsafe fn read_a(ptr: *const u8, len: i32) -> Result<Option<String>> {
    if ptr.is_null() {
        return Ok(None);
    }
    let bytes: &[u8] = if len == SQL_NTS {
        unsafe { std::ffi::CStr::from_ptr(ptr as *const libc::c_char).to_bytes() }
    } else if len < 0 {
        return Err(Error::invalid_length());
    } else {
        unsafe { std::slice::from_raw_parts(ptr, len as usize) }
    };
    Ok(Some(decode_a(bytes)))
}

pub fn decode_a(bytes: &[u8]) -> String {
    match char_encoding() {
        CharEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        CharEncoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

pub fn encode_a(text: &str) -> Vec<u8> {
    match char_encoding() {
        CharEncoding::Utf8 => text.as_bytes().to_vec(),
        CharEncoding::Latin1 => text
            .chars()
            .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
            .collect(),
    }
}

/// Reads an input string (W). `len` is a character count or SQL_NTS.
///
/// # Safety
/// `ptr` is null or valid for `len` u16 units (or up to a 0 unit when `len` is SQL_NTS).
pub unsafe fn read_w(ptr: *const u16, len: i32) -> Result<Option<String>> {
    if ptr.is_null() {
        return Ok(None);
    }
    let units: &[u16] = if len == SQL_NTS {
        let mut n = 0usize;
        while unsafe { ptr.add(n).read_unaligned() } != 0 {
            n += 1;
        }
        unsafe { std::slice::from_raw_parts(ptr, n) }
    } else if len < 0 {
        return Err(Error::invalid_length());
    } else {
        unsafe { std::slice::from_raw_parts(ptr, len as usize) }
    };
    Ok(Some(String::from_utf16_lossy(units)))
}

/// How an output buffer counts: ANSI bytes, W characters, or W with a byte-count length.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Ansi,
    WideChars,
    WideBytes,
}

/// Writes `text` into an output buffer of `buf_len` (in the unit's measure), NUL-terminated and
/// truncated if needed (01004 posted). Returns the full length in the unit's measure.
///
/// # Safety
/// `out` is null or valid for `buf_len` units.
pub unsafe fn write(
    text: &str,
    out: *mut std::ffi::c_void,
    buf_len: isize,
    unit: Unit,
    diag: &mut DiagArea,
) -> Result<isize> {
    if buf_len < 0 {
        return Err(Error::invalid_length());
    }
    match unit {
        Unit::Ansi => {
            let bytes = encode_a(text);
            if !out.is_null() && buf_len > 0 {
                let room = buf_len as usize - 1;
                let mut n = bytes.len().min(room);
                // Never split a UTF-8 sequence.
                if char_encoding() == CharEncoding::Utf8 {
                    while n > 0 && n < bytes.len() && (bytes[n] & 0xC0) == 0x80 {
                        n -= 1;
                    }
                }
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), out as *mut u8, n);
                    (out as *mut u8).add(n).write(0);
                }
                if n < bytes.len() {
                    diag.warn("01004", "String data, right truncated");
                }
            } else if !bytes.is_empty() && !out.is_null() {
                diag.warn("01004", "String data, right truncated");
            }
            Ok(bytes.len() as isize)
        }
        Unit::WideChars | Unit::WideBytes => {
            let units: Vec<u16> = text.encode_utf16().collect();
            let cap_units = match unit {
                Unit::WideBytes => buf_len as usize / 2,
                _ => buf_len as usize,
            };
            if !out.is_null() && cap_units > 0 {
                let mut n = units.len().min(cap_units - 1);
                // Never split a surrogate pair.
                if n > 0 && n < units.len() && (0xD800..0xDC00).contains(&units[n - 1]) {
                    n -= 1;
                }
                let dst = out as *mut u16;
                for (i, u) in units[..n].iter().enumerate() {
                    unsafe { dst.add(i).write_unaligned(*u) };
                }
                unsafe { dst.add(n).write_unaligned(0) };
                if n < units.len() {
                    diag.warn("01004", "String data, right truncated");
                }
            } else if !units.is_empty() && !out.is_null() {
                diag.warn("01004", "String data, right truncated");
            }
            Ok(match unit {
                Unit::WideBytes => units.len() as isize * 2,
                _ => units.len() as isize,
            })
        }
    }
}
