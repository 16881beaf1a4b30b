//! Environment, connection, statement and descriptor objects.
//!
//! Each object is handed to the Driver Manager as a pointer from `Arc::into_raw`; its first field
//! is a tag the ffi layer checks before trusting the pointer. Every object keeps its own
//! diagnostics area; state that another thread may touch concurrently (SQLCancel) lives outside
//! the main lock.

pub mod columns;
pub mod dbc;
pub mod desc;
pub mod env;
pub mod params;
pub mod stmt;

pub use dbc::Dbc;
pub use env::Env;
pub use stmt::Stmt;

/// The tags at the start of every handle object.
pub const TAG_ENV: u32 = 0x5345_4e56; // "SENV"
pub const TAG_DBC: u32 = 0x5344_4243; // "SDBC"
pub const TAG_STMT: u32 = 0x5353_544d; // "SSTM"
pub const TAG_FREED: u32 = 0xdead_beef;

/// What a successful call returns besides SQL_SUCCESS(_WITH_INFO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    NoData,
    NeedData,
}

/// A value of an attribute or an info type, before the ffi layer writes it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrValue {
    Int(i64),
    Text(String),
}

/// The SQL_C_CHAR encoding of this process: UTF-8 under a UTF-8 locale, else Latin-1.
pub fn char_encoding() -> crate::convert::CharEncoding {
    use std::sync::OnceLock;
    static ENCODING: OnceLock<crate::convert::CharEncoding> = OnceLock::new();
    *ENCODING.get_or_init(|| {
        let codeset = unsafe {
            // SAFETY: nl_langinfo returns a pointer to a static NUL-terminated string.
            let p = libc::nl_langinfo(libc::CODESET);
            if p.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        let env_utf8 = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        let utf8 = codeset.eq_ignore_ascii_case("UTF-8")
            || env_utf8
                .map(|v| v.to_ascii_uppercase().replace('-', "").contains("UTF8"))
                .unwrap_or(true);
        if utf8 {
            crate::convert::CharEncoding::Utf8
        } else {
            crate::convert::CharEncoding::Latin1
        }
    })
}
