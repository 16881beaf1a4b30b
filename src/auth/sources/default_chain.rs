//! ActiveDirectoryDefault: Environment -> WorkloadIdentity -> ManagedIdentity (quick probe)
//! -> AzureCli -> AzureDeveloperCli, never interactive. UID, when given, is the managed or
//! workload identity's client id. The source that worked is remembered for the process and
//! tried first next time; when every source fails the error lists each one, in order, with why.

use super::cli::{Cli, Tool};
use super::client_credentials::{ClientCertificate, ClientCredentials, Credential};
use super::managed_identity::ManagedIdentity;
use super::password::Ropc;
use super::workload_identity::WorkloadIdentity;
use super::{Env, SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::params::EntraParams;
use crate::auth::secret::{Secret, Token, fingerprint};
use async_trait::async_trait;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Environment,
    WorkloadIdentity,
    ManagedIdentity,
    AzureCli,
    AzureDeveloperCli,
}

pub const ORDER: [Link; 5] = [
    Link::Environment,
    Link::WorkloadIdentity,
    Link::ManagedIdentity,
    Link::AzureCli,
    Link::AzureDeveloperCli,
];

/// The link that last produced a token in this process.
static REMEMBERED: Mutex<Option<Link>> = Mutex::new(None);

pub fn remembered() -> Option<Link> {
    *REMEMBERED.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct DefaultChain {
    uid: Option<String>,
    authority: Authority,
    env: Env,
}

impl DefaultChain {
    pub fn new(params: &EntraParams, authority: &Authority, env: &Env) -> DefaultChain {
        DefaultChain {
            uid: params.user().map(str::to_string),
            authority: authority.clone(),
            env: env.clone(),
        }
    }

    /// Cache-key part: the environment variables that pick the identity.
    pub fn env_fingerprint(&self) -> String {
        let keys = [
            "AZURE_CLIENT_ID",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_USERNAME",
            "AZURE_PASSWORD",
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_AUTHORITY_HOST",
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
            "IMDS_ENDPOINT",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        ];
        let joined: String = keys
            .iter()
            .map(|k| format!("{k}={};", self.env.get(k).unwrap_or("")))
            .collect();
        fingerprint(joined.as_bytes())
    }

    fn build(&self, link: Link) -> Result<Box<dyn TokenSource>, SourceError> {
        let env = &self.env;
        match link {
            Link::Environment => environment(&self.authority, env),
            Link::WorkloadIdentity => Ok(Box::new(WorkloadIdentity::from_env(
                self.uid.as_deref(),
                &self.authority,
                env,
            )?)),
            Link::ManagedIdentity => {
                let uid = self.uid.as_deref().map(|u| format!("client_id:{u}"));
                Ok(Box::new(ManagedIdentity::from_env(
                    uid.as_deref(),
                    &self.authority,
                    env,
                    true,
                )?))
            }
            Link::AzureCli => Ok(Box::new(Cli::new(
                Tool::AzureCli,
                &self.authority,
                None,
                env,
            ))),
            Link::AzureDeveloperCli => Ok(Box::new(Cli::new(
                Tool::AzureDeveloperCli,
                &self.authority,
                None,
                env,
            ))),
        }
    }
}

/// EnvironmentCredential: AZURE_TENANT_ID + AZURE_CLIENT_ID + one of AZURE_CLIENT_SECRET,
/// AZURE_CLIENT_CERTIFICATE_PATH (+ _PASSWORD), AZURE_USERNAME + AZURE_PASSWORD.
fn environment(authority: &Authority, env: &Env) -> Result<Box<dyn TokenSource>, SourceError> {
    const NAME: &str = "Environment";
    let (Some(tenant), Some(client_id)) = (env.get("AZURE_TENANT_ID"), env.get("AZURE_CLIENT_ID"))
    else {
        return Err(SourceError::unavailable(
            NAME,
            "AZURE_TENANT_ID/AZURE_CLIENT_ID not set",
        ));
    };
    let authority = authority
        .with_host_and_tenant(env.get("AZURE_AUTHORITY_HOST"), Some(tenant))
        .map_err(|why| SourceError::hard(NAME, why))?;
    let credential = if let Some(secret) = env.get("AZURE_CLIENT_SECRET") {
        Credential::Secret(Secret::new(secret))
    } else if let Some(path) = env.get("AZURE_CLIENT_CERTIFICATE_PATH") {
        let password = env
            .get("AZURE_CLIENT_CERTIFICATE_PASSWORD")
            .map(Secret::new);
        let cert =
            ClientCertificate::load(path.as_ref(), password.as_ref()).map_err(|e| SourceError {
                source: NAME.into(),
                ..e
            })?;
        Credential::Certificate(Box::new(cert))
    } else if let (Some(user), Some(pwd)) = (env.get("AZURE_USERNAME"), env.get("AZURE_PASSWORD")) {
        return Ok(Box::new(Ropc::with_client(
            user,
            Secret::new(pwd),
            client_id,
            &authority,
        )));
    } else {
        return Err(SourceError::unavailable(
            NAME,
            "no AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_USERNAME/AZURE_PASSWORD",
        ));
    };
    Ok(Box::new(ClientCredentials {
        label: NAME,
        client_id: client_id.to_string(),
        authority,
        credential,
    }))
}

#[async_trait]
impl TokenSource for DefaultChain {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let started = Instant::now();
        let mut order: Vec<Link> = Vec::with_capacity(ORDER.len() + 1);
        if let Some(first) = remembered() {
            order.push(first);
        }
        order.extend(ORDER.iter().filter(|l| Some(**l) != remembered()));
        let mut tried: Vec<SourceError> = Vec::new();
        for link in order {
            let left = budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                tried.push(SourceError::hard(
                    &format!("{link:?}"),
                    "not tried: the login timeout ran out",
                ));
                continue;
            }
            let result = match self.build(link) {
                Ok(source) => source.fetch(left).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(token) => {
                    *REMEMBERED.lock().unwrap_or_else(|p| p.into_inner()) = Some(link);
                    return Ok(token);
                }
                Err(mut e) if e.unavailable => {
                    if tried.is_empty() && Some(link) == remembered() {
                        e.source = format!("{} (remembered)", e.source);
                    }
                    tried.push(e)
                }
                Err(e) => {
                    // A source that is set up but refuses is an answer: stop, as the SDKs do.
                    let mut stop = e.clone();
                    tried.push(e);
                    stop.message = format!("{} failed: {}", stop.source, stop.message);
                    stop.source = "ActiveDirectoryDefault".into();
                    stop.tried = tried;
                    return Err(stop);
                }
            }
        }
        let mut all = SourceError::hard("ActiveDirectoryDefault", "no source gave a token");
        all.hint = Some(
            "Set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, run on a host with a managed identity, \
             or sign in with 'az login' or 'azd auth login'."
                .into(),
        );
        all.tried = tried;
        Err(all)
    }
}
