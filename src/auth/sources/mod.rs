//! Token sources, one per way of proving identity, and [`plan`], which picks the source for a
//! login and the cache key it is stored under.

pub mod cli;
pub mod client_credentials;
pub mod default_chain;
pub mod device_code;
pub mod interactive;
pub mod managed_identity;
pub mod password;
pub mod workload_identity;

use super::authority::Authority;
use super::mode::AuthMode;
use super::params::EntraParams;
use super::secret::Token;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Why a source gave no token. Never holds a secret or a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// Which source, e.g. "ManagedIdentity (IMDS)", "AzureCli".
    pub source: String,
    pub message: String,
    pub status: Option<u16>,
    pub aadsts: Option<u32>,
    pub oauth_error: Option<String>,
    pub retry_after: Option<Duration>,
    /// Worth retrying (throttling, 5xx, network).
    pub transient: bool,
    /// The source is not set up here (no env vars, no endpoint, no CLI): the default chain
    /// moves on without waiting.
    pub unavailable: bool,
    /// A likely fix, for the diagnostic.
    pub hint: Option<String>,
    /// For the default chain: every source tried, in order.
    pub tried: Vec<SourceError>,
}

impl SourceError {
    pub fn hard(source: &str, message: impl Into<String>) -> SourceError {
        SourceError {
            source: source.to_string(),
            message: message.into(),
            status: None,
            aadsts: None,
            oauth_error: None,
            retry_after: None,
            transient: false,
            unavailable: false,
            hint: None,
            tried: Vec::new(),
        }
    }
    pub fn transient(source: &str, message: impl Into<String>) -> SourceError {
        SourceError {
            transient: true,
            ..SourceError::hard(source, message)
        }
    }
    pub fn unavailable(source: &str, message: impl Into<String>) -> SourceError {
        SourceError {
            unavailable: true,
            ..SourceError::hard(source, message)
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> SourceError {
        self.hint = Some(hint.into());
        self
    }
    /// "source: message" as one line.
    pub fn line(&self) -> String {
        format!("{}: {}", self.source, self.message)
    }
}

/// One way to get a token. `budget` is what is left of the login timeout.
#[async_trait]
pub trait TokenSource: Send + Sync {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError>;
}

/// The environment a source reads (a snapshot, so tests need not touch the process's).
#[derive(Clone, Debug, Default)]
pub struct Env(pub HashMap<String, String>);

impl Env {
    pub fn from_process() -> Env {
        Env(std::env::vars().collect())
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// The chosen source and its cache key.
pub struct Plan {
    pub key: String,
    pub source: Arc<dyn TokenSource>,
}

pub fn plan(params: &EntraParams, authority: &Authority) -> Result<Plan, SourceError> {
    plan_with_env(params, authority, &Env::from_process())
}

pub fn plan_with_env(
    params: &EntraParams,
    authority: &Authority,
    env: &Env,
) -> Result<Plan, SourceError> {
    use AuthMode::*;
    let mode = params.mode_name();
    let base = |who: &str, fp: &str| {
        format!(
            "{mode}|{}|{}|{}|{who}|{fp}",
            authority.host, authority.tenant, authority.scope
        )
    };
    let (key, source): (String, Arc<dyn TokenSource>) = match params.mode {
        ActiveDirectoryServicePrincipal | ActiveDirectoryServicePrincipalCertificate => {
            let src = client_credentials::from_params(params, authority)?;
            (
                base(&src.client_id, &src.credential_fingerprint()),
                Arc::new(src),
            )
        }
        ActiveDirectoryPassword => {
            let src = password::Ropc::from_params(params, authority)?;
            (base(&src.username, &src.fingerprint()), Arc::new(src))
        }
        ActiveDirectoryMsi | ActiveDirectoryManagedIdentity => {
            let src =
                managed_identity::ManagedIdentity::from_env(params.user(), authority, env, false)?;
            (base(&src.identity_key(), &src.host_key()), Arc::new(src))
        }
        ActiveDirectoryWorkloadIdentity => {
            let src = workload_identity::WorkloadIdentity::from_env(params.user(), authority, env)?;
            (base(&src.client_id, &src.file_key()), Arc::new(src))
        }
        ActiveDirectoryDeviceCode => {
            let src = device_code::DeviceCode::new(params, authority);
            (
                base(params.user().unwrap_or(""), params.public_client_id()),
                Arc::new(src),
            )
        }
        ActiveDirectoryInteractive => {
            let src = interactive::Interactive::new(params, authority, env);
            (
                base(params.user().unwrap_or(""), params.public_client_id()),
                Arc::new(src),
            )
        }
        ActiveDirectoryDefault => {
            let src = default_chain::DefaultChain::new(params, authority, env);
            (
                base(params.user().unwrap_or(""), &src.env_fingerprint()),
                Arc::new(src),
            )
        }
        ActiveDirectoryIntegrated | SqlPassword => {
            return Err(SourceError::hard(
                mode,
                "not an Entra token mode handled by the token manager",
            ));
        }
    };
    Ok(Plan { key, source })
}
