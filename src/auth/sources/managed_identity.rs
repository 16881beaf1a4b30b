//! ActiveDirectoryMsi / ActiveDirectoryManagedIdentity: the host's managed-identity endpoint.
//!
//! Which endpoint, from the environment, as the Azure SDKs decide: `IDENTITY_ENDPOINT` +
//! `IMDS_ENDPOINT` -> Azure Arc; `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` -> App Service /
//! Functions / Container Apps; `MSI_ENDPOINT` -> Cloud Shell; otherwise IMDS at
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST` or `http://169.254.169.254`.
//!
//! A user-assigned identity is named by UID: `/subscriptions/...` is a resource id; a bare
//! id is taken as the client id and, when the host does not know it, retried as an object id
//! (msodbcsql reads it as an object id, SqlClient as a client id). `client_id:`, `object_id:`
//! and `resource_id:` prefixes say it explicitly. Diagnostics name the kind that was used.

use super::{Env, SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::secret::Token;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::time::Duration;

const IMDS_DEFAULT_HOST: &str = "http://169.254.169.254";
const ARC_KEY_DIR: &str = "/var/opt/azcmagent/tokens";
const ARC_KEY_MAX: u64 = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityId {
    System,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
    /// A bare id: client id first, then object id.
    Ambiguous(String),
}

impl IdentityId {
    pub fn parse(uid: Option<&str>) -> IdentityId {
        let Some(uid) = uid.map(str::trim).filter(|u| !u.is_empty()) else {
            return IdentityId::System;
        };
        let lower = uid.to_ascii_lowercase();
        for (prefix, make) in [
            (
                "client_id:",
                IdentityId::ClientId as fn(String) -> IdentityId,
            ),
            ("object_id:", IdentityId::ObjectId),
            ("resource_id:", IdentityId::ResourceId),
        ] {
            if lower.starts_with(prefix) {
                return make(uid[prefix.len()..].trim().to_string());
            }
        }
        if uid.starts_with("/subscriptions/") {
            IdentityId::ResourceId(uid.to_string())
        } else {
            IdentityId::Ambiguous(uid.to_string())
        }
    }

    fn describe(&self) -> String {
        match self {
            IdentityId::System => "system-assigned".into(),
            IdentityId::ClientId(c) => format!("client id {c}"),
            IdentityId::ObjectId(o) => format!("object id {o}"),
            IdentityId::ResourceId(r) => format!("resource id {r}"),
            IdentityId::Ambiguous(c) => format!("client or object id {c}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Imds { base: String },
    AppService { endpoint: String, header: String },
    Arc { endpoint: String, key_dir: PathBuf },
    CloudShell { endpoint: String },
}

impl Host {
    fn name(&self) -> &'static str {
        match self {
            Host::Imds { .. } => "ManagedIdentity (IMDS)",
            Host::AppService { .. } => "ManagedIdentity (App Service)",
            Host::Arc { .. } => "ManagedIdentity (Azure Arc)",
            Host::CloudShell { .. } => "ManagedIdentity (Cloud Shell)",
        }
    }

    pub fn from_env(env: &Env) -> Host {
        if let Some(ep) = env.get("IDENTITY_ENDPOINT") {
            if env.get("IMDS_ENDPOINT").is_some() {
                let key_dir = env.get("SQLSERVER_ODBC_ARC_KEY_DIR").unwrap_or(ARC_KEY_DIR);
                return Host::Arc {
                    endpoint: ep.into(),
                    key_dir: key_dir.into(),
                };
            }
            if let Some(h) = env.get("IDENTITY_HEADER") {
                return Host::AppService {
                    endpoint: ep.into(),
                    header: h.into(),
                };
            }
        }
        if let Some(ep) = env.get("MSI_ENDPOINT") {
            return Host::CloudShell {
                endpoint: ep.into(),
            };
        }
        let base = env
            .get("AZURE_POD_IDENTITY_AUTHORITY_HOST")
            .unwrap_or(IMDS_DEFAULT_HOST);
        Host::Imds {
            base: base.trim_end_matches('/').into(),
        }
    }
}

pub struct ManagedIdentity {
    pub host: Host,
    pub id: IdentityId,
    resource: String,
    /// Default-chain probe: a short first try, "unavailable" when nothing listens.
    probe: bool,
}

impl ManagedIdentity {
    pub fn from_env(
        uid: Option<&str>,
        authority: &Authority,
        env: &Env,
        probe: bool,
    ) -> Result<ManagedIdentity, SourceError> {
        let host = Host::from_env(env);
        let id = IdentityId::parse(uid);
        let unsupported =
            matches!(host, Host::Arc { .. } | Host::CloudShell { .. }) && id != IdentityId::System;
        if unsupported {
            return Err(SourceError::hard(
                host.name(),
                format!(
                    "{} supports only the system-assigned identity; remove UID",
                    host.name()
                ),
            ));
        }
        Ok(ManagedIdentity {
            host,
            id,
            resource: authority.resource.clone(),
            probe,
        })
    }

    pub fn identity_key(&self) -> String {
        format!("{:?}", self.id)
    }

    pub fn host_key(&self) -> String {
        match &self.host {
            Host::Imds { base } => base.clone(),
            Host::AppService { endpoint, .. }
            | Host::Arc { endpoint, .. }
            | Host::CloudShell { endpoint } => endpoint.clone(),
        }
    }

    async fn request(&self, id: &IdentityId, budget: Duration) -> Result<Token, SourceError> {
        let name = self.host.name();
        let c = http::direct_client();
        let budget = if self.probe {
            budget.min(Duration::from_secs(2))
        } else {
            budget
        };
        let result = match &self.host {
            Host::Imds { base } => {
                let mut q = vec![
                    ("api-version", "2018-02-01"),
                    ("resource", self.resource.as_str()),
                ];
                push_id(&mut q, id, "client_id", "object_id", "msi_res_id");
                let req = c
                    .get(format!("{base}/metadata/identity/oauth2/token"))
                    .query(&q)
                    .header("Metadata", "true");
                http::token_request(name, req, budget)
                    .await
                    .map_err(imds_transience)
            }
            Host::AppService { endpoint, header } => {
                let mut q = vec![
                    ("api-version", "2019-08-01"),
                    ("resource", self.resource.as_str()),
                ];
                push_id(&mut q, id, "client_id", "principal_id", "mi_res_id");
                let req = c
                    .get(endpoint)
                    .query(&q)
                    .header("X-IDENTITY-HEADER", header)
                    .header("Metadata", "true");
                http::token_request(name, req, budget).await
            }
            Host::CloudShell { endpoint } => {
                let req = c
                    .post(endpoint)
                    .header("Metadata", "true")
                    .form(&[("resource", self.resource.as_str())]);
                http::token_request(name, req, budget).await
            }
            Host::Arc { endpoint, key_dir } => self.arc(endpoint, key_dir, budget).await,
        };
        result.map_err(|e| self.explain(e, id))
    }

    async fn arc(
        &self,
        endpoint: &str,
        key_dir: &Path,
        budget: Duration,
    ) -> Result<Token, SourceError> {
        let name = self.host.name();
        let q = [
            ("api-version", "2020-06-01"),
            ("resource", self.resource.as_str()),
        ];
        let c = http::direct_client();
        let first = c
            .get(endpoint)
            .query(&q)
            .header("Metadata", "true")
            .timeout(budget)
            .send()
            .await
            .map_err(|e| SourceError::transient(name, format!("cannot reach {endpoint} ({e})")))?;
        if first.status().as_u16() != 401 {
            return Err(SourceError::hard(
                name,
                format!(
                    "expected a 401 challenge, got HTTP {}",
                    first.status().as_u16()
                ),
            ));
        }
        let realm = first
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once("realm="))
            .map(|(_, r)| PathBuf::from(r.trim().trim_matches('"')))
            .ok_or_else(|| SourceError::hard(name, "the 401 challenge has no Basic realm"))?;
        let secret = read_arc_key(&realm, key_dir).map_err(|why| SourceError::hard(name, why))?;
        let req = c
            .get(endpoint)
            .query(&q)
            .header("Metadata", "true")
            .header("Authorization", format!("Basic {secret}"));
        http::token_request(name, req, budget).await
    }

    fn explain(&self, mut e: SourceError, id: &IdentityId) -> SourceError {
        e.message = format!("{} (identity: {})", e.message, id.describe());
        e
    }
}

fn push_id<'a>(
    q: &mut Vec<(&'a str, &'a str)>,
    id: &'a IdentityId,
    client: &'a str,
    object: &'a str,
    resource: &'a str,
) {
    match id {
        IdentityId::System => {}
        IdentityId::ClientId(v) | IdentityId::Ambiguous(v) => q.push((client, v)),
        IdentityId::ObjectId(v) => q.push((object, v)),
        IdentityId::ResourceId(v) => q.push((resource, v)),
    }
}

/// IMDS answers 404 while the VM's identity is being set up and 410 while it restarts.
fn imds_transience(mut e: SourceError) -> SourceError {
    if matches!(e.status, Some(404) | Some(410)) {
        e.transient = true;
    }
    e
}

/// The realm must be a `.key` file directly in the agent's token directory, at most 4 KiB.
fn read_arc_key(path: &Path, key_dir: &Path) -> Result<String, String> {
    let canon = path
        .canonicalize()
        .map_err(|e| format!("cannot read the Arc key file {}: {e}", path.display()))?;
    let dir = key_dir
        .canonicalize()
        .map_err(|e| format!("Arc key directory {}: {e}", key_dir.display()))?;
    if canon.parent() != Some(dir.as_path())
        || canon.extension().and_then(|e| e.to_str()) != Some("key")
    {
        return Err(format!(
            "refusing the Arc key file {}: it must be a .key file in {}",
            path.display(),
            key_dir.display()
        ));
    }
    let meta = std::fs::metadata(&canon).map_err(|e| e.to_string())?;
    if meta.len() > ARC_KEY_MAX {
        return Err(format!(
            "refusing the Arc key file {}: larger than {ARC_KEY_MAX} bytes",
            path.display()
        ));
    }
    std::fs::read_to_string(&canon)
        .map(|s| s.trim().to_string())
        .map_err(|e| e.to_string())
}

#[async_trait]
impl TokenSource for ManagedIdentity {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let result = self.fetch_with_fallback(budget).await;
        match result {
            // In the default chain any failure of the probe means "no managed identity here"
            // (nothing listening, a non-IMDS answer, no identity assigned): go on, as the SDKs do.
            Err(mut e) if self.probe => {
                e.unavailable = true;
                e.transient = false;
                Err(e)
            }
            other => other,
        }
    }
}

impl ManagedIdentity {
    async fn fetch_with_fallback(&self, budget: Duration) -> Result<Token, SourceError> {
        let started = std::time::Instant::now();
        match self.request(&self.id, budget).await {
            Err(e) if e.status == Some(400) => {
                // Maybe an object id where the client id belongs: try it the other way.
                if let IdentityId::Ambiguous(v) = &self.id {
                    let as_object = IdentityId::ObjectId(v.clone());
                    let left = budget.saturating_sub(started.elapsed());
                    if let Ok(t) = self.request(&as_object, left).await {
                        return Ok(t);
                    }
                    return Err(e.with_hint(format!(
                        "No identity {v} is assigned to this host, neither as client id nor as object id. \
                         Check UID against the identity's Client ID in the portal, or leave UID empty for the system-assigned identity."
                    )));
                }
                Err(e)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    #[test]
    fn host_detection_follows_the_sdks() {
        assert_eq!(
            Host::from_env(&env(&[])),
            Host::Imds {
                base: IMDS_DEFAULT_HOST.into()
            }
        );
        assert_eq!(
            Host::from_env(&env(&[(
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                "http://10.0.0.1:2/"
            )])),
            Host::Imds {
                base: "http://10.0.0.1:2".into()
            }
        );
        assert!(matches!(
            Host::from_env(&env(&[
                ("IDENTITY_ENDPOINT", "x"),
                ("IDENTITY_HEADER", "h")
            ])),
            Host::AppService { .. }
        ));
        assert!(matches!(
            Host::from_env(&env(&[("IDENTITY_ENDPOINT", "x"), ("IMDS_ENDPOINT", "y")])),
            Host::Arc { .. }
        ));
        assert!(matches!(
            Host::from_env(&env(&[("MSI_ENDPOINT", "x")])),
            Host::CloudShell { .. }
        ));
    }

    #[test]
    fn uid_kinds() {
        assert_eq!(IdentityId::parse(None), IdentityId::System);
        assert_eq!(
            IdentityId::parse(Some("/subscriptions/x/y")),
            IdentityId::ResourceId("/subscriptions/x/y".into())
        );
        assert_eq!(
            IdentityId::parse(Some("object_id:abc")),
            IdentityId::ObjectId("abc".into())
        );
        assert_eq!(
            IdentityId::parse(Some("abc")),
            IdentityId::Ambiguous("abc".into())
        );
    }

    #[test]
    fn arc_key_file_must_be_in_the_agent_directory() {
        let dir = std::env::temp_dir().join(format!("arc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("a.key");
        std::fs::write(&good, "secret\n").unwrap();
        assert_eq!(read_arc_key(&good, &dir).unwrap(), "secret");
        let outside = std::env::temp_dir().join(format!("arc-outside-{}.key", std::process::id()));
        std::fs::write(&outside, "x").unwrap();
        assert!(read_arc_key(&outside, &dir).is_err());
        let big = dir.join("big.key");
        std::fs::write(&big, vec![b'a'; 5000]).unwrap();
        assert!(read_arc_key(&big, &dir).is_err());
    }
}
