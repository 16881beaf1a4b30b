//! The application's bound parameters into SQL Server values.

use super::{CharEncoding, ConvertError, ServerType, Value};

/// One bound parameter, its pointers already resolved into a slice by the handle layer.
pub struct Param<'a> {
    /// ValueType of SQLBindParameter (SQL_C_*), SQL_C_DEFAULT resolved by the caller.
    pub c_type: i16,
    /// ParameterType of SQLBindParameter (SQL_*; SQL_SS_TIME2 etc. included).
    pub sql_type: i16,
    pub column_size: u64,
    pub decimal_digits: i16,
    /// The bytes of the value (for character data without the terminator), or None for NULL
    /// (SQL_NULL_DATA).
    pub data: Option<&'a [u8]>,
    pub encoding: CharEncoding,
}

/// Converts a bound parameter into the value sent and the type it is declared as in
/// `sp_executesql`/`sp_prepexec` (e.g. SQL_WVARCHAR of 10 chars -> nvarchar(4000) or
/// nvarchar(max) the way msodbcsql declares it).
pub fn read_param(param: &Param<'_>) -> Result<(Value, ServerType), ConvertError> {
    let _ = (param.c_type, param.sql_type);
    todo!("convert: read_param")
}
