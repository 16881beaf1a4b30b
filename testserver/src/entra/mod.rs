//! The Entra ID mock: token endpoint, device code, authorization code + PKCE, managed-identity
//! endpoints (IMDS, App Service, Arc, Cloud Shell), counters, faults. Signs RS256 JWTs with the
//! key the TDS listener trusts.
//!
//! `start` binds an HTTP and an HTTPS listener on 127.0.0.1 and returns an [`EntraHandle`]
//! with everything the rest of testserver needs: the STS URL for FEDAUTHINFO, the JWT public
//! key the TDS listener validates against, and [`EntraHandle::ready_fields`] for the ready file.
//!
//! Test-only endpoints: `GET /_counters`, `POST /_counters/reset`, `POST /_faults` (a JSON list
//! of [`state::Fault`]; `[]` clears), `POST /_workload/rotate` (rewrites the federated token
//! file), `POST /_signing_key/rotate` (signs with a new key; the TDS listener drops the old
//! one, so tokens issued before are refused), `GET /_cli/token?tool=az|azd&scope=` (backs the
//! fake CLIs in `testserver/fake-cli`).

#![allow(dead_code)] // the ready-file helpers are used by main once it starts the mock

pub mod config;
pub mod crypto;
mod routes;
mod server;
pub mod state;
#[cfg(test)]
mod tests;

pub use config::EntraConfig;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use state::Mock;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// The directory with the fake `az`, `azd` and `browser` executables.
pub const FAKE_CLI_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fake-cli");

/// What the rest of testserver needs from a running mock.
pub struct EntraHandle {
    pub http_url: String,
    pub https_url: String,
    pub tenant: String,
    /// PEM of the RS256 public key every access token is signed with.
    pub jwt_public_key_pem: String,
    pub ca_cert_pem: String,
    pub ca_file: PathBuf,
    pub dir: PathBuf,
    pub config: EntraConfig,
    /// client id -> (PEM with certificate and key, PKCS#12 file).
    pub client_cert_files: BTreeMap<String, (PathBuf, PathBuf)>,
    pub app_service_secret: String,
    pub federated_token_file: PathBuf,
    pub arc_key_dir: PathBuf,
    mock: Arc<Mock>,
}

/// The CA to sign the HTTPS certificate with: the TDS listener's, so one CA file trusts both.
pub struct CaPem {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

pub async fn start(config: EntraConfig, ca: Option<CaPem>) -> Result<EntraHandle> {
    let ca = match ca {
        Some(p) => crypto::Ca::from_pem(&p.cert_pem, &p.key_pem)?,
        None => crypto::Ca::generate()?,
    };
    let dir = match &config.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("testserver-entra-{}", std::process::id())),
    };
    let arc_key_dir = dir.join("azcmagent-tokens");
    std::fs::create_dir_all(&arc_key_dir).with_context(|| format!("creating {}", dir.display()))?;

    let ca_file = dir.join("ca.pem");
    let ca_cert_pem = String::from_utf8(ca.cert.to_pem()?)?;
    std::fs::write(&ca_file, &ca_cert_pem)?;

    let (client_certs, client_cert_files) = make_client_certs(&config, &dir)?;
    let signing = state::SigningKey::generate()?;
    let jwt_public_key_pem = String::from_utf8(signing.key.public_key_to_pem()?)?;
    let mock = Arc::new(Mock {
        signing: Mutex::new(signing),
        on_rotation: Mutex::new(None),
        federation_key: crypto::new_rsa_key()?,
        client_certs,
        dir: dir.clone(),
        arc_key_dir: arc_key_dir.clone(),
        app_service_secret: crypto::random_token(16),
        counters: Mutex::new(BTreeMap::new()),
        faults: Mutex::new(Vec::new()),
        device_codes: Mutex::new(HashMap::new()),
        auth_codes: Mutex::new(HashMap::new()),
        arc_secret: Mutex::new(None),
        token_lifetime_secs: std::sync::atomic::AtomicU64::new(config.token_lifetime_secs),
        recent: Mutex::new(std::collections::VecDeque::new()),
        config: config.clone(),
    });
    let federated_token_file = mock.write_federated_token()?;

    let http = TcpListener::bind("127.0.0.1:0").await?;
    let https = TcpListener::bind("127.0.0.1:0").await?;
    let http_url = format!("http://127.0.0.1:{}", http.local_addr()?.port());
    let https_url = format!("https://127.0.0.1:{}", https.local_addr()?.port());
    let (server_cert, server_key) = ca.issue_server_cert()?;
    let acceptor = server::tls_acceptor(&server_cert, &server_key, &ca.cert)?;
    server::spawn_http(http, mock.clone());
    server::spawn_https(https, mock.clone(), acceptor);

    Ok(EntraHandle {
        http_url,
        https_url,
        tenant: config.tenant.clone(),
        jwt_public_key_pem,
        ca_cert_pem,
        ca_file,
        dir,
        client_cert_files,
        app_service_secret: mock.app_service_secret.clone(),
        federated_token_file,
        arc_key_dir,
        config,
        mock,
    })
}

type ClientCerts = (
    HashMap<String, (String, openssl::pkey::PKey<openssl::pkey::Public>)>,
    BTreeMap<String, (PathBuf, PathBuf)>,
);

/// For each application with `certificate = true`: a key pair, a self-signed certificate, a
/// PEM file (certificate + key) and a PKCS#12 file protected by [`config::PFX_PASSWORD`].
fn make_client_certs(config: &EntraConfig, dir: &Path) -> Result<ClientCerts> {
    let mut by_thumbprint = HashMap::new();
    let mut files = BTreeMap::new();
    for app in config.clients.iter().filter(|c| c.certificate) {
        let (cert, key) = crypto::self_signed_client_cert(&app.display_name)?;
        let pem_path = dir.join(format!("{}.pem", app.display_name));
        let mut pem = cert.to_pem()?;
        pem.extend(key.private_key_to_pem_pkcs8()?);
        std::fs::write(&pem_path, pem)?;
        let pfx = openssl::pkcs12::Pkcs12::builder()
            .name(&app.display_name)
            .pkey(&key)
            .cert(&cert)
            .build2(config::PFX_PASSWORD)?;
        let pfx_path = dir.join(format!("{}.pfx", app.display_name));
        std::fs::write(&pfx_path, pfx.to_der()?)?;
        let public = crypto::public_key_of(&key)?;
        by_thumbprint.insert(crypto::x5t(&cert)?, (app.client_id.clone(), public));
        files.insert(app.client_id.clone(), (pem_path, pfx_path));
    }
    Ok((by_thumbprint, files))
}

impl CaPem {
    pub fn new(
        cert: &openssl::x509::X509,
        key: &openssl::pkey::PKey<openssl::pkey::Private>,
    ) -> Result<CaPem> {
        Ok(CaPem {
            cert_pem: cert.to_pem()?,
            key_pem: key.private_key_to_pem_pkcs8()?,
        })
    }
}

/// An identity the mock issues tokens for, as the TDS listener maps it to a database user.
pub struct MockPrincipal {
    pub name: String,
    pub oid: Option<String>,
    pub appid: Option<String>,
    pub upn: Option<String>,
}

impl EntraHandle {
    /// `hook(retired, new)` runs on each `POST /_signing_key/rotate`.
    pub fn on_signing_key_rotation(&self, hook: state::RotationHook) {
        *self.mock.on_rotation.lock().unwrap() = Some(hook);
    }

    /// Every user, application and managed identity of the mock (names: UPN or display name,
    /// as `CREATE USER [..] FROM EXTERNAL PROVIDER` would make them).
    pub fn principals(&self) -> Vec<MockPrincipal> {
        let c = &self.config;
        let users = c
            .users
            .iter()
            .filter(|u| u.in_database)
            .map(|u| MockPrincipal {
                name: u.upn.clone(),
                oid: Some(u.object_id.clone()),
                appid: None,
                upn: Some(u.upn.clone()),
            });
        let apps = c.clients.iter().map(|a| MockPrincipal {
            name: a.display_name.clone(),
            oid: Some(a.object_id.clone()),
            appid: Some(a.client_id.clone()),
            upn: None,
        });
        let mis = c.managed_identities.iter().map(|m| MockPrincipal {
            name: m.display_name.clone(),
            oid: Some(m.object_id.clone()),
            appid: Some(m.client_id.clone()),
            upn: None,
        });
        users.chain(apps).chain(mis).collect()
    }

    /// The STS URL the TDS listener announces in FEDAUTHINFO (authority + tenant).
    pub fn sts_url(&self) -> String {
        format!("{}/{}", self.https_url, self.tenant)
    }

    /// The same STS over plain HTTP on loopback.
    pub fn http_sts_url(&self) -> String {
        format!("{}/{}", self.http_url, self.tenant)
    }

    /// Counters as `GET /_counters` reports them.
    pub fn counters(&self) -> Value {
        self.mock.counters_json()
    }

    /// Ready-file fields: `entra_url`, `ca_file`, `connection_strings` (Authentication mode ->
    /// connection string without Driver, built on `base`, e.g. "Server=127.0.0.1,1433;...")
    /// and `env` (same keys -> environment variables that mode needs). Keys with a `/` suffix
    /// are variants of a mode (e.g. "ActiveDirectoryMsi/imds").
    pub fn ready_fields(&self, base: &str) -> Map<String, Value> {
        let base = base.trim_end_matches(';');
        let cfg = &self.config;
        let secret_app = cfg.clients.iter().find(|c| c.secret.is_some());
        let cert_app = cfg.clients.iter().find(|c| c.certificate);
        let workload_app = cfg.clients.iter().find(|c| c.federated_subject.is_some());
        let user = cfg.users.iter().find(|u| u.in_database);
        let uami = cfg.managed_identities.iter().find(|m| !m.system_assigned);

        let mut conn = Map::new();
        let mut env = Map::new();
        let path = format!(
            "{FAKE_CLI_DIR}:{}",
            std::env::var("PATH").unwrap_or_default()
        );
        let common = json!({
            "SSL_CERT_FILE": self.ca_file,
            "FAKE_CLI_MOCK_URL": self.http_url,
            "PATH": path,
        });
        let mut add = |name: &str, extra: String, vars: Value| {
            let cs = if extra.is_empty() {
                format!(
                    "{base};Authentication={}",
                    name.split('/').next().unwrap_or(name)
                )
            } else {
                format!(
                    "{base};Authentication={};{extra}",
                    name.split('/').next().unwrap_or(name)
                )
            };
            conn.insert(name.to_string(), json!(cs));
            let mut all = common.as_object().cloned().unwrap_or_default();
            if let Some(v) = vars.as_object() {
                all.extend(v.clone());
            }
            env.insert(name.to_string(), Value::Object(all));
        };
        let app_service = json!({
            "IDENTITY_ENDPOINT": format!("{}/msi/token", self.http_url),
            "IDENTITY_HEADER": self.app_service_secret,
        });
        if let Some(app) = secret_app {
            let secret = app.secret.clone().unwrap_or_default();
            add(
                "ActiveDirectoryServicePrincipal",
                format!("UID={};PWD={{{secret}}}", app.client_id),
                json!({}),
            );
            add(
                "ActiveDirectoryDefault/environment",
                String::new(),
                json!({"AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": secret,
                       "AZURE_TENANT_ID": self.tenant, "AZURE_AUTHORITY_HOST": self.https_url}),
            );
        }
        if let (Some(app), Some((pem, pfx))) = (
            cert_app,
            cert_app.and_then(|a| self.client_cert_files.get(&a.client_id)),
        ) {
            add(
                "ActiveDirectoryServicePrincipalCertificate",
                format!("UID={};ClientCertPath={}", app.client_id, pem.display()),
                json!({}),
            );
            add(
                "ActiveDirectoryServicePrincipalCertificate/pkcs12",
                format!(
                    "UID={};ClientCertPath={};PWD={{{}}}",
                    app.client_id,
                    pfx.display(),
                    config::PFX_PASSWORD
                ),
                json!({}),
            );
        }
        if let Some(u) = user {
            add(
                "ActiveDirectoryPassword",
                format!("UID={};PWD={{{}}}", u.upn, u.password),
                json!({}),
            );
            add(
                "ActiveDirectoryInteractive",
                format!("UID={}", u.upn),
                json!({"BROWSER": format!("{FAKE_CLI_DIR}/browser")}),
            );
        }
        if let Some(u) = cfg.users.iter().find(|u| !u.in_database) {
            add(
                "ActiveDirectoryPassword/not-in-database",
                format!("UID={};PWD={{{}}}", u.upn, u.password),
                json!({}),
            );
        }
        add("ActiveDirectoryDeviceCode", String::new(), json!({}));
        add("ActiveDirectoryMsi", String::new(), app_service.clone());
        add(
            "ActiveDirectoryManagedIdentity",
            String::new(),
            app_service.clone(),
        );
        add(
            "ActiveDirectoryManagedIdentity/imds",
            String::new(),
            json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": self.http_url}),
        );
        if let Some(mi) = uami {
            add(
                "ActiveDirectoryManagedIdentity/user-assigned",
                format!("UID={}", mi.client_id),
                json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": self.http_url}),
            );
        }
        add(
            "ActiveDirectoryManagedIdentity/arc",
            String::new(),
            json!({"IDENTITY_ENDPOINT": format!("{}/arc/metadata/identity/oauth2/token", self.http_url),
                   "IMDS_ENDPOINT": self.http_url,
                   "SQLSERVER_ODBC_ARC_KEY_DIR": self.arc_key_dir}),
        );
        add(
            "ActiveDirectoryManagedIdentity/cloudshell",
            String::new(),
            json!({"MSI_ENDPOINT": format!("{}/cloudshell/oauth2/token", self.http_url)}),
        );
        if let Some(app) = workload_app {
            let vars = json!({"AZURE_CLIENT_ID": app.client_id, "AZURE_TENANT_ID": self.tenant,
                   "AZURE_FEDERATED_TOKEN_FILE": self.federated_token_file,
                   "AZURE_AUTHORITY_HOST": self.https_url});
            add("ActiveDirectoryWorkloadIdentity", String::new(), vars);
        }
        // Default with nothing but a signed-in Azure CLI (fake `az` first on PATH). Its IMDS
        // probe goes to the mock's "VM without an identity", never to 169.254.169.254, so the
        // result does not depend on the machine the tests run on.
        add(
            "ActiveDirectoryDefault",
            String::new(),
            json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": format!("{}/no-identity", self.http_url)}),
        );

        let mut out = Map::new();
        out.insert("entra_url".into(), json!(self.http_url));
        out.insert("entra_https_url".into(), json!(self.https_url));
        out.insert("entra_tenant".into(), json!(self.tenant));
        out.insert("ca_file".into(), json!(self.ca_file));
        out.insert("connection_strings".into(), Value::Object(conn));
        out.insert("env".into(), Value::Object(env));
        out
    }
}
