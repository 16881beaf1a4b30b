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
//!
//! Behaviour was measured against msodbcsql 18.6.2 (keyword by keyword, through unixODBC,
//! against closed ports and the testserver). Deliberate differences:
//! - the out connection string never carries `PWD` (msodbcsql repeats it) or other secrets;
//! - extension keywords and `Authentication=` modes (see [`keywords`] and
//!   [`crate::auth::mode`]); `ActiveDirectoryServicePrincipal` may use `ClientCertificate`
//!   instead of a secret;
//! - `KeepAlive`/`KeepAliveInterval` must be positive integers (msodbcsql accepts any text and
//!   then fails in TCP setup with 0x2726);
//! - `Server=[v6addr],port` brackets are accepted (msodbcsql looks the bracketed name up);
//! - an unusable `Server` value fails at once with msodbcsql's `[87]` text, without first
//!   waiting for the login timeout;
//! - an access token whose JWT `exp` has passed is refused before login with a message saying
//!   so (msodbcsql sends it and Azure drops the connection without an error);
//! - a malformed odbc.ini value is ignored as msodbcsql ignores it, but with a 01S00 warning
//!   naming the keyword and DSN;
//! - msodbcsql lists `DATABASE`/`LANGUAGE` with the session's values in the out string when the
//!   string gave them empty; this driver leaves them out.

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
