//! Reading (never verifying) the claims of an access token: its `exp` bounds the cache entry,
//! and `aud`/`oid`/`appid`/`upn` make diagnostics specific.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub struct Claims {
    pub exp: Option<u64>,
    pub aud: Option<String>,
    pub oid: Option<String>,
    pub appid: Option<String>,
    pub upn: Option<String>,
    pub tid: Option<String>,
    pub name: Option<String>,
}

/// Claims of a compact JWT, or `None` when the token is not a JWT (opaque tokens exist).
pub fn peek(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Claims {
        exp: v.get("exp").and_then(Value::as_u64),
        aud: v.get("aud").and_then(|a| match a {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        }),
        oid: s("oid"),
        appid: s("appid").or_else(|| s("azp")),
        upn: s("upn")
            .or_else(|| s("unique_name"))
            .or_else(|| s("preferred_username")),
        tid: s("tid"),
        name: s("app_displayname").or_else(|| s("name")),
    })
}

impl Claims {
    /// The name a `CREATE USER [..] FROM EXTERNAL PROVIDER` would use: the UPN for users, the
    /// display name for applications and managed identities.
    pub fn principal_name(&self) -> Option<&str> {
        self.upn.as_deref().or(self.name.as_deref())
    }
}

/// The SID SQL Server derives for an Entra principal: the 16 bytes of the object id (users) or
/// application id (apps), in the GUID's little-endian field order, as `0x...`.
pub fn sid_literal(guid: &str) -> Option<String> {
    let hex: String = guid.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    Some(format!(
        "0x{}",
        order
            .iter()
            .map(|&i| format!("{:02X}", b[i]))
            .collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_is_guid_bytes_in_windows_order() {
        assert_eq!(
            sid_literal("0f1e2d3c-0000-4000-8000-00000000a001").unwrap(),
            "0x3C2D1E0F00000040800000000000A001"
        );
        assert!(sid_literal("not-a-guid").is_none());
    }

    #[test]
    fn peek_reads_claims_and_tolerates_opaque_tokens() {
        let payload = URL_SAFE_NO_PAD
            .encode(br#"{"exp":42,"aud":"https://database.windows.net/","upn":"a@b"}"#);
        let c = peek(&format!("h.{payload}.s")).unwrap();
        assert_eq!((c.exp, c.upn.as_deref()), (Some(42), Some("a@b")));
        assert!(peek("opaque").is_none());
    }
}
