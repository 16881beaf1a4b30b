//! The only module that imports the TDS engine (mssql-tds): session, execute, results, cancel.
//!
//! Everything it hands out is engine-free: [`convert::Value`](crate::convert::Value),
//! [`convert::ServerType`](crate::convert::ServerType), [`diag`](crate::diag) records.

mod cell_buffers;
mod errors;
pub mod fedauth;
pub mod params;
pub mod rows;
pub mod runtime;
pub mod session;

pub use cell_buffers::CellBuffers;
pub use rows::ColumnInfo;
pub use session::{
    ArrayFailure, ArrayReply, Canceller, Encryption, LoginParams, ParamSet, PreparedPlan, ProcArg,
    ServerFacts, Session, SetOutcome, Step,
};
