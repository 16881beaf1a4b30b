//! Bound parameters: what SQLBindParameter recorded, and data-at-execution state.

use crate::convert::from_c::Param;
use crate::convert::{ServerType, Value};
use crate::diag::{Error, Result};

pub const SQL_PARAM_INPUT: i16 = 1;
pub const SQL_DATA_AT_EXEC: isize = -2;
pub const SQL_LEN_DATA_AT_EXEC_OFFSET: isize = -100;

/// SQLBindParameter's arguments. The addresses are the application's deferred buffers: only
/// the ffi layer reads them, at execute time.
#[derive(Clone, Copy, Debug)]
pub struct ParamBinding {
    pub io_type: i16,
    pub c_type: i16,
    pub sql_type: i16,
    pub column_size: u64,
    pub decimal_digits: i16,
    pub value_addr: usize,
    pub buffer_len: isize,
    pub ind_addr: usize,
}

/// One parameter of one row of a parameter set, as the ffi layer read it.
pub enum ParamInput<'a> {
    Value(Param<'a>),
    /// Data at execution: the application supplies it with SQLPutData after SQLParamData
    /// returns `token` (its ParameterValuePtr).
    AtExec {
        token: usize,
        binding: ParamBinding,
    },
}

/// SQLExecute returned SQL_NEED_DATA: the converted parameters so far and the one being fed.
pub struct PendingExec {
    pub sql: String,
    pub values: Vec<Option<(Value, ServerType)>>,
    /// (index, token, binding) of each data-at-execution parameter, in order.
    pub at_exec: Vec<(usize, usize, ParamBinding)>,
    /// Position in `at_exec` of the parameter SQLParamData last announced.
    pub current: Option<usize>,
    /// The bytes SQLPutData gave for the current parameter (None: nothing yet, or NULL).
    pub data: Option<Vec<u8>>,
    pub is_null: bool,
}

/// Converts a resolved parameter.
pub fn convert(param: &Param<'_>) -> Result<(Value, ServerType)> {
    crate::convert::from_c::read_param(param).map_err(|e| Error::new(e.sqlstate, e.message))
}
