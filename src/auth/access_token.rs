//! `SQL_COPT_SS_ACCESS_TOKEN` (1256): `struct { DWORD dataSize; BYTE data[]; }` with the token
//! in UTF-16LE.
//!
//! The ffi layer reads the 4-byte size, then `dataSize` bytes, and hands over only bytes it
//! could read; this module judges them. The commonest user mistake (a UTF-8 token, i.e.
//! `struct.pack('<I', len(t)) + t.encode()`) gets a message that says how to fix it instead of
//! the server's opaque "not configured to accept this token".
//!
//! The token is never printed: `Debug` is redacted, and the claim helpers read the JWT payload
//! (without verifying it) only to explain failures such as an expired token.

use crate::connect::ConnectProblem;
use base64::Engine as _;

/// An access token given by the application. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    token: String,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccessToken(*** {} chars)", self.token.len())
    }
}

/// Claims read from a JWT payload, for diagnostics only (never verified).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// Expiry, seconds since the Unix epoch.
    pub exp: Option<i64>,
    /// Audience (the first one if it is a list).
    pub aud: Option<String>,
    /// Object id of the principal.
    pub oid: Option<String>,
    /// Client id of the application that got the token (`appid`, or v2 `azp`).
    pub appid: Option<String>,
    /// User principal name (`upn`, else `preferred_username`, else `unique_name`).
    pub upn: Option<String>,
    /// Tenant id.
    pub tid: Option<String>,
}

fn token_problem(message: impl Into<String>) -> ConnectProblem {
    ConnectProblem {
        sqlstate: "HY024",
        native: 0,
        message: message.into(),
    }
}

impl AccessToken {
    /// Reads the attribute's bytes: a little-endian `u32` size, then that many bytes of
    /// UTF-16LE token.
    pub fn from_attribute(bytes: &[u8]) -> Result<AccessToken, ConnectProblem> {
        let Some((size_bytes, rest)) = bytes.split_first_chunk::<4>() else {
            return Err(token_problem(format!(
                "SQL_COPT_SS_ACCESS_TOKEN: the buffer has {} bytes, fewer than the 4-byte dataSize header of struct {{ DWORD dataSize; BYTE data[]; }}",
                bytes.len()
            )));
        };
        let size = u32::from_le_bytes(*size_bytes) as usize;
        if rest.len() < size {
            return Err(token_problem(format!(
                "SQL_COPT_SS_ACCESS_TOKEN: dataSize says {size} bytes but only {} follow it; dataSize must be the byte length of the UTF-16LE token",
                rest.len()
            )));
        }
        Self::from_utf16le(&rest[..size])
    }

    /// Reads either the whole struct or just its `data` (what the ffi layer copies after
    /// reading `dataSize`). The two cannot be confused: a struct's first four bytes equal the
    /// length that follows, while the first four bytes of UTF-16LE text (`c1 00 c2 00`) read as
    /// a number of at least 2 MiB, more than any token.
    pub fn from_struct_or_data(bytes: &[u8]) -> Result<AccessToken, ConnectProblem> {
        let declares_own_length = bytes
            .first_chunk::<4>()
            .is_some_and(|h| u32::from_le_bytes(*h) as usize == bytes.len() - 4);
        if declares_own_length {
            Self::from_attribute(bytes)
        } else {
            Self::from_utf16le(bytes)
        }
    }

    /// Reads the token bytes themselves (the struct's `data`).
    pub fn from_utf16le(data: &[u8]) -> Result<AccessToken, ConnectProblem> {
        if data.is_empty() {
            return Err(token_problem(
                "SQL_COPT_SS_ACCESS_TOKEN: the access token is empty (dataSize is 0)",
            ));
        }
        if looks_single_byte(data) {
            return Err(token_problem(
                "SQL_COPT_SS_ACCESS_TOKEN: the access token looks UTF-8 encoded; SQL_COPT_SS_ACCESS_TOKEN expects UTF-16LE: tok.encode('utf-16-le')",
            ));
        }
        if !data.len().is_multiple_of(2) {
            return Err(token_problem(format!(
                "SQL_COPT_SS_ACCESS_TOKEN: dataSize {} is odd; a UTF-16LE token has an even byte length",
                data.len()
            )));
        }
        let units: Vec<u16> = data
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        if let Some(at) = units.iter().position(|&u| u == 0) {
            return Err(token_problem(format!(
                "SQL_COPT_SS_ACCESS_TOKEN: the access token has a NUL character at position {at} of {}; dataSize must not count a terminator",
                units.len()
            )));
        }
        let token = String::from_utf16(&units).map_err(|_| {
            token_problem("SQL_COPT_SS_ACCESS_TOKEN: the access token is not valid UTF-16LE")
        })?;
        Ok(AccessToken { token })
    }

    /// Wraps a token obtained as text.
    pub fn from_string(token: String) -> Result<AccessToken, ConnectProblem> {
        if token.is_empty() {
            return Err(token_problem("the access token is empty"));
        }
        if token.contains('\0') {
            return Err(token_problem("the access token contains a NUL character"));
        }
        Ok(AccessToken { token })
    }

    /// The token text, for the LOGIN7 FEDAUTH feature only.
    pub fn expose(&self) -> &str {
        &self.token
    }

    /// The JWT claims, when the token is a JWT with a JSON payload.
    pub fn claims(&self) -> Option<TokenClaims> {
        jwt_claims(&self.token)
    }

    /// Fails with a clear message when the token's `exp` claim is not after `now` (Unix
    /// seconds): Azure drops such a login without an error token.
    pub fn check_not_expired(&self, now_unix: i64) -> Result<(), ConnectProblem> {
        let Some(exp) = self.claims().and_then(|c| c.exp) else {
            return Ok(());
        };
        if exp > now_unix {
            return Ok(());
        }
        let ago = now_unix - exp;
        Err(ConnectProblem {
            sqlstate: "08001",
            native: 0,
            message: format!(
                "The access token (SQL_COPT_SS_ACCESS_TOKEN) expired at {} UTC, {} ago; get a new token before connecting (access tokens are not refreshed by the driver)",
                format_utc(exp),
                format_duration(ago)
            ),
        })
    }
}

/// True when the bytes look like a single-byte (ASCII/UTF-8) string rather than UTF-16LE:
/// every byte non-zero, so no ASCII character has its zero high byte.
fn looks_single_byte(data: &[u8]) -> bool {
    data.len() >= 2 && data.iter().all(|&b| b != 0)
}

/// Reads the claims of a JWT's payload without verifying anything.
pub fn jwt_claims(token: &str) -> Option<TokenClaims> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let aud = match json.get("aud") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_str()).map(str::to_string),
        _ => None,
    };
    Some(TokenClaims {
        exp: json
            .get("exp")
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))),
        aud,
        oid: text("oid"),
        appid: text("appid").or_else(|| text("azp")),
        upn: text("upn")
            .or_else(|| text("preferred_username"))
            .or_else(|| text("unique_name")),
        tid: text("tid"),
    })
}

/// `YYYY-MM-DD HH:MM:SS` for Unix seconds (proleptic Gregorian, UTC).
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn format_duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn attribute(data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(data);
        v
    }

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(payload)
        )
    }

    #[test]
    fn reads_a_well_formed_struct() {
        let t = AccessToken::from_attribute(&attribute(&utf16("eyJabc.def.ghi"))).unwrap();
        assert_eq!(t.expose(), "eyJabc.def.ghi");
    }

    #[test]
    fn extra_bytes_after_data_are_ignored() {
        let mut bytes = attribute(&utf16("tok"));
        bytes.extend_from_slice(&[0xAA, 0xBB]);
        assert_eq!(AccessToken::from_attribute(&bytes).unwrap().expose(), "tok");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = AccessToken::from_attribute(&attribute(&utf16("secret-token-value"))).unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn struct_or_data_alone_both_read() {
        let data = utf16("eyJ0eXAi.e30.sig");
        let a = AccessToken::from_struct_or_data(&attribute(&data)).unwrap();
        let b = AccessToken::from_struct_or_data(&data).unwrap();
        assert_eq!(a.expose(), "eyJ0eXAi.e30.sig");
        assert_eq!(a, b);
        let e = AccessToken::from_struct_or_data(b"eyJ0eXAi.e30.sig").unwrap_err();
        assert!(e.message.contains("looks UTF-8"), "{}", e.message);
        let e = AccessToken::from_struct_or_data(&attribute(b"eyJ0eXAi")).unwrap_err();
        assert!(e.message.contains("looks UTF-8"), "{}", e.message);
        assert!(AccessToken::from_struct_or_data(&[]).is_err());
        assert!(AccessToken::from_struct_or_data(&[0, 0, 0, 0]).is_err());
    }

    #[test]
    fn header_shorter_than_four_bytes() {
        let e = AccessToken::from_attribute(&[1, 0]).unwrap_err();
        assert_eq!(e.sqlstate, "HY024");
        assert!(
            e.message.contains("fewer than the 4-byte dataSize"),
            "{}",
            e.message
        );
    }

    #[test]
    fn data_shorter_than_data_size() {
        let mut bytes = attribute(&utf16("abcd"));
        bytes.truncate(4 + 5);
        let e = AccessToken::from_attribute(&bytes).unwrap_err();
        assert!(
            e.message.contains("dataSize says 8 bytes but only 5"),
            "{}",
            e.message
        );
    }

    #[test]
    fn odd_data_size() {
        let mut data = utf16("abc");
        data.push(0);
        data.insert(0, b'x');
        data.truncate(7);
        // 7 bytes with zeros in them: not a UTF-8 string, just a wrong size.
        let e = AccessToken::from_attribute(&attribute(&data)).unwrap_err();
        assert!(e.message.contains("dataSize 7 is odd"), "{}", e.message);
    }

    #[test]
    fn utf8_token_gets_the_fix_in_the_message() {
        for tok in ["eyJ0eXAiOiJKV1QifQ.e30.sig", "abc"] {
            let e = AccessToken::from_attribute(&attribute(tok.as_bytes())).unwrap_err();
            assert!(
                e.message
                    .contains("looks UTF-8 encoded; SQL_COPT_SS_ACCESS_TOKEN expects UTF-16LE: tok.encode('utf-16-le')"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn empty_token() {
        let e = AccessToken::from_attribute(&attribute(&[])).unwrap_err();
        assert!(e.message.contains("empty"), "{}", e.message);
    }

    #[test]
    fn embedded_or_trailing_nul() {
        let e = AccessToken::from_attribute(&attribute(&utf16("ab\0"))).unwrap_err();
        assert!(
            e.message.contains("NUL character at position 2 of 3"),
            "{}",
            e.message
        );
        let e = AccessToken::from_attribute(&attribute(&utf16("a\0b"))).unwrap_err();
        assert!(e.message.contains("position 1"), "{}", e.message);
    }

    #[test]
    fn unpaired_surrogate_is_rejected() {
        let data = 0xD800u16.to_le_bytes().to_vec();
        let e = AccessToken::from_attribute(&attribute(&data)).unwrap_err();
        assert!(e.message.contains("not valid UTF-16LE"), "{}", e.message);
    }

    #[test]
    fn claims_are_read_from_the_payload() {
        let tok = jwt(
            r#"{"aud":"https://database.windows.net/","exp":1893553445,"oid":"o-1","appid":"app-1","upn":"bob@contoso.com","tid":"t-1"}"#,
        );
        let c = AccessToken::from_string(tok).unwrap().claims().unwrap();
        assert_eq!(c.aud.as_deref(), Some("https://database.windows.net/"));
        assert_eq!(c.exp, Some(1_893_553_445));
        assert_eq!(c.oid.as_deref(), Some("o-1"));
        assert_eq!(c.appid.as_deref(), Some("app-1"));
        assert_eq!(c.upn.as_deref(), Some("bob@contoso.com"));
        assert_eq!(c.tid.as_deref(), Some("t-1"));
    }

    #[test]
    fn v2_claim_names_and_audience_lists() {
        let tok = jwt(r#"{"aud":["a1","a2"],"azp":"app-2","preferred_username":"al@x"}"#);
        let c = jwt_claims(&tok).unwrap();
        assert_eq!(c.aud.as_deref(), Some("a1"));
        assert_eq!(c.appid.as_deref(), Some("app-2"));
        assert_eq!(c.upn.as_deref(), Some("al@x"));
        assert_eq!(c.exp, None);
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert_eq!(jwt_claims("not-a-jwt"), None);
        assert_eq!(jwt_claims("a.!!!.c"), None);
        assert_eq!(jwt_claims(&format!("a.{}.c", b64("not json"))), None);
    }

    #[test]
    fn expired_token_is_refused_with_its_expiry() {
        let t = AccessToken::from_string(jwt(r#"{"exp":1700000000}"#)).unwrap();
        let e = t.check_not_expired(1_700_000_000 + 3600).unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message
                .contains("expired at 2023-11-14 22:13:20 UTC, 60 min ago"),
            "{}",
            e.message
        );
        assert!(t.check_not_expired(1_699_999_000).is_ok());
    }

    #[test]
    fn tokens_without_exp_are_not_judged() {
        let t = AccessToken::from_string("opaque".into()).unwrap();
        assert!(t.check_not_expired(i64::MAX).is_ok());
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_893_553_445), "2030-01-02 03:04:05");
    }
}
