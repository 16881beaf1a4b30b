//! Parameter arrays in one request: the statement is prepared once (sp_prepare) and every
//! parameter set goes as an `sp_execute` RPC of one batched RPC message, as msodbcsql sends
//! them. The same prepared handle serves single executions of a prepared statement.

use std::sync::Arc;

use mssql_tds::connection::tds_client::ResultSet as _;
use mssql_tds::connection::tds_client::{
    ExecuteOptions, PreparedBatchResult, PreparedStatement, StatementResult,
};
use mssql_tds::core::CancelHandle;
use mssql_tds::error::Error as TdsError;

use super::super::errors::{self, exec_error};
use super::super::params::{effective_type, positional_parameters};
use super::super::rows::column_info;
use super::super::runtime::block_on;
use super::{Canceller, Session, Step};
use crate::convert::{ServerType, Value};
use crate::diag::{Error, Result, ServerMessage};

/// A statement prepared on the server for one parameter signature. Owned by the statement
/// handle; a different SQL text or signature retires it (its server handle is released on
/// the session's next prepared request).
#[derive(Debug)]
pub struct PreparedPlan {
    /// The ODBC text it was made from (before `?` -> `@Pn`).
    odbc_sql: String,
    statement: PreparedStatement,
    signature: Vec<ServerType>,
}

impl PreparedPlan {
    /// A plan for `odbc_sql`, whose markers are already rewritten in `text`.
    pub fn new(odbc_sql: &str, text: String) -> Self {
        PreparedPlan {
            odbc_sql: odbc_sql.to_string(),
            statement: PreparedStatement::new(text),
            signature: Vec::new(),
        }
    }

    pub fn is_for(&self, odbc_sql: &str) -> bool {
        self.odbc_sql == odbc_sql
    }
}

/// One parameter set to send: its index in the application's array and its values.
pub struct ParamSet {
    pub index: usize,
    pub values: Vec<(Value, ServerType)>,
}

/// What the server reported for one parameter set.
#[derive(Debug)]
pub struct SetOutcome {
    pub index: usize,
    pub rows_affected: Option<u64>,
    /// The set's errors (each its own diagnostic record).
    pub errors: Vec<ServerMessage>,
    pub has_info: bool,
}

/// The reply to one request of parameter sets.
pub struct ArrayReply {
    /// The sets the server reported, in order.
    pub sets: Vec<SetOutcome>,
    /// The server reported every set sent (false: the reply ended early, connection intact).
    pub complete: bool,
    /// Positioned on a result set that a set produced; its set is `current_set`.
    pub rows: Option<Arc<Vec<crate::engine::ColumnInfo>>>,
    pub current_set: Option<usize>,
    /// INFO messages of the request, in arrival order.
    pub messages: Vec<ServerMessage>,
}

/// Why a request of parameter sets failed as a whole.
pub struct ArrayFailure {
    pub error: Error,
    /// Some of the sets may have been executed: the request reached the server and its reply
    /// was lost (link failure, a reply the engine could not follow, timeout, cancel).
    pub maybe_applied: bool,
}

impl Session {
    /// Sends `sets` in one batched RPC request against `plan` (preparing it first if needed)
    /// and reads the reply up to its end or to the first result set.
    pub fn execute_param_sets(
        &mut self,
        plan: &mut PreparedPlan,
        sets: Vec<ParamSet>,
        timeout_secs: u32,
        cancel: &Canceller,
    ) -> std::result::Result<ArrayReply, ArrayFailure> {
        let not_sent = |error| ArrayFailure {
            error,
            maybe_applied: false,
        };
        self.check_alive().map_err(not_sent)?;
        let Some(first) = sets.first() else {
            return Err(not_sent(Error::general("no parameter sets to execute")));
        };
        let signature: Vec<ServerType> = first
            .values
            .iter()
            .map(|(v, ty)| effective_type(v, ty))
            .collect();
        if plan.signature != signature {
            self.retire_plan(plan);
            plan.signature = signature;
        }
        self.release_retired();
        let mut rows = Vec::with_capacity(sets.len());
        for set in sets {
            let params =
                positional_parameters(set.values, &plan.signature, None).map_err(not_sent)?;
            rows.push(Ok((set.index, params)));
        }
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new().cancel(handle);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let statement = &mut plan.statement;
        let result = block_on(Box::pin(async move {
            let mut orphan = None;
            client
                .begin_execute_prepared_batch(statement, rows, &mut orphan, options)
                .await
        }));
        match result {
            Ok(batch) => Ok(self.array_reply(batch)),
            Err(e) => {
                let mut failure = self.array_failure(e);
                // Without a prepared handle the request failed while preparing: no set ran.
                if plan.statement.id().is_none() {
                    failure.maybe_applied = false;
                }
                Err(failure)
            }
        }
    }

    /// Whether several parameter sets can share one request on this server. SQL Server ends
    /// each RPC of a batched request with DONE_RPCINBATCH, which the engine relies on to tell
    /// the sets' results apart. Babelfish does not: the engine then loses its place after the
    /// server has run the sets, and the connection is gone. So Babelfish (which says so in
    /// `SERVERPROPERTY('Babelfish')`) gets one set per request. Asked once per connection.
    pub fn follows_batched_rpcs(&mut self) -> Result<bool> {
        if let Some(known) = self.marks_batched_rpcs {
            return Ok(known);
        }
        let babelfish = match self.query_all("SELECT CAST(SERVERPROPERTY('Babelfish') AS int)") {
            Ok((_, values)) => matches!(values.first(), Some(Value::Int(1))),
            // A server that cannot answer is not Babelfish; a lost link is the caller's error.
            Err(e) if e.sqlstate() == "08S01" || self.dead => return Err(e),
            Err(_) => false,
        };
        self.marks_batched_rpcs = Some(!babelfish);
        Ok(!babelfish)
    }

    fn array_reply(&mut self, batch: PreparedBatchResult) -> ArrayReply {
        let rows = self.client.on_rows().then(|| {
            let columns = self.client.get_metadata().iter().map(column_info).collect();
            Arc::new(columns)
        });
        ArrayReply {
            sets: batch.rows.into_iter().map(set_outcome).collect(),
            complete: batch.complete,
            current_set: self.client.current_parameter_set(),
            rows,
            messages: self.take_messages(),
        }
    }

    fn array_failure(&mut self, e: TdsError) -> ArrayFailure {
        // A server error here is the preparation's (nothing executed); a usage error is raised
        // before anything is sent. Anything else may have cut a running request short.
        let maybe_applied = !matches!(e, TdsError::SqlServerError { .. } | TdsError::UsageError(_));
        let messages = self.take_messages();
        let error = exec_error(&e, messages);
        if error.sqlstate() == "08S01" || self.client.is_connection_dead() {
            self.dead = true;
        }
        ArrayFailure {
            error,
            maybe_applied,
        }
    }

    /// The sets completed since the last call while the application reads the result sets of
    /// an array (SQLMoreResults); empty outside one.
    pub fn take_param_set_outcomes(&mut self) -> Vec<SetOutcome> {
        self.client
            .take_prepared_batch_results()
            .map(|batch| batch.rows.into_iter().map(set_outcome).collect())
            .unwrap_or_default()
    }

    /// Executes a prepared statement once with these parameters by its server handle
    /// (sp_prepexec the first time, then sp_execute: no statement text or declaration is
    /// sent again), and positions on the first result.
    pub fn execute_prepared_plan(
        &mut self,
        plan: &mut PreparedPlan,
        values: Vec<(Value, ServerType)>,
        timeout_secs: u32,
        cancel: &Canceller,
    ) -> Result<Step> {
        self.check_alive()?;
        let signature: Vec<ServerType> =
            values.iter().map(|(v, ty)| effective_type(v, ty)).collect();
        if plan.signature != signature {
            self.retire_plan(plan);
            plan.signature = signature;
        }
        // A plan about to be prepared releases one given-up handle inside its own sp_prepexec
        // (the by-reference @handle), so a change of parameter types costs no extra round trip.
        let mut orphan = if plan.statement.id().is_none() {
            self.retired.pop()
        } else {
            None
        };
        // sp_prepexec declares the parameters by these names.
        let params = positional_parameters(values, &plan.signature, Some(parameter_name))?;
        let handle: &CancelHandle = &cancel.0;
        let mut options = ExecuteOptions::new().cancel(handle);
        if timeout_secs > 0 {
            options = options.timeout_secs(timeout_secs);
        }
        let client = &mut self.client;
        let statement = &mut plan.statement;
        let released = &mut orphan;
        let result: std::result::Result<StatementResult, TdsError> =
            block_on(Box::pin(async move {
                client
                    .execute_prepared(statement, params, released, options)
                    .await
            }));
        if let Some(id) = orphan {
            self.retired.push(id);
        }
        let result = self.observe(result)?;
        Ok(self.step(result))
    }

    /// Gives up `plan`'s server handle (released by the session's next preparation or
    /// parameter array); the plan prepares again when next executed.
    pub fn retire_plan(&mut self, plan: &mut PreparedPlan) {
        if let Some(id) = plan.statement.take_id() {
            self.retired.push(id);
        }
    }

    /// Releases the server handles of retired plans (sp_unprepare), best effort: a failure
    /// leaves the handle to the end of the session, never fails the caller's request.
    fn release_retired(&mut self) {
        while let Some(id) = self.retired.pop() {
            if self.is_dead() {
                return;
            }
            let client = &mut self.client;
            let released: std::result::Result<(), TdsError> = block_on(Box::pin(async move {
                client.unprepare(id, ExecuteOptions::new()).await
            }));
            let _ = self.take_messages();
            if released.is_err() && self.client.is_connection_dead() {
                self.dead = true;
            }
        }
    }
}

/// `@P1`, `@P2`, ... (the names the prepared declaration gives the parameters).
fn parameter_name(i: usize) -> String {
    const NAMES: [&str; 8] = ["@P1", "@P2", "@P3", "@P4", "@P5", "@P6", "@P7", "@P8"];
    match NAMES.get(i) {
        Some(name) => (*name).to_string(),
        None => format!("@P{}", i + 1),
    }
}

fn set_outcome(row: mssql_tds::connection::tds_client::PreparedBatchRowResult) -> SetOutcome {
    SetOutcome {
        index: row.row_index,
        rows_affected: row.rows_affected,
        errors: row.errors.iter().map(errors::error_message).collect(),
        has_info: row.has_info,
    }
}
