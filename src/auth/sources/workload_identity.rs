//! ActiveDirectoryWorkloadIdentity (AKS): a client-assertion grant whose assertion is the
//! Kubernetes service-account token in `AZURE_FEDERATED_TOKEN_FILE`. The file rotates, so it
//! is read again for every token request (the manager asks at most once per token lifetime).

use super::client_credentials::ASSERTION_TYPE;
use super::{Env, SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::secret::Token;
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

const NAME: &str = "WorkloadIdentity";

pub struct WorkloadIdentity {
    pub client_id: String,
    pub file: PathBuf,
    authority: Authority,
}

impl WorkloadIdentity {
    /// UID, when given, overrides `AZURE_CLIENT_ID`; `AZURE_TENANT_ID` and
    /// `AZURE_AUTHORITY_HOST` override the server's authority.
    pub fn from_env(
        uid: Option<&str>,
        authority: &Authority,
        env: &Env,
    ) -> Result<WorkloadIdentity, SourceError> {
        let missing: Vec<&str> = [
            ("AZURE_FEDERATED_TOKEN_FILE", None),
            ("AZURE_CLIENT_ID", uid),
        ]
        .iter()
        .filter(|(k, alt)| alt.is_none() && env.get(k).is_none())
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            return Err(SourceError::unavailable(
                NAME,
                format!("{} not set", missing.join(" and ")),
            ));
        }
        let client_id = uid
            .or(env.get("AZURE_CLIENT_ID"))
            .unwrap_or_default()
            .to_string();
        Ok(WorkloadIdentity {
            client_id,
            file: env
                .get("AZURE_FEDERATED_TOKEN_FILE")
                .unwrap_or_default()
                .into(),
            authority: authority
                .with_host_and_tenant(env.get("AZURE_AUTHORITY_HOST"), env.get("AZURE_TENANT_ID"))
                .map_err(|why| SourceError::hard(NAME, why))?,
        })
    }

    pub fn file_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.file.display(),
            self.authority.host,
            self.authority.tenant
        )
    }
}

#[async_trait]
impl TokenSource for WorkloadIdentity {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let assertion = std::fs::read_to_string(&self.file).map_err(|e| {
            SourceError::hard(
                NAME,
                format!(
                    "cannot read AZURE_FEDERATED_TOKEN_FILE {}: {e}",
                    self.file.display()
                ),
            )
        })?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("scope", self.authority.scope.as_str()),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.trim()),
        ];
        let req = http::client().post(self.authority.token_url()).form(&form);
        http::token_request(NAME, req, budget).await.map_err(|e| match e.aadsts {
            Some(70021) => e.with_hint("Add a federated credential for this service account (issuer and subject) to the identity."),
            Some(700016) => e.with_hint("AZURE_CLIENT_ID / UID must be the client id of the identity the service account is federated with."),
            _ => e,
        })
    }
}
