//! Requests with output parameters: procedure calls by RPC and sp_executesql with parameters
//! by reference, and the return status and values they hand back.

use mssql_tds::connection::tds_client::ExecuteOptions;
use mssql_tds::core::CancelHandle;

use super::super::rows::ValueRows;
use super::super::runtime::block_on;
use super::{Canceller, Session, Step};
use crate::convert::Value;
use crate::diag::Result;

/// A request whose parameters may be output parameters.
pub enum CallRequest<'a> {
    /// An RPC to the procedure by name with positional parameters (ODBC call escapes).
    Procedure {
        name: &'a str,
        params: &'a [super::super::params::CallParam],
    },
    /// sp_executesql of `sql` (markers already `@P1..`).
    Statement {
        sql: &'a str,
        params: &'a [super::super::params::CallParam],
    },
}

/// What a finished request handed back: the procedure's RETURN status and the output
/// parameters, each with its ordinal in the RPC's parameter list.
#[derive(Debug, Default)]
pub struct Outputs {
    pub return_status: Option<i32>,
    pub values: Vec<(u16, Value, crate::convert::ServerType)>,
}

impl Session {
    /// Sends a request with output parameters and positions on its first result. The
    /// outputs arrive after the last result: read them with [`Self::outputs`] then.
    pub fn execute_call(
        &mut self,
        request: CallRequest<'_>,
        timeout_secs: u32,
        cancel: &Canceller,
    ) -> Result<Step> {
        self.check_alive()?;
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new().cancel(handle);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let result = match request {
            CallRequest::Procedure { name, params } => {
                let rpc = super::super::params::procedure_parameters(params)?;
                let name = name.to_string();
                block_on(async move {
                    client
                        .execute_stored_procedure(name, Some(rpc), None, options)
                        .await
                })
            }
            CallRequest::Statement { sql, params } => {
                let rpc = super::super::params::statement_parameters(params)?;
                let sql = sql.to_string();
                block_on(async move { client.execute_sp_executesql(sql, rpc, options).await })
            }
        };
        let result = self.observe(result)?;
        Ok(self.step(result))
    }

    /// The RETURN status of the last request that sent one.
    pub fn return_status(&self) -> Option<i32> {
        self.client.get_return_status()
    }

    /// The return status and output values the last request sent (complete once its
    /// results are consumed or closed).
    pub fn outputs(&self) -> Outputs {
        let values = self
            .client
            .get_return_values()
            .into_iter()
            .map(|rv| {
                let ty = super::super::rows::server_type(&rv.column_metadata);
                let mut decoded = Vec::with_capacity(1);
                let mut writer = ValueRows::new(&mut decoded);
                mssql_tds::datatypes::row_writer::write_column_value(&mut writer, 0, rv.value);
                let value = decoded.pop().unwrap_or(Value::Null);
                (rv.param_ordinal, value, ty)
            })
            .collect();
        Outputs {
            return_status: self.client.get_return_status(),
            values,
        }
    }
}
