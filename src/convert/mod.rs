//! SQL Server values <-> ODBC C types.
//!
//! This module is pure: it knows neither the TDS engine nor handles. The engine translates the
//! wire's values into [`Value`] and [`ServerType`]; the statement hands them here with the
//! application's C type and buffer. Contract (the rest of the driver relies on it):
//!
//! - [`ServerType`] describes a column or parameter exactly as SQL Server declares it and
//!   answers the ODBC descriptor questions (`SQLDescribeCol`, `SQLColAttribute`).
//! - [`to_c::write_value`] converts one value into an application buffer, following the ODBC
//!   conversion tables ("Converting Data from SQL to C Data Types"), with chunking for
//!   `SQLGetData` on character and binary targets.
//! - [`from_c::read_param`] turns an application's bound parameter into a [`Value`] for the
//!   SQL type the application named.
//!
//! The behaviour follows msodbcsql 18.6 as measured against the testserver (same server,
//! both drivers, through unixODBC); the unit tests in `tests.rs` hold those measurements.
//! Where this module knowingly differs:
//! - SQL_C_CHAR/SQL_C_WCHAR chunks report the exact remaining length where msodbcsql says
//!   SQL_NO_TOTAL after a code page conversion.
//! - A float that does not fit a short character buffer in exponent form is 22003; msodbcsql
//!   re-prints it with fewer digits (`1.0E+300`).
//! - datetimeoffset into types without an offset (and text with an offset) is converted to
//!   UTC; msodbcsql converts to the client's local time zone (UTC on the machines measured).
//! - Parameters: the long types are declared `(n)varchar(max)`/`varbinary(max)` (msodbcsql
//!   says `text`/`ntext`/`image` unless `LongAsMax=yes`); ColumnSize above 8000/4000 is
//!   `(max)` (msodbcsql: HY104); SQL_C_NUMERIC uses the structure's own scale (msodbcsql uses
//!   the APD's, 0 unless set).

mod charset;
pub mod codes;
mod datetime;
mod format;
pub mod from_c;
pub mod long_value;
mod numeric;
pub mod to_c;
pub mod types;
pub mod value;

pub use types::ServerType;
pub use value::{Date, DateTimeOffset, Decimal, Time, Timestamp, Value};

/// A conversion failure: the SQLSTATE msodbcsql reports and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    /// Five-character SQLSTATE, e.g. "22003", "22018", "22007", "07006", "HY003".
    pub sqlstate: &'static str,
    pub message: String,
}

/// A conversion that succeeded, possibly with a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning {
    /// 01004: string data, right truncated (character or binary target too small).
    StringTruncated,
    /// 01S07: fractional truncation (e.g. a float into SQL_C_LONG, or datetime2(7) into a
    /// timestamp whose fraction was cut).
    FractionalTruncation,
}

/// How character data crosses the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharEncoding {
    /// SQL_C_CHAR in UTF-8 (the client's locale is UTF-8).
    Utf8,
    /// SQL_C_CHAR in Latin-1/Windows-1252 (a non-UTF-8 "C"/POSIX locale).
    Latin1,
}

#[cfg(test)]
mod tests;
