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

pub const SQL_PARAM_INPUT_OUTPUT: i16 = 2;
pub const SQL_PARAM_OUTPUT: i16 = 4;

/// Whether the server hands this parameter's value back.
pub fn is_output(io_type: i16) -> bool {
    io_type == SQL_PARAM_INPUT_OUTPUT || io_type == SQL_PARAM_OUTPUT
}

/// Which application parameter each value a request hands back belongs to.
#[derive(Clone, Debug)]
pub struct OutputPlan {
    /// The parameter (0-based) sent at each RPC ordinal; None for literals and
    /// sp_executesql's own parameters.
    pub by_ordinal: Vec<Option<usize>>,
    /// The parameter receiving the procedure's return status (`{? = call ...}`).
    pub return_status: Option<usize>,
    /// The bindings at execute time.
    pub bindings: Vec<Option<ParamBinding>>,
    /// The row of the parameter set.
    pub row: usize,
    /// The engine's return status before the request was sent.
    pub status_before: Option<i32>,
}

/// An output value on its way to the application's buffers (the ffi layer writes it).
#[derive(Clone, Debug)]
pub struct OutputValue {
    pub binding: ParamBinding,
    pub row: usize,
    pub value: Value,
    pub ty: ServerType,
}

/// A statement's output parameters: the plan of the running request, and the values of
/// finished ones not yet written.
#[derive(Debug, Default)]
pub struct OutputSlot {
    pub plan: Option<OutputPlan>,
    pub ready: Vec<OutputValue>,
}

impl OutputPlan {
    /// The values a finished request handed back, matched to their bindings.
    pub fn resolve(self, outputs: crate::engine::session::Outputs) -> Vec<OutputValue> {
        let binding_of = |param: usize| {
            self.bindings
                .get(param)
                .copied()
                .flatten()
                .filter(|b| is_output(b.io_type))
        };
        let mut ready = Vec::new();
        if let (Some(param), Some(status)) = (self.return_status, outputs.return_status)
            && let Some(binding) = binding_of(param)
        {
            ready.push(OutputValue {
                binding,
                row: self.row,
                value: Value::Int(status),
                ty: ServerType::Int,
            });
        }
        for (ordinal, value, ty) in outputs.values {
            let param = self.by_ordinal.get(usize::from(ordinal)).copied().flatten();
            if let Some(binding) = param.and_then(binding_of) {
                ready.push(OutputValue {
                    binding,
                    row: self.row,
                    value,
                    ty,
                });
            }
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::Outputs;

    fn binding(io_type: i16) -> Option<ParamBinding> {
        Some(ParamBinding {
            io_type,
            c_type: 4,
            sql_type: 4,
            column_size: 0,
            decimal_digits: 0,
            value_addr: 0x1000,
            buffer_len: 4,
            ind_addr: 0,
        })
    }

    #[test]
    fn values_reach_the_parameters_their_ordinals_name() {
        // {? = call p(40, ?, ?)}: RPC ordinals 0 (literal), 1 (parameter 2), 2 (parameter 3).
        let plan = OutputPlan {
            by_ordinal: vec![None, Some(1), Some(2)],
            return_status: Some(0),
            bindings: vec![
                binding(SQL_PARAM_OUTPUT),
                binding(SQL_PARAM_INPUT_OUTPUT),
                binding(SQL_PARAM_INPUT),
            ],
            row: 3,
            status_before: None,
        };
        let ready = plan.resolve(Outputs {
            return_status: Some(7),
            values: vec![
                (1, Value::Int(42), ServerType::Int),
                // A value for an INPUT binding (a server that echoes it) is not written.
                (2, Value::Int(1), ServerType::Int),
                (9, Value::Int(2), ServerType::Int),
            ],
        });
        let got: Vec<(i16, usize, String)> = ready
            .iter()
            .map(|o| (o.binding.io_type, o.row, format!("{:?}", o.value)))
            .collect();
        assert_eq!(
            got,
            vec![
                (SQL_PARAM_OUTPUT, 3, format!("{:?}", Value::Int(7))),
                (SQL_PARAM_INPUT_OUTPUT, 3, format!("{:?}", Value::Int(42))),
            ]
        );
    }
}
