//! Secrets and tokens that never print themselves.

use std::fmt;

/// A password, client secret or certificate password. `Debug` shows only that it is set.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// A short, non-reversible fingerprint for cache keys (SHA-256, first 16 hex digits).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.0.as_bytes())
    }
}

pub fn fingerprint(bytes: &[u8]) -> String {
    let d = openssl::sha::sha256(bytes);
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(empty)"
        } else {
            "Secret(***)"
        })
    }
}

/// An access token and when it stops being valid (Unix seconds).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub access_token: Secret,
    pub expires_on: u64,
}

impl Token {
    /// The bytes of the FEDAUTH_TOKEN message: the token in UTF-16LE.
    pub fn utf16le(&self) -> Vec<u8> {
        self.access_token
            .expose()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(expires_on={})", self.expires_on)
    }
}
