//! Authentication: the `Authentication=` modes, the access-token attribute, the token manager
//! and the token sources.
//!
//! The engine asks for a token when the server's FEDAUTHINFO arrives
//! (`engine::fedauth` -> [`acquire`]); the STS URL and SPN in it choose authority, tenant and
//! scope, so sovereign clouds need no configuration. Every Entra mode goes through the
//! process-wide [`manager::TokenManager`] (cache, proactive refresh, single flight, back-off).

pub mod access_token;
pub mod authority;
pub mod error;
mod http;
pub mod jwt;
pub mod manager;
pub mod mode;
pub mod params;
pub mod secret;
// Source errors are the cold path and carry the whole diagnostic; boxing them buys nothing.
#[allow(clippy::result_large_err)]
pub mod sources;

pub use authority::Authority;
pub use error::AuthError;
pub use params::EntraParams;
pub use secret::{Secret, Token};

use std::time::{Duration, Instant};

/// Gets a token for `params` from the server-announced STS URL and SPN, within `deadline`.
pub async fn acquire(
    params: &EntraParams,
    sts_url: &str,
    spn: &str,
    deadline: Instant,
) -> Result<Token, AuthError> {
    if params.mode == mode::AuthMode::ActiveDirectoryIntegrated {
        return Err(AuthError::integrated_not_supported());
    }
    let authority =
        Authority::from_fedauth_info(sts_url, spn).map_err(|why| AuthError::failed(params, why))?;
    let plan = sources::plan(params, &authority).map_err(|e| AuthError::from_source(params, e))?;
    let remaining = deadline.saturating_duration_since(Instant::now());
    manager::global()
        .get(&plan.key, plan.source.as_ref(), remaining)
        .await
        .map_err(|e| AuthError::from_source(params, e))
}

/// The login timeout the Entra modes use when the application set none. Device code and
/// interactive wait for a person, so they get minutes, as msodbcsql and SqlClient do.
pub fn default_login_timeout(mode: mode::AuthMode) -> Duration {
    use mode::AuthMode::*;
    match mode {
        ActiveDirectoryDeviceCode | ActiveDirectoryInteractive => Duration::from_secs(600),
        _ => Duration::from_secs(15),
    }
}
