//! Connection strings, keywords, DSNs and the login settings they resolve to.
//!
//! Contract (the handle layer relies on it):
//! - [`grammar::parse`] splits a connection string exactly as msodbcsql18 does
//!   (`../shared/reference/msodbcsql18-behaviour.md`).
//! - [`settings::Settings::resolve`] merges the parsed string, the DSN's odbc.ini entries and
//!   the pre-connect attributes into one validated [`settings::Settings`], with the warnings
//!   (01S00) and errors (08001, FA001, FA003, FA005...) msodbcsql gives.
//! - [`settings::Settings::out_connection_string`] is the out string of SQLDriverConnect:
//!   never a secret in it.

pub mod dsn;
pub mod grammar;
pub mod keywords;
pub mod settings;

/// A problem found while reading connection settings: the SQLSTATE and message msodbcsql
/// would give (message without the `[vendor][driver]` prefix, which the diag layer adds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectProblem {
    pub sqlstate: &'static str,
    pub native: i32,
    pub message: String,
}
