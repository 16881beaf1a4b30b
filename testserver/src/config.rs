//! Configuration of the stand-in: listeners, logins, databases, Entra ID (FEDAUTH) trust, faults.
//!
//! Everything has a default, so `testserver` with no `--config` serves one database `test` with
//! one SQL login on free ephemeral ports. The TOML file may set any subset; see README.md.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use openssl::pkey::{PKey, Public};
use serde::Deserialize;

/// What the server answers in PRELOGIN ENCRYPTION (TDS 7.x port only).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    /// Encrypt the login only, unless the client asks for more (SQL Server's default).
    #[default]
    Off,
    /// Encrypt everything ("force encryption"); clients that cannot are refused.
    On,
    /// Encrypt everything; clients that cannot are refused.
    Required,
    /// No TLS at all.
    NotSupported,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the listeners bind (loopback only is expected).
    pub host: String,
    /// TDS 7.x port (PRELOGIN, then TLS inside PRELOGIN packets). 0 = a free ephemeral port.
    pub tds_port: u16,
    /// TDS 8.0 strict port (TLS first, ALPN tds/8.0). 0 = a free ephemeral port.
    pub strict_port: u16,
    /// Second TDS 7.x listener that routing ENVCHANGEs send clients to. 0 = a free ephemeral port.
    pub redirect_port: u16,
    pub encryption: Encryption,
    /// @@SERVERNAME and the server name in INFO/ERROR tokens.
    pub server_name: String,
    /// Databases the engine serves; the first is the default for logins that name none.
    pub databases: Vec<String>,
    /// Directory for the engine's database files; a fresh temporary directory when unset.
    pub data_dir: Option<PathBuf>,
    /// Where the generated CA certificate is written; next to the ready file when unset.
    pub ca_file: Option<PathBuf>,
    pub logins: Vec<SqlLogin>,
    pub fedauth: FedAuthConfig,
    pub principals: Vec<Principal>,
    pub faults: Faults,
    /// Largest accepted message (bytes), a guard against runaway clients.
    pub max_message_bytes: usize,
}

/// A SQL Server login (SQL authentication).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlLogin {
    pub name: String,
    pub password: String,
    /// Default database; the server's first database when unset.
    pub database: Option<String>,
}

/// Trust for Entra ID access tokens (LOGIN7 FEDAUTH).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FedAuthConfig {
    /// STS URL announced in FEDAUTHINFO (the MSAL workflow), e.g. `http://127.0.0.1:PORT/TENANT`.
    pub sts_url: String,
    /// SPN announced in FEDAUTHINFO; also the accepted audience (with or without trailing slash).
    pub spn: String,
    /// When set, tokens must carry this `tid`.
    pub tenant: Option<String>,
    /// PEM public keys (SPKI) or certificates trusted for RS256 signatures.
    pub public_keys_pem: Vec<String>,
    /// Files holding such PEM keys, read at start.
    pub public_key_files: Vec<PathBuf>,
    /// Send FEDAUTHREQUIRED=1 in PRELOGIN.
    pub required: bool,
}

/// A database principal created from an Entra ID identity. A token maps to the first principal
/// whose `oid`, `appid` or `upn` matches the token's claims.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// The database user name sessions run as (`SUSER_NAME()`).
    pub name: String,
    pub oid: Option<String>,
    pub appid: Option<String>,
    pub upn: Option<String>,
    pub database: Option<String>,
}

/// Faults applied to every connection (per-connection control statements can add more).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before answering LOGIN7, in milliseconds.
    pub login_delay_ms: u64,
    /// Refuse every login with 18456.
    pub reject_logins: bool,
    /// Answer logins on the TDS 7.x port with a routing ENVCHANGE to the redirect listener.
    pub route_logins: bool,
    /// Close the socket after this many rows of any one request.
    pub drop_after_rows: Option<u64>,
    /// Pause this long before each response, in milliseconds.
    pub stall_ms: u64,
    /// End each session this many milliseconds after login (the socket is closed).
    pub session_lifetime_ms: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            tds_port: 0,
            strict_port: 0,
            redirect_port: 0,
            encryption: Encryption::Off,
            server_name: "testserver".into(),
            databases: vec!["test".into(), "master".into()],
            data_dir: None,
            ca_file: None,
            logins: vec![SqlLogin {
                name: "testuser".into(),
                password: "Test-Passw0rd!".into(),
                database: None,
            }],
            fedauth: FedAuthConfig::default(),
            principals: Vec::new(),
            faults: Faults::default(),
            max_message_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Default for FedAuthConfig {
    fn default() -> Self {
        FedAuthConfig {
            sts_url: "https://login.microsoftonline.com/common".into(),
            spn: "https://database.windows.net/".into(),
            tenant: None,
            public_keys_pem: Vec::new(),
            public_key_files: Vec::new(),
            required: false,
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let config: Config =
            toml::from_str(&text).with_context(|| format!("parsing config {}", path.display()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        anyhow::ensure!(!self.databases.is_empty(), "config: `databases` is empty");
        anyhow::ensure!(
            !self.logins.is_empty() || !self.principals.is_empty(),
            "config: no SQL login and no Entra principal: nobody could log in"
        );
        Ok(())
    }

    pub fn default_database(&self) -> &str {
        &self.databases[0]
    }

    /// The keys trusted for FEDAUTH tokens, from `public_keys_pem` and `public_key_files`.
    pub fn trusted_keys(&self) -> Result<TrustedKeys> {
        let keys = TrustedKeys::default();
        for pem in &self.fedauth.public_keys_pem {
            keys.add_pem(pem.as_bytes())?;
        }
        for file in &self.fedauth.public_key_files {
            let pem = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            keys.add_pem(&pem)
                .with_context(|| format!("key file {}", file.display()))?;
        }
        Ok(keys)
    }
}

/// RS256 verification keys, shared by all connections; keys may be added while serving
/// (the Entra mock generates its signing key at start).
#[derive(Clone, Default)]
pub struct TrustedKeys(Arc<RwLock<Vec<PKey<Public>>>>);

impl TrustedKeys {
    /// Adds a PEM public key (`BEGIN PUBLIC KEY`, `BEGIN RSA PUBLIC KEY`) or certificate.
    pub fn add_pem(&self, pem: &[u8]) -> Result<()> {
        let key = PKey::public_key_from_pem(pem)
            .or_else(|_| openssl::rsa::Rsa::public_key_from_pem_pkcs1(pem).and_then(PKey::from_rsa))
            .or_else(|_| openssl::x509::X509::from_pem(pem).and_then(|c| c.public_key()))
            .context("not a PEM public key or certificate")?;
        self.0.write().unwrap_or_else(|e| e.into_inner()).push(key);
        Ok(())
    }

    /// Trusts `new` instead of `retired` (a signing-key rotation that revokes the old key).
    pub fn replace(&self, retired: &PKey<Public>, new: &PKey<Public>) {
        let mut keys = self.0.write().unwrap_or_else(|e| e.into_inner());
        keys.retain(|k| !k.public_eq(retired));
        keys.push(new.clone());
    }

    pub fn snapshot(&self) -> Vec<PKey<Public>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
