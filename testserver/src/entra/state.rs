//! The mock's shared state: keys, per-endpoint counters, scripted faults and pending
//! device-code / authorization-code sessions.

use super::config::EntraConfig;
use super::crypto;
use openssl::pkey::{PKey, Private, Public};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Mock {
    pub config: EntraConfig,
    /// The key access tokens are signed with; `POST /_signing_key/rotate` replaces it.
    pub signing: Mutex<SigningKey>,
    /// Told of each rotation (the TDS listener: it stops trusting the retired key).
    pub on_rotation: Mutex<Option<RotationHook>>,
    /// The "Kubernetes" issuer that signs federated (workload identity) assertions.
    pub federation_key: PKey<Private>,
    /// x5t -> (client id, public key) of application certificates.
    pub client_certs: HashMap<String, (String, PKey<Public>)>,
    pub dir: PathBuf,
    pub arc_key_dir: PathBuf,
    pub app_service_secret: String,
    pub counters: Mutex<BTreeMap<String, u64>>,
    pub faults: Mutex<Vec<Fault>>,
    pub device_codes: Mutex<HashMap<String, DeviceSession>>,
    pub auth_codes: Mutex<HashMap<String, AuthCode>>,
    /// Arc: the secret written to the most recent key file.
    pub arc_secret: Mutex<Option<String>>,
    /// Lifetime of tokens issued from now on (config value, changed by `POST /_config`).
    pub token_lifetime_secs: AtomicU64,
    /// "METHOD /path" of the last requests (no query or body: they can carry secrets).
    pub recent: Mutex<std::collections::VecDeque<String>>,
}

pub struct SigningKey {
    pub key: PKey<Private>,
    pub kid: String,
}

impl SigningKey {
    pub fn generate() -> anyhow::Result<SigningKey> {
        Ok(SigningKey {
            key: crypto::new_rsa_key()?,
            kid: crypto::random_token(8),
        })
    }
}

/// Called with the retired and the new public key.
pub type RotationHook = Box<dyn Fn(&PKey<Public>, &PKey<Public>) + Send + Sync>;

pub struct DeviceSession {
    pub client_id: String,
    pub scope: String,
    pub polls: u32,
    pub expires_at: u64,
}

pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub user: String,
}

/// A scripted misbehaviour, set with `POST /_faults`.
#[derive(Clone, Debug, Deserialize)]
pub struct Fault {
    /// Endpoint name as counted in `/_counters` ("token", "token:client_credentials",
    /// "imds", "appservice", "arc", "cloudshell", "devicecode", "authorize", "cli:az",
    /// "cli:azd") or "*".
    pub endpoint: String,
    /// Answer with this status instead of serving (none: only `delay_ms` applies).
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Entra error code: the body becomes the real AADSTS JSON shape.
    #[serde(default)]
    pub aadsts: Option<u32>,
    /// OAuth `error` field (default from the status / "invalid_request").
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Raw body to send instead (e.g. an HTML 500 page).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many requests it affects (none: all until cleared).
    #[serde(default)]
    pub times: Option<u32>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Mock {
    pub fn count(&self, name: &str) {
        *self
            .counters
            .lock()
            .unwrap()
            .entry(name.to_string())
            .or_insert(0) += 1;
    }

    pub fn counters_json(&self) -> Value {
        json!(&*self.counters.lock().unwrap())
    }

    /// The first armed fault for any of `names`, consuming one of its `times`.
    pub fn take_fault(&self, names: &[&str]) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap();
        let idx = faults
            .iter()
            .position(|f| f.endpoint == "*" || names.contains(&f.endpoint.as_str()))?;
        let fault = faults[idx].clone();
        if let Some(t) = faults[idx].times.as_mut() {
            *t = t.saturating_sub(1);
            if *t == 0 {
                faults.remove(idx);
            }
        }
        Some(fault)
    }

    pub fn issuer(&self) -> String {
        format!("https://sts.windows.net/{}/", self.config.tenant)
    }

    /// Signs an access token for `audience` with the principal's claims merged in.
    pub fn issue_token(&self, audience: &str, principal: Value) -> (String, u64) {
        let now = now();
        let lifetime = self.token_lifetime_secs.load(Ordering::SeqCst);
        let mut claims = json!({
            "aud": audience,
            "iss": self.issuer(),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": self.config.tenant,
            "ver": "1.0",
            "uti": crypto::random_token(12),
        });
        if let (Some(c), Some(p)) = (claims.as_object_mut(), principal.as_object()) {
            for (k, v) in p {
                c.insert(k.clone(), v.clone());
            }
        }
        let signing = self.signing.lock().unwrap();
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": signing.kid});
        let token = crypto::sign_jwt(&signing.key, &header, &claims).expect("RSA signing");
        (token, lifetime)
    }

    /// Signs with a new key from now on, and tells the listener, which stops trusting the old
    /// one: every token issued before is refused at login. This is how tests make the server
    /// refuse a token it accepted a moment ago (in Azure: the principal's group membership
    /// changed, or the token was revoked).
    pub fn rotate_signing_key(&self) -> anyhow::Result<()> {
        let fresh = SigningKey::generate()?;
        let new_public = crypto::public_key_of(&fresh.key)?;
        let retired = std::mem::replace(&mut *self.signing.lock().unwrap(), fresh);
        let retired_public = crypto::public_key_of(&retired.key)?;
        if let Some(hook) = &*self.on_rotation.lock().unwrap() {
            hook(&retired_public, &new_public);
        }
        Ok(())
    }

    pub fn write_federated_token(&self) -> std::io::Result<PathBuf> {
        let now = now();
        let claims = json!({
            "iss": "https://oidc.mock.example/",
            "sub": super::config::FEDERATED_SUBJECT,
            "aud": ["api://AzureADTokenExchange"],
            "iat": now, "nbf": now, "exp": now + 3600,
            "jti": crypto::random_token(9),
        });
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": "k8s-issuer"});
        let jwt = crypto::sign_jwt(&self.federation_key, &header, &claims).expect("RSA signing");
        let path = self.federated_token_path();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, jwt)?;
        std::fs::rename(&tmp, &path)?; // atomic, as the kubelet's symlink swap is
        Ok(path)
    }

    pub fn federated_token_path(&self) -> PathBuf {
        self.dir.join("federated-token")
    }
}
