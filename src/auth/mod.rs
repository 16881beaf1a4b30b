//! Authentication: the `Authentication=` modes, the access-token attribute, the token manager
//! and the token sources.
//!
//! The engine asks for a token when the server's FEDAUTHINFO arrives
//! (`engine::fedauth` -> [`acquire`]); the STS URL and SPN in it choose authority, tenant and
//! scope (`<SPN>/.default`), so sovereign clouds need no configuration. Every Entra mode goes
//! through the process-wide [`manager::TokenManager`] (cache, early refresh, single flight,
//! back-off, failure cache).
//!
//! User documentation: `docs/entra.md` (modes, keywords, environment variables, timeouts, the
//! token manager, diagnostics). In short:
//!
//! | Authentication= | UID | PWD / other | source |
//! |---|---|---|---|
//! | ActiveDirectoryServicePrincipal | client id | PWD = secret, or `ClientCertificate` and no PWD | client credentials |
//! | ActiveDirectoryServicePrincipalCertificate | client id | `ClientCertificate` (PEM or PKCS#12), PWD = its password | signed assertion (RS256, x5t) |
//! | ActiveDirectoryPassword | user | PWD | ROPC, public client `PublicClientId` |
//! | ActiveDirectoryMsi, ActiveDirectoryManagedIdentity | optional identity id | | App Service / Arc / Cloud Shell / IMDS |
//! | ActiveDirectoryWorkloadIdentity | optional client id | env `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_AUTHORITY_HOST` | federated assertion |
//! | ActiveDirectoryDefault | optional MI/workload client id | | Environment -> WorkloadIdentity -> ManagedIdentity -> az -> azd |
//! | ActiveDirectoryDeviceCode | | `PublicClientId` | device code, message on stderr |
//! | ActiveDirectoryInteractive | login hint | `PublicClientId`; `$BROWSER` or `xdg-open` | auth code + PKCE, loopback redirect; device code without a display |
//! | ActiveDirectoryIntegrated | | | HYC00: Kerberos not implemented |
//!
//! Keywords (canonical name, then aliases): `ClientCertificate` (`ClientCertPath`,
//! `ClientCertificatePath`; msodbcsql's `file:<path>` accepted), `PublicClientId`
//! (`ApplicationClientId`, default [`params::DEFAULT_PUBLIC_CLIENT_ID`]), `LoginTimeout`
//! (`Connection Timeout`, `ConnectTimeout`).
//!
//! Login timeout: token acquisition runs within the login timeout. DeviceCode and Interactive
//! wait for a person, so when the application sets none (neither `LoginTimeout=` nor
//! SQL_ATTR_LOGIN_TIMEOUT) they get [`default_login_timeout`] = 600 s; the other modes 15 s.
//!
//! Managed identity: a UID of `/subscriptions/...` is a resource id; a bare id is tried as a
//! client id, then as an object id (prefixes `client_id:`, `object_id:`, `resource_id:` say it
//! explicitly). IMDS honours `AZURE_POD_IDENTITY_AUTHORITY_HOST`; Arc key files must lie in
//! `/var/opt/azcmagent/tokens` (tests: `SQLSERVER_ODBC_ARC_KEY_DIR`).
//!
//! Token manager ([`manager`]): one per process, one entry per identity (mode, authority,
//! tenant, scope, ids, user, fingerprint of the secret or certificate); expiry is the earlier of
//! the reported time and the JWT `exp`; refresh from 5 minutes before expiry (half the lifetime
//! for tokens of 2 h or more) by one caller while the others keep the valid token; a cold cache
//! makes one request however many connect at once; 429/5xx/network errors are retried with
//! back-off and Retry-After within the login timeout; hard failures are cached 5 s; an expired
//! token is never sent; no background threads.
//!
//! HTTPS trust: the system store plus OpenSSL's `SSL_CERT_FILE`/`SSL_CERT_DIR`. Plain HTTP is
//! accepted only for loopback authorities. Proxies: `HTTPS_PROXY`/`NO_PROXY`, never for
//! managed-identity endpoints.
//!
//! Why not azure_identity: it hard-codes the IMDS host, has no timeout on `az`, caches no
//! errors, blocks every caller during a refresh and adds a second credential cache under ours;
//! each flow here is one form POST on the same reqwest/OpenSSL stack, which keeps retries,
//! timeouts and diagnostics under the token manager's control.

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

/// A token handed to one login, and where it is cached.
#[derive(Clone, Debug)]
pub struct Acquired {
    pub token: Token,
    /// True when an earlier login had cached it: a new token may fare better if the server
    /// refuses this one.
    pub from_cache: bool,
    cache_key: String,
}

impl Acquired {
    /// After the server refused the token: drops it from the cache, so the next login asks
    /// for a new one instead of presenting it again until it expires.
    pub fn discard(&self) {
        manager::global().discard(&self.cache_key, &self.token);
    }
}

/// Gets a token for `params` from the server-announced STS URL and SPN, within `deadline`.
pub async fn acquire(
    params: &EntraParams,
    sts_url: &str,
    spn: &str,
    deadline: Instant,
) -> Result<Acquired, AuthError> {
    if params.mode == mode::AuthMode::ActiveDirectoryIntegrated {
        return Err(AuthError::integrated_not_supported());
    }
    let authority =
        Authority::from_fedauth_info(sts_url, spn).map_err(|why| AuthError::failed(params, why))?;
    let plan = sources::plan(params, &authority).map_err(|e| AuthError::from_source(params, e))?;
    let remaining = deadline.saturating_duration_since(Instant::now());
    let served = manager::global()
        .serve(&plan.key, plan.source.as_ref(), remaining)
        .await
        .map_err(|e| AuthError::from_source(params, e))?;
    Ok(Acquired {
        token: served.token,
        from_cache: served.from_cache,
        cache_key: plan.key,
    })
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
