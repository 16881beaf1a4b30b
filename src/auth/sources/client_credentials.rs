//! Client credentials grant: a service principal with a secret, a certificate (signed JWT
//! assertion with `x5t`), or a federated assertion (workload identity, in its own module).

use super::{SourceError, TokenSource, unix_now};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::params::EntraParams;
use crate::auth::secret::{Secret, Token, fingerprint};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub enum Credential {
    Secret(Secret),
    Certificate(Box<ClientCertificate>),
}

pub struct ClientCredentials {
    pub label: &'static str,
    pub client_id: String,
    pub authority: Authority,
    pub credential: Credential,
}

pub struct ClientCertificate {
    cert: X509,
    key: PKey<Private>,
    thumbprint: String,
}

const OBJECT_ID_HINT: &str = "UID must be the application (client) id shown on the app \
registration's Overview page, not the object id of the application or of its service principal.";

pub fn from_params(
    params: &EntraParams,
    authority: &Authority,
) -> Result<ClientCredentials, SourceError> {
    let label = if params.uses_certificate() {
        "ClientCertificate"
    } else {
        "ClientSecret"
    };
    let Some(client_id) = params.user() else {
        return Err(SourceError::hard(
            label,
            "UID (the application's client id) is required",
        ));
    };
    let credential = if params.uses_certificate() {
        let path = params
            .client_certificate
            .as_deref()
            .expect("uses_certificate");
        Credential::Certificate(Box::new(ClientCertificate::load(path, params.secret())?))
    } else {
        match params.secret() {
            Some(s) => Credential::Secret(s.clone()),
            None => {
                return Err(SourceError::hard(
                    label,
                    "PWD (the client secret) or ClientCertPath (a PEM or PKCS#12 file) is required",
                ));
            }
        }
    };
    Ok(ClientCredentials {
        label,
        client_id: client_id.to_string(),
        authority: authority.clone(),
        credential,
    })
}

impl ClientCredentials {
    /// Cache-key part: a hash of the secret, or the certificate thumbprint.
    pub fn credential_fingerprint(&self) -> String {
        match &self.credential {
            Credential::Secret(s) => s.fingerprint(),
            Credential::Certificate(c) => c.thumbprint.clone(),
        }
    }
}

#[async_trait]
impl TokenSource for ClientCredentials {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let url = self.authority.token_url();
        let mut form = vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", self.client_id.clone()),
            ("scope", self.authority.scope.clone()),
        ];
        match &self.credential {
            Credential::Secret(s) => form.push(("client_secret", s.expose().to_string())),
            Credential::Certificate(c) => {
                form.push(("client_assertion_type", ASSERTION_TYPE.into()));
                form.push((
                    "client_assertion",
                    c.assertion(&self.client_id, &url)
                        .map_err(|e| SourceError::hard(self.label, e))?,
                ));
            }
        }
        let req = http::client().post(&url).form(&form);
        http::token_request(self.label, req, budget)
            .await
            .map_err(|e| add_hints(e, &self.client_id))
    }
}

fn add_hints(e: SourceError, client_id: &str) -> SourceError {
    match e.aadsts {
        Some(700016) | Some(700038) => e.with_hint(OBJECT_ID_HINT),
        Some(7000215) => e.with_hint(
            "PWD must be the client secret's Value (shown once when it was created), not its Secret ID.",
        ),
        Some(7000222) => e.with_hint("The client secret has expired: create a new one on the app registration."),
        Some(700027) => e.with_hint(format!(
            "Upload this certificate (public part) to the app registration '{client_id}' under Certificates & secrets."
        )),
        Some(90002) => e.with_hint("The tenant in the server's STS URL does not know this application."),
        Some(500011) => e.with_hint("The server asked for a resource (SPN) this tenant does not have; check the server name."),
        _ => e,
    }
}

impl ClientCertificate {
    /// PEM (certificate + private key, key optionally encrypted with `password`) or PKCS#12.
    pub fn load(path: &Path, password: Option<&Secret>) -> Result<ClientCertificate, SourceError> {
        let fail = |why: String| {
            SourceError::hard(
                "ClientCertificate",
                format!("cannot use the certificate '{}': {why}", path.display()),
            )
        };
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let (cert, key) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            let cert = X509::from_pem(&bytes)
                .map_err(|_| fail("no CERTIFICATE block in the PEM file".into()))?;
            let key = match password {
                Some(p) => PKey::private_key_from_pem_passphrase(&bytes, p.expose().as_bytes()),
                None => PKey::private_key_from_pem(&bytes),
            }
            .map_err(|_| fail("no readable PRIVATE KEY block (encrypted keys need PWD)".into()))?;
            (cert, key)
        } else {
            let p12 = openssl::pkcs12::Pkcs12::from_der(&bytes)
                .map_err(|_| fail("neither PEM nor PKCS#12".into()))?;
            let parsed = p12
                .parse2(password.map(Secret::expose).unwrap_or(""))
                .map_err(|_| fail("cannot open the PKCS#12 file (wrong or missing PWD?)".into()))?;
            match (parsed.cert, parsed.pkey) {
                (Some(c), Some(k)) => (c, k),
                _ => {
                    return Err(fail(
                        "the PKCS#12 file lacks a certificate or a private key".into(),
                    ));
                }
            }
        };
        if key.rsa().is_err() {
            return Err(fail(
                "only RSA keys can sign the RS256 client assertion".into(),
            ));
        }
        let digest = cert
            .digest(MessageDigest::sha1())
            .map_err(|e| fail(e.to_string()))?;
        Ok(ClientCertificate {
            thumbprint: URL_SAFE_NO_PAD.encode(digest),
            cert,
            key,
        })
    }

    /// The client assertion JWT: aud = token URL, iss = sub = client id, 5 minutes.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<String, String> {
        let now = unix_now();
        let mut jti = [0u8; 16];
        openssl::rand::rand_bytes(&mut jti).map_err(|e| e.to_string())?;
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t": self.thumbprint});
        let claims = json!({"aud": token_url, "iss": client_id, "sub": client_id,
            "jti": fingerprint(&jti), "nbf": now, "iat": now, "exp": now + 300});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &self.key)
            .map_err(|e| e.to_string())?;
        signer.update(input.as_bytes()).map_err(|e| e.to_string())?;
        let sig = signer.sign_to_vec().map_err(|e| e.to_string())?;
        let _ = &self.cert;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}
