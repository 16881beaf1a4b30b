//! Entra ID login through mssql-tds: an `EntraIdTokenFactory` that the engine calls when the
//! server's FEDAUTHINFO arrives, backed by `crate::auth` (token manager + sources).
//!
//! The connect path (driver-core's `engine::session` and `handle::dbc`) does, tested end to
//! end by `tests/python/test_entra_modes.py`:
//! ```ignore
//! // engine::session::LoginParams gains  `pub entra: Option<fedauth::EntraLogin>`, and
//! // LoginParams::client_context() ends with
//! if let Some(entra) = &self.entra { let _ = entra.install(&mut ctx); }
//!
//! // handle::dbc login(), instead of refusing the Entra modes with HYC00:
//! let mut params = login_params(settings, st.login_timeout);
//! if let Some(mode) = settings.authentication.filter(|m| *m != AuthMode::SqlPassword) {
//!     // 15 s, or 600 s for DeviceCode/Interactive, unless the application chose a timeout
//!     params.login_timeout_secs = fedauth::login_timeout_secs(mode, explicit_timeout);
//! }
//! params.entra = fedauth::EntraLogin::prepare(auth::EntraParams::from_settings(settings),
//!                                             params.login_timeout_secs)?;   // HYC00 Integrated
//! match Session::connect(&params) {
//!     Err(e) => {
//!         let entra = params.entra.as_ref();
//!         if let Some(auth) = entra.and_then(|l| l.take_error()) {
//!             return Err(auth.into());      // FA004 + details (diag::Error)
//!         }
//!         // 18456 after a token was sent: append entra.rejected_hints() to that record
//!         // (audience, CREATE USER [..] FROM EXTERNAL PROVIDER / WITH SID = 0x.., TYPE = E)
//!     }
//!     ..
//! }
//! ```

use crate::auth::{self, AuthError, EntraParams, error, mode::AuthMode};
use async_trait::async_trait;
use mssql_tds::connection::client_context::{
    ClientContext, EntraIdTokenFactory, TdsAuthenticationMethod,
};
use mssql_tds::core::TdsResult;
use mssql_tds::error::Error;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One Entra login attempt: installs the token factory and keeps what went wrong.
#[derive(Clone)]
pub struct EntraLogin {
    params: EntraParams,
    deadline: Instant,
    outcome: Arc<Mutex<Outcome>>,
}

#[derive(Default)]
struct Outcome {
    error: Option<AuthError>,
    rejected_hints: Vec<String>,
    /// The token sent to the server, for `after_refusal`.
    presented: Option<auth::Acquired>,
}

/// The TDS method (it picks the LOGIN7 FEDAUTH workflow byte) for an Entra mode.
pub fn tds_method(mode: AuthMode) -> Option<TdsAuthenticationMethod> {
    use AuthMode::*;
    use TdsAuthenticationMethod as M;
    Some(match mode {
        ActiveDirectoryPassword => M::ActiveDirectoryPassword,
        ActiveDirectoryInteractive => M::ActiveDirectoryInteractive,
        ActiveDirectoryMsi => M::ActiveDirectoryMSI,
        ActiveDirectoryManagedIdentity => M::ActiveDirectoryManagedIdentity,
        ActiveDirectoryServicePrincipal | ActiveDirectoryServicePrincipalCertificate => {
            M::ActiveDirectoryServicePrincipal
        }
        ActiveDirectoryDefault => M::ActiveDirectoryDefault,
        ActiveDirectoryDeviceCode => M::ActiveDirectoryDeviceCodeFlow,
        ActiveDirectoryWorkloadIdentity => M::ActiveDirectoryWorkloadIdentity,
        SqlPassword | ActiveDirectoryIntegrated => return None,
    })
}

pub fn is_entra_mode(mode: AuthMode) -> bool {
    tds_method(mode).is_some() || mode == AuthMode::ActiveDirectoryIntegrated
}

impl EntraLogin {
    /// `login_timeout`: SQL_ATTR_LOGIN_TIMEOUT / `Connection Timeout`; `None` or zero means the
    /// mode's default (15 s; 10 minutes for device code and interactive, which wait for a
    /// person).
    pub fn new(params: EntraParams, login_timeout: Option<Duration>) -> EntraLogin {
        let timeout = login_timeout
            .filter(|t| !t.is_zero())
            .unwrap_or_else(|| auth::default_login_timeout(params.mode));
        EntraLogin {
            deadline: Instant::now() + timeout,
            params,
            outcome: Arc::default(),
        }
    }

    /// The connect path's entry point: `None` when `params` names no Entra mode (no mode or
    /// SqlPassword), HYC00 for ActiveDirectoryIntegrated. `login_timeout_secs` 0 = the mode's
    /// default.
    pub fn prepare(
        params: Option<EntraParams>,
        login_timeout_secs: u32,
    ) -> Result<Option<EntraLogin>, AuthError> {
        let Some(params) = params else {
            return Ok(None);
        };
        match params.mode {
            AuthMode::SqlPassword => Ok(None),
            AuthMode::ActiveDirectoryIntegrated => Err(AuthError::integrated_not_supported()),
            _ => {
                let timeout = (login_timeout_secs > 0)
                    .then(|| Duration::from_secs(u64::from(login_timeout_secs)));
                Ok(Some(EntraLogin::new(params, timeout)))
            }
        }
    }

    /// Sets the authentication method and registers the token factory on `ctx`.
    pub fn install(&self, ctx: &mut ClientContext) -> Result<(), AuthError> {
        let Some(method) = tds_method(self.params.mode) else {
            return Err(match self.params.mode {
                AuthMode::ActiveDirectoryIntegrated => AuthError::integrated_not_supported(),
                _ => AuthError::failed(&self.params, "not an Entra ID mode"),
            });
        };
        ctx.tds_authentication_method = method.clone();
        ctx.auth_method_map.insert(method, Box::new(self.clone()));
        Ok(())
    }

    /// The structured error of a failed token acquisition (FA004 + details), once.
    pub fn take_error(&self) -> Option<AuthError> {
        lock(&self.outcome).error.take()
    }

    /// When the server refused the login after accepting a token: hints computed from the
    /// token's claims (wrong audience; `CREATE USER [..] FROM EXTERNAL PROVIDER` /
    /// `WITH SID = 0x.., TYPE = E`). Empty before a token was sent.
    pub fn rejected_hints(&self) -> Vec<String> {
        lock(&self.outcome).rejected_hints.clone()
    }

    /// After the server refused the login (18456): the token sent is dropped from the cache.
    /// When an earlier login had cached it, a new token may be accepted where it was not (the
    /// principal's group membership changed since, or the server no longer trusts it), so
    /// this returns a second attempt with the same deadline; msodbcsql, which gets a token
    /// per connect, would have succeeded. A token fetched for this login is not retried: a
    /// new one would be refused just the same.
    pub fn after_refusal(&self) -> Option<EntraLogin> {
        let presented = lock(&self.outcome).presented.take()?;
        presented.discard();
        presented.from_cache.then(|| EntraLogin {
            params: self.params.clone(),
            deadline: self.deadline,
            outcome: Arc::default(),
        })
    }
}

impl std::fmt::Debug for EntraLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntraLogin({})", self.params.mode_name())
    }
}

/// The login timeout for `mode`: what the application set, else the mode's default (15 s;
/// 600 s for device code and interactive, which wait for a person).
pub fn login_timeout_secs(mode: AuthMode, explicit: Option<u32>) -> u32 {
    explicit.unwrap_or_else(|| auth::default_login_timeout(mode).as_secs() as u32)
}

fn lock(m: &Mutex<Outcome>) -> std::sync::MutexGuard<'_, Outcome> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl EntraIdTokenFactory for EntraLogin {
    async fn create_token(
        &self,
        spn: String,
        sts_url: String,
        _auth_method: TdsAuthenticationMethod,
    ) -> TdsResult<Vec<u8>> {
        match auth::acquire(&self.params, &sts_url, &spn, self.deadline).await {
            Ok(acquired) => {
                let token = acquired.token.utf16le();
                let hints = error::login_rejected_hint(acquired.token.access_token.expose(), &spn);
                let mut outcome = lock(&self.outcome);
                outcome.rejected_hints = hints;
                outcome.presented = Some(acquired);
                Ok(token)
            }
            Err(e) => {
                let text = e.to_string();
                lock(&self.outcome).error = Some(e);
                // Not ConnectionError: mssql-tds would retry the whole connection after
                // ConnectRetryInterval (10 s) for a failure the token manager already retried.
                Err(Error::UsageError(text))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entra_mode_has_a_method_and_integrated_is_hyc00() {
        use AuthMode::*;
        for m in [
            ActiveDirectoryPassword,
            ActiveDirectoryInteractive,
            ActiveDirectoryMsi,
            ActiveDirectoryManagedIdentity,
            ActiveDirectoryServicePrincipal,
            ActiveDirectoryServicePrincipalCertificate,
            ActiveDirectoryDefault,
            ActiveDirectoryDeviceCode,
            ActiveDirectoryWorkloadIdentity,
        ] {
            let mut ctx = ClientContext::default();
            EntraLogin::new(EntraParams::new(m), None)
                .install(&mut ctx)
                .unwrap();
            assert_eq!(ctx.auth_method_map.len(), 1, "{m:?}");
            assert!(
                ctx.auth_method_map
                    .contains_key(&ctx.tds_authentication_method)
            );
        }
        let mut ctx = ClientContext::default();
        let e = EntraLogin::new(EntraParams::new(ActiveDirectoryIntegrated), None)
            .install(&mut ctx)
            .unwrap_err();
        assert_eq!(e.sqlstate, "HYC00");
    }

    #[tokio::test]
    async fn a_bad_sts_url_becomes_fa004_and_a_non_retried_error() {
        let mut p = EntraParams::new(AuthMode::ActiveDirectoryServicePrincipal);
        p.user = Some("app".into());
        let login = EntraLogin::new(p, Some(Duration::from_secs(1)));
        let r = login
            .create_token(
                "https://database.windows.net/".into(),
                "http://evil.example/t".into(),
                TdsAuthenticationMethod::ActiveDirectoryServicePrincipal,
            )
            .await;
        assert!(matches!(r, Err(Error::UsageError(_))));
        let e = login.take_error().unwrap();
        assert_eq!(e.sqlstate, "FA004");
        assert!(e.details[0].contains("STS URL"));
    }
}
