//! Keys, certificates and RS256 JWTs, all with OpenSSL (the one TLS stack of the project).

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509NameBuilder};
use serde_json::Value;

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(text: &str) -> Result<Vec<u8>> {
    Ok(URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))?)
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    openssl::rand::rand_bytes(&mut buf).expect("OpenSSL RNG");
    b64url(&buf)
}

pub fn new_rsa_key() -> Result<PKey<Private>> {
    Ok(PKey::from_rsa(Rsa::generate(2048)?)?)
}

/// A certificate authority: the TDS listener's (passed in) or one made here.
#[derive(Clone)]
pub struct Ca {
    pub cert: X509,
    pub key: PKey<Private>,
}

impl Ca {
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Ca> {
        Ok(Ca {
            cert: X509::from_pem(cert_pem).context("CA certificate PEM")?,
            key: PKey::private_key_from_pem(key_pem).context("CA key PEM")?,
        })
    }

    pub fn generate() -> Result<Ca> {
        let key = new_rsa_key()?;
        let name = simple_name("testserver entra mock CA")?;
        let mut b = X509::builder()?;
        b.set_version(2)?;
        b.set_serial_number(&*serial()?)?;
        b.set_subject_name(&name)?;
        b.set_issuer_name(&name)?;
        b.set_pubkey(&key)?;
        b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
        b.set_not_after(&*Asn1Time::days_from_now(3650)?)?;
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(Ca {
            cert: b.build(),
            key,
        })
    }

    /// A TLS server certificate for the loopback names.
    pub fn issue_server_cert(&self) -> Result<(X509, PKey<Private>)> {
        let key = new_rsa_key()?;
        let mut b = X509::builder()?;
        b.set_version(2)?;
        b.set_serial_number(&*serial()?)?;
        b.set_subject_name(&*simple_name("localhost")?)?;
        b.set_issuer_name(self.cert.subject_name())?;
        b.set_pubkey(&key)?;
        b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
        b.set_not_after(&*Asn1Time::days_from_now(825)?)?;
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .ip("::1")
            .build(&b.x509v3_context(Some(&self.cert), None))?;
        b.append_extension(san)?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok((b.build(), key))
    }
}

/// A self-signed certificate an application registration trusts for client assertions.
pub fn self_signed_client_cert(cn: &str) -> Result<(X509, PKey<Private>)> {
    let key = new_rsa_key()?;
    let name = simple_name(cn)?;
    let mut b = X509::builder()?;
    b.set_version(2)?;
    b.set_serial_number(&*serial()?)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(&key)?;
    b.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    b.set_not_after(&*Asn1Time::days_from_now(365)?)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok((b.build(), key))
}

/// base64url(SHA-1(DER)): the `x5t` header of a certificate assertion.
pub fn x5t(cert: &X509) -> Result<String> {
    Ok(b64url(&cert.digest(MessageDigest::sha1())?))
}

fn simple_name(cn: &str) -> Result<openssl::x509::X509Name> {
    let mut n = X509NameBuilder::new()?;
    n.append_entry_by_text("CN", cn)?;
    Ok(n.build())
}

fn serial() -> Result<openssl::asn1::Asn1Integer> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false)?;
    Ok(bn.to_asn1_integer()?)
}

/// Compact RS256 JWT.
pub fn sign_jwt(key: &PKey<Private>, header: &Value, claims: &Value) -> Result<String> {
    let signing_input = format!(
        "{}.{}",
        b64url(&serde_json::to_vec(header)?),
        b64url(&serde_json::to_vec(claims)?)
    );
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    signer.update(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        b64url(&signer.sign_to_vec()?)
    ))
}

/// A JWT split into its parts, signature not yet checked.
pub struct UnverifiedJwt {
    pub header: Value,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl UnverifiedJwt {
    pub fn parse(token: &str) -> Result<UnverifiedJwt> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        if parts.len() != 3 {
            bail!("not a compact JWT ({} parts)", parts.len());
        }
        Ok(UnverifiedJwt {
            header: serde_json::from_slice(&b64url_decode(parts[0])?)?,
            claims: serde_json::from_slice(&b64url_decode(parts[1])?)?,
            signing_input: format!("{}.{}", parts[0], parts[1]),
            signature: b64url_decode(parts[2])?,
        })
    }

    pub fn verify_rs256(&self, key: &PKey<Public>) -> Result<()> {
        if self.header["alg"] != "RS256" {
            bail!("alg {} is not RS256", self.header["alg"]);
        }
        let mut v = Verifier::new(MessageDigest::sha256(), key)?;
        v.update(self.signing_input.as_bytes())?;
        if v.verify(&self.signature)? {
            Ok(())
        } else {
            Err(anyhow!("signature does not verify"))
        }
    }
}

pub fn public_key_of(key: &PKey<Private>) -> Result<PKey<Public>> {
    Ok(PKey::public_key_from_pem(&key.public_key_to_pem()?)?)
}
