//! The ODBC type codes this module speaks, as plain `i16` so they can be matched on.
//!
//! Standard codes come from `odbc-sys`; the SQL Server extensions (msodbcsql.h) are spelled
//! out here because `odbc-sys` does not know them.

use odbc_sys::{CDataType as C, SqlDataType as S};

// C types (SQL_C_*).
pub const SQL_C_CHAR: i16 = C::Char as i16;
pub const SQL_C_WCHAR: i16 = C::WChar as i16;
pub const SQL_C_BINARY: i16 = C::Binary as i16;
pub const SQL_C_BIT: i16 = C::Bit as i16;
/// ODBC 2's SQL_C_TINYINT (signed).
pub const SQL_C_TINYINT: i16 = -6;
pub const SQL_C_STINYINT: i16 = C::STinyInt as i16;
pub const SQL_C_UTINYINT: i16 = C::UTinyInt as i16;
/// ODBC 2's SQL_C_SHORT (signed).
pub const SQL_C_SHORT: i16 = 5;
pub const SQL_C_SSHORT: i16 = C::SShort as i16;
pub const SQL_C_USHORT: i16 = C::UShort as i16;
/// ODBC 2's SQL_C_LONG (signed).
pub const SQL_C_LONG: i16 = 4;
pub const SQL_C_SLONG: i16 = C::SLong as i16;
pub const SQL_C_ULONG: i16 = C::ULong as i16;
pub const SQL_C_SBIGINT: i16 = C::SBigInt as i16;
pub const SQL_C_UBIGINT: i16 = C::UBigInt as i16;
pub const SQL_C_FLOAT: i16 = C::Float as i16;
pub const SQL_C_DOUBLE: i16 = C::Double as i16;
pub const SQL_C_NUMERIC: i16 = C::Numeric as i16;
pub const SQL_C_DATE: i16 = C::Date as i16;
pub const SQL_C_TIME: i16 = C::Time as i16;
pub const SQL_C_TIMESTAMP: i16 = C::TimeStamp as i16;
pub const SQL_C_TYPE_DATE: i16 = C::TypeDate as i16;
pub const SQL_C_TYPE_TIME: i16 = C::TypeTime as i16;
pub const SQL_C_TYPE_TIMESTAMP: i16 = C::TypeTimestamp as i16;
pub const SQL_C_GUID: i16 = C::Guid as i16;
pub const SQL_C_DEFAULT: i16 = C::Default as i16;
pub const SQL_C_SS_TIME2: i16 = C::SsTime2 as i16;
pub const SQL_C_SS_TIMESTAMPOFFSET: i16 = C::SsTimestampOffset as i16;

// SQL types (SQL_*).
pub const SQL_CHAR: i16 = S::CHAR.0;
pub const SQL_VARCHAR: i16 = S::VARCHAR.0;
pub const SQL_LONGVARCHAR: i16 = S::EXT_LONG_VARCHAR.0;
pub const SQL_WCHAR: i16 = S::EXT_W_CHAR.0;
pub const SQL_WVARCHAR: i16 = S::EXT_W_VARCHAR.0;
pub const SQL_WLONGVARCHAR: i16 = S::EXT_W_LONG_VARCHAR.0;
pub const SQL_BINARY: i16 = S::EXT_BINARY.0;
pub const SQL_VARBINARY: i16 = S::EXT_VAR_BINARY.0;
pub const SQL_LONGVARBINARY: i16 = S::EXT_LONG_VAR_BINARY.0;
pub const SQL_BIT: i16 = S::EXT_BIT.0;
pub const SQL_TINYINT: i16 = S::EXT_TINY_INT.0;
pub const SQL_SMALLINT: i16 = S::SMALLINT.0;
pub const SQL_INTEGER: i16 = S::INTEGER.0;
pub const SQL_BIGINT: i16 = S::EXT_BIG_INT.0;
pub const SQL_REAL: i16 = S::REAL.0;
pub const SQL_FLOAT: i16 = S::FLOAT.0;
pub const SQL_DOUBLE: i16 = S::DOUBLE.0;
pub const SQL_NUMERIC: i16 = S::NUMERIC.0;
pub const SQL_DECIMAL: i16 = S::DECIMAL.0;
/// ODBC 2's SQL_DATE (the same code as the verbose SQL_DATETIME).
pub const SQL_DATE: i16 = 9;
/// ODBC 2's SQL_TIME.
pub const SQL_TIME: i16 = S::EXT_TIME_OR_INTERVAL.0;
/// ODBC 2's SQL_TIMESTAMP.
pub const SQL_TIMESTAMP: i16 = S::EXT_TIMESTAMP.0;
pub const SQL_TYPE_DATE: i16 = S::DATE.0;
pub const SQL_TYPE_TIME: i16 = S::TIME.0;
pub const SQL_TYPE_TIMESTAMP: i16 = S::TIMESTAMP.0;
pub const SQL_GUID: i16 = S::EXT_GUID.0;
pub const SQL_SS_VARIANT: i16 = -150;
pub const SQL_SS_UDT: i16 = -151;
pub const SQL_SS_XML: i16 = -152;
pub const SQL_SS_TABLE: i16 = -153;
pub const SQL_SS_TIME2: i16 = -154;
pub const SQL_SS_TIMESTAMPOFFSET: i16 = -155;

/// StrLen_or_Ind when the total length is unknown.
pub const SQL_NO_TOTAL: isize = odbc_sys::NO_TOTAL;

/// Sizes of the C structures (x86-64/aarch64 layouts, the ones unixODBC uses).
pub const DATE_STRUCT_SIZE: usize = 6;
pub const TIME_STRUCT_SIZE: usize = 6;
pub const TIMESTAMP_STRUCT_SIZE: usize = 16;
pub const SS_TIME2_STRUCT_SIZE: usize = 12;
pub const SS_TIMESTAMPOFFSET_STRUCT_SIZE: usize = 20;
pub const NUMERIC_STRUCT_SIZE: usize = 19;
pub const GUID_SIZE: usize = 16;
