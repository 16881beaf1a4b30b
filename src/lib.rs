//! sqlserver-odbc: an ODBC 3.8 driver for Microsoft SQL Server and Azure SQL.
//!
//! Data flows one way: `ffi` -> `handle` -> (`connect`, `auth`) -> `engine` -> `convert` ->
//! back into the application's buffers. Diagnostics flow back through the handles.
//! Only `engine` names the TDS engine's types; nothing below `ffi` sees a raw pointer.

pub mod auth;
pub mod connect;
pub mod convert;
pub mod diag;
pub mod engine;
pub mod ffi;
pub mod handle;
pub mod info;
