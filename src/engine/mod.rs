//! The only module that imports the TDS engine (mssql-tds): session, execute, results, cancel.

pub mod fedauth;
