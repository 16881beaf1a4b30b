//! What the driver says about itself: SQLGetInfo, SQLGetFunctions and SQLGetTypeInfo tables,
//! and the catalog functions (SQLTables, SQLColumns... through the server procedures
//! msodbcsql calls).

pub mod catalog;
pub mod functions;
pub mod get_info;
pub mod type_info;
