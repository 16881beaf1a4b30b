//! Diagnostic records, the SQLSTATE table and message texts.
