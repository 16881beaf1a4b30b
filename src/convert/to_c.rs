//! SQL Server values into the application's C buffers.

use super::{CharEncoding, ConvertError, ServerType, Value, Warning};

/// Where the application wants a value.
pub struct Target<'a> {
    /// The C type asked for (SQL_C_*; SQL_C_DEFAULT resolved by the caller with
    /// [`default_c_type`]; SQL_C_SS_TIME2 0x4000 and SQL_C_SS_TIMESTAMPOFFSET 0x4001 included).
    pub c_type: i16,
    /// The application's buffer; may be empty when only the length is wanted.
    pub buffer: &'a mut [u8],
    /// For `SQLGetData` in parts: bytes of this value's C representation already returned by
    /// earlier calls on the same cell (0 on the first call, and always 0 for `SQLBindCol`).
    pub offset: usize,
    /// SQL_C_CHAR's encoding.
    pub encoding: CharEncoding,
    /// SQL_C_NUMERIC's precision and scale from the ARD (defaults 38, 0... as ODBC says).
    pub numeric_precision: u8,
    pub numeric_scale: i8,
}

/// What a conversion delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// The StrLen_or_Ind value: for variable-length targets the length in bytes of what
    /// remained from `offset` before this call (excluding the terminator), or
    /// SQL_NO_TOTAL (-4) when unknown; for fixed-length targets the size of the C type.
    pub indicator: isize,
    /// Bytes of the value consumed by this call: the caller adds it to `offset` for the next
    /// `SQLGetData` call on the same cell.
    pub consumed: usize,
    pub warning: Option<Warning>,
}

/// SQL_C_DEFAULT for a server type, as the ODBC tables define it.
pub fn default_c_type(ty: &ServerType) -> i16 {
    let _ = ty;
    todo!("convert: default_c_type")
}

/// Converts `value` (of declared type `ty`) into `target`. `Value::Null` is not passed here:
/// the caller sets SQL_NULL_DATA itself. Character targets are NUL-terminated when room allows;
/// once a cell has been returned completely a further `SQLGetData` is the caller's SQL_NO_DATA.
pub fn write_value(value: &Value, ty: &ServerType, target: Target<'_>) -> Result<Written, ConvertError> {
    let _ = (value, ty, target.c_type);
    todo!("convert: write_value")
}
