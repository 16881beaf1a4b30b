//! Validation of Entra ID access tokens presented in LOGIN7 FEDAUTH (RS256 JWTs), the way Azure SQL
//! checks them: signature against trusted keys, audience = the SPN (trailing slash optional),
//! expiry and not-before, tenant; then the identity is mapped to a database principal.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;
use serde_json::Value;

use crate::config::{FedAuthConfig, Principal};

/// Clock skew tolerated on `exp` and `nbf`, as Azure does (a few minutes).
const SKEW_SECS: i64 = 300;

/// Why a token was refused; each maps to Azure SQL's login failure text.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed(String),
    BadSignature,
    Expired,
    NotYetValid,
    WrongAudience(String),
    WrongTenant(String),
    UnknownPrincipal,
}

impl TokenError {
    /// The 18456 message text a client sees. Azure SQL keeps it generic on purpose (no hints
    /// to attackers) except for expiry, which it names.
    pub fn login_message(&self) -> String {
        let who = "Login failed for user '<token-identified principal>'.";
        match self {
            TokenError::Expired => format!("{who} Token is expired."),
            _ => who.to_string(),
        }
    }

    /// The 18456 state number Azure SQL reports. Known: an expired token is state 233
    /// ("Msg 18456, Level 14, State 233 ... Token is expired.", as Azure Data Studio users
    /// report it); a principal without a database user is state 1 (Microsoft's Azure Database
    /// Support blog, "AAD Auth Error - Login failed for user '<token-identified principal>'").
    /// Azure's states for the other refusals are not public: they keep the generic state 1.
    pub fn state(&self) -> u8 {
        match self {
            TokenError::Expired => 233,
            _ => 1,
        }
    }
}

/// An accepted token: who it is and where it logs in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub principal: String,
    pub database: Option<String>,
    /// The claims, for logs (no signature, never the raw token).
    pub oid: Option<String>,
    pub upn: Option<String>,
}

/// Checks `token` (the compact JWT) and maps it to a configured principal.
pub fn validate(
    token: &str,
    keys: &[PKey<Public>],
    fedauth: &FedAuthConfig,
    principals: &[Principal],
) -> Result<Identity, TokenError> {
    let claims = verified_claims(token, keys)?;
    check_times(&claims, now_secs())?;
    check_audience(&claims, &fedauth.spn)?;
    if let Some(tenant) = &fedauth.tenant {
        let tid = claim(&claims, "tid").unwrap_or_default();
        if !tid.eq_ignore_ascii_case(tenant) {
            return Err(TokenError::WrongTenant(tid));
        }
    }
    map_principal(&claims, principals)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn verified_claims(token: &str, keys: &[PKey<Public>]) -> Result<Value, TokenError> {
    let token = token.trim_end_matches('\0').trim();
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed(
            "not three dot-separated parts".into(),
        ));
    };
    let header_json = decode_json(header)?;
    let alg = header_json.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(TokenError::Malformed(format!("alg {alg:?} is not RS256")));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| TokenError::Malformed(format!("signature: {e}")))?;
    let signed = format!("{header}.{payload}");
    let good = keys
        .iter()
        .any(|key| verify_rs256(key, signed.as_bytes(), &signature));
    if !good {
        return Err(TokenError::BadSignature);
    }
    decode_json(payload)
}

fn verify_rs256(key: &PKey<Public>, data: &[u8], signature: &[u8]) -> bool {
    let Ok(mut verifier) = Verifier::new(MessageDigest::sha256(), key) else {
        return false;
    };
    verifier.update(data).is_ok() && verifier.verify(signature).unwrap_or(false)
}

fn decode_json(part: &str) -> Result<Value, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| TokenError::Malformed(format!("base64url: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| TokenError::Malformed(format!("json: {e}")))
}

fn check_times(claims: &Value, now: i64) -> Result<(), TokenError> {
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(TokenError::Malformed("no exp".into()))?;
    if now > exp + SKEW_SECS {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64)
        && now + SKEW_SECS < nbf
    {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

fn check_audience(claims: &Value, spn: &str) -> Result<(), TokenError> {
    let wanted = spn.trim_end_matches('/');
    let matches = |aud: &str| aud.trim_end_matches('/').eq_ignore_ascii_case(wanted);
    let ok = match claims.get("aud") {
        Some(Value::String(aud)) => matches(aud),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TokenError::WrongAudience(
            claims.get("aud").map(|a| a.to_string()).unwrap_or_default(),
        ))
    }
}

fn claim(claims: &Value, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_string)
}

fn map_principal(claims: &Value, principals: &[Principal]) -> Result<Identity, TokenError> {
    let oid = claim(claims, "oid");
    let appid = claim(claims, "appid").or_else(|| claim(claims, "azp"));
    let upn = claim(claims, "upn")
        .or_else(|| claim(claims, "preferred_username"))
        .or_else(|| claim(claims, "unique_name"));
    let same = |want: &Option<String>, got: &Option<String>| match (want, got) {
        (Some(w), Some(g)) => w.eq_ignore_ascii_case(g),
        _ => false,
    };
    principals
        .iter()
        .find(|p| same(&p.oid, &oid) || same(&p.appid, &appid) || same(&p.upn, &upn))
        .map(|p| Identity {
            principal: p.name.clone(),
            database: p.database.clone(),
            oid: oid.clone(),
            upn: upn.clone(),
        })
        .ok_or(TokenError::UnknownPrincipal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;
    use openssl::sign::Signer;

    fn sign(claims: &Value, key: &PKey<openssl::pkey::Private>) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
        signer
            .update(format!("{header}.{payload}").as_bytes())
            .unwrap();
        format!(
            "{header}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(signer.sign_to_vec().unwrap())
        )
    }

    fn setup() -> (
        PKey<openssl::pkey::Private>,
        Vec<PKey<Public>>,
        FedAuthConfig,
        Vec<Principal>,
    ) {
        let private = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let public = PKey::public_key_from_pem(&private.public_key_to_pem().unwrap()).unwrap();
        let principals = vec![Principal {
            name: "alice@contoso.com".into(),
            oid: Some("11111111-1111-1111-1111-111111111111".into()),
            appid: None,
            upn: None,
            database: None,
        }];
        (private, vec![public], FedAuthConfig::default(), principals)
    }

    fn claims(exp_offset: i64, aud: &str, oid: &str) -> Value {
        let now = now_secs();
        serde_json::json!({"aud": aud, "exp": now + exp_offset, "nbf": now - 10, "oid": oid, "tid": "t1"})
    }

    const OID: &str = "11111111-1111-1111-1111-111111111111";

    #[test]
    fn accepts_good_token_with_or_without_trailing_slash() {
        let (key, keys, fa, principals) = setup();
        for aud in [
            "https://database.windows.net/",
            "https://database.windows.net",
        ] {
            let id = validate(
                &sign(&claims(3600, aud, OID), &key),
                &keys,
                &fa,
                &principals,
            )
            .unwrap();
            assert_eq!(id.principal, "alice@contoso.com");
        }
    }

    #[test]
    fn refuses_expired_wrong_audience_unknown_and_forged() {
        let (key, keys, fa, principals) = setup();
        let aud = "https://database.windows.net/";
        let check = |t: &str| validate(t, &keys, &fa, &principals).unwrap_err();
        assert_eq!(
            check(&sign(&claims(-3600, aud, OID), &key)),
            TokenError::Expired
        );
        assert!(matches!(
            check(&sign(
                &claims(3600, "https://storage.azure.com/", OID),
                &key
            )),
            TokenError::WrongAudience(_)
        ));
        assert_eq!(
            check(&sign(&claims(3600, aud, "other"), &key)),
            TokenError::UnknownPrincipal
        );
        let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        assert_eq!(
            check(&sign(&claims(3600, aud, OID), &other)),
            TokenError::BadSignature
        );
        assert!(matches!(check("abc"), TokenError::Malformed(_)));
    }

    #[test]
    fn refuses_not_yet_valid_and_wrong_tenant() {
        let (key, keys, mut fa, principals) = setup();
        let aud = "https://database.windows.net/";
        let mut early = claims(7200, aud, OID);
        early["nbf"] = (now_secs() + 3600).into();
        assert_eq!(
            validate(&sign(&early, &key), &keys, &fa, &principals).unwrap_err(),
            TokenError::NotYetValid
        );
        fa.tenant = Some("t2".into());
        let wrong = validate(
            &sign(&claims(3600, aud, OID), &key),
            &keys,
            &fa,
            &principals,
        );
        assert!(matches!(wrong.unwrap_err(), TokenError::WrongTenant(t) if t == "t1"));
        fa.tenant = Some("T1".into());
        assert!(
            validate(
                &sign(&claims(3600, aud, OID), &key),
                &keys,
                &fa,
                &principals
            )
            .is_ok()
        );
    }

    #[test]
    fn maps_appid_azp_upn_and_preferred_username_to_principals() {
        let (key, keys, fa, _) = setup();
        let principal = |name: &str, appid: Option<&str>, upn: Option<&str>| Principal {
            name: name.into(),
            oid: None,
            appid: appid.map(Into::into),
            upn: upn.map(Into::into),
            database: Some("master".into()),
        };
        let principals = vec![
            principal("app", Some("app-1"), None),
            principal("bob", None, Some("bob@contoso.com")),
        ];
        let with = |name: &str, value: &str| {
            let mut c = claims(3600, "https://database.windows.net/", "no-such-oid");
            c[name] = value.into();
            validate(&sign(&c, &key), &keys, &fa, &principals)
        };
        for (claim, value, who) in [
            ("appid", "app-1", "app"),
            ("azp", "app-1", "app"),
            ("upn", "bob@contoso.com", "bob"),
            ("preferred_username", "BOB@contoso.com", "bob"),
        ] {
            let id = with(claim, value).unwrap();
            assert_eq!(
                (id.principal.as_str(), id.database.as_deref()),
                (who, Some("master"))
            );
        }
    }

    #[test]
    fn refusal_states_follow_azure() {
        assert_eq!(TokenError::Expired.state(), 233);
        assert_eq!(TokenError::UnknownPrincipal.state(), 1);
        assert!(
            TokenError::Expired
                .login_message()
                .ends_with("Token is expired.")
        );
    }
}
