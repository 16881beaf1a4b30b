//! Faults on demand for one session: from the config, or set by a control statement the client
//! sends as a SQL batch (the engine never sees it):
//!
//! ```text
//! SET TESTSERVER_FAULT drop_after_rows 5      -- close the socket after 5 more rows
//! SET TESTSERVER_FAULT malformed_after_rows 5 -- send a corrupt token after 5 rows
//! SET TESTSERVER_FAULT stall_ms 2000          -- wait before every response
//! SET TESTSERVER_FAULT expire_after_ms 1000   -- close the session 1 s from now
//! SET TESTSERVER_FAULT drop_after_rpcs 3      -- close the socket once 3 RPCs of a batched
//!                                                RPC message have run (their effects stay)
//! SET TESTSERVER_FAULT rpc_batch_unmarked 1   -- end RPCs of a batch without DONE_RPCINBATCH
//!                                                (as Babelfish does); 0 turns it off
//! SET TESTSERVER_FAULT babelfish 1            -- pass for Babelfish where a client can tell: RPCs
//!                                                of a batch unmarked, SERVERPROPERTY('Babelfish') 1
//! SET TESTSERVER_FAULT clear                  -- back to the configured faults
//! ```

use std::time::Duration;

use crate::config::Faults;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionFaults {
    pub drop_after_rows: Option<u64>,
    pub malformed_after_rows: Option<u64>,
    pub stall: Duration,
    /// Close the socket once this many RPCs of one batched RPC message have run.
    pub drop_after_rpcs: Option<u64>,
    /// End each RPC of a batch with DONE_MORE only, without DONE_RPCINBATCH (Babelfish).
    pub rpc_batch_unmarked: bool,
    /// Identify as Babelfish (SERVERPROPERTY('Babelfish') = 1); implies `rpc_batch_unmarked`.
    pub babelfish: bool,
    /// Session lifetime from the config (closed this long after login).
    pub lifetime: Option<Duration>,
}

impl SessionFaults {
    pub fn from_config(f: &Faults) -> Self {
        SessionFaults {
            drop_after_rows: f.drop_after_rows,
            malformed_after_rows: None,
            stall: Duration::from_millis(f.stall_ms),
            drop_after_rpcs: None,
            rpc_batch_unmarked: false,
            babelfish: false,
            lifetime: f.session_lifetime_ms.map(Duration::from_millis),
        }
    }
}

/// A parsed control statement.
#[derive(Debug, PartialEq, Eq)]
pub enum Control {
    DropAfterRows(u64),
    MalformedAfterRows(u64),
    StallMs(u64),
    ExpireAfterMs(u64),
    DropAfterRpcs(u64),
    RpcBatchUnmarked(bool),
    Babelfish(bool),
    Clear,
}

const PREFIX: &str = "SET TESTSERVER_FAULT";

/// `Some(Ok(..))` for a valid control statement, `Some(Err(..))` for a malformed one, `None`
/// when the batch is ordinary SQL.
pub fn parse_control(sql: &str) -> Option<Result<Control, String>> {
    let text = sql.trim().trim_end_matches(';').trim();
    let head = text.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let mut words = text[PREFIX.len()..].split_whitespace();
    let name = words.next().unwrap_or("").to_ascii_lowercase();
    let number = words.next().map(|w| w.parse::<u64>());
    Some(match (name.as_str(), number) {
        ("clear", None) => Ok(Control::Clear),
        ("drop_after_rows", Some(Ok(n))) => Ok(Control::DropAfterRows(n)),
        ("malformed_after_rows", Some(Ok(n))) => Ok(Control::MalformedAfterRows(n)),
        ("stall_ms", Some(Ok(n))) => Ok(Control::StallMs(n)),
        ("expire_after_ms", Some(Ok(n))) => Ok(Control::ExpireAfterMs(n)),
        ("drop_after_rpcs", Some(Ok(n))) => Ok(Control::DropAfterRpcs(n)),
        ("rpc_batch_unmarked", Some(Ok(n @ (0 | 1)))) => Ok(Control::RpcBatchUnmarked(n == 1)),
        ("babelfish", Some(Ok(n @ (0 | 1)))) => Ok(Control::Babelfish(n == 1)),
        _ => Err(format!("testserver: unknown fault control '{text}'")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_statements() {
        assert_eq!(
            parse_control("set testserver_fault drop_after_rows 5;"),
            Some(Ok(Control::DropAfterRows(5)))
        );
        assert_eq!(
            parse_control("SET TESTSERVER_FAULT clear"),
            Some(Ok(Control::Clear))
        );
        assert_eq!(
            parse_control("SET TESTSERVER_FAULT babelfish 1"),
            Some(Ok(Control::Babelfish(true)))
        );
        assert!(matches!(
            parse_control("SET TESTSERVER_FAULT drop_after_rows x"),
            Some(Err(_))
        ));
        assert_eq!(
            parse_control("SET TESTSERVER_FAULT drop_after_rpcs 3"),
            Some(Ok(Control::DropAfterRpcs(3)))
        );
        assert_eq!(
            parse_control("SET TESTSERVER_FAULT rpc_batch_unmarked 1"),
            Some(Ok(Control::RpcBatchUnmarked(true)))
        );
        assert!(matches!(
            parse_control("SET TESTSERVER_FAULT rpc_batch_unmarked 2"),
            Some(Err(_))
        ));
        assert_eq!(parse_control("SELECT 1"), None);
        assert_eq!(parse_control("SET NOCOUNT ON"), None);
    }
}
