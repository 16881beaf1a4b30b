//! LOGIN7 (MS-TDS 2.2.6.4) and the FEDAUTH feature extension / FEDAUTH_TOKEN message.

use super::types::{Reader, utf16_string};

pub const FEATURE_FEDAUTH: u8 = 0x02;
pub const FEATURE_TERMINATOR: u8 = 0xFF;

pub const FEDAUTH_LIBRARY_SECURITY_TOKEN: u8 = 0x01;
pub const FEDAUTH_LIBRARY_MSAL: u8 = 0x02;

#[derive(Debug, Default)]
#[allow(dead_code)] // every field is decoded; not all are used yet
pub struct Login7 {
    pub tds_version: u32,
    pub packet_size: u32,
    pub client_pid: u32,
    pub host_name: String,
    pub user_name: String,
    pub password: String,
    pub app_name: String,
    pub server_name: String,
    pub client_interface: String,
    pub language: String,
    pub database: String,
    /// FeatureId and data of each feature extension the client requested.
    pub features: Vec<(u8, Vec<u8>)>,
}

/// The FEDAUTH feature the client asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum FedAuth {
    /// The token is in LOGIN7 (SQL_COPT_SS_ACCESS_TOKEN).
    SecurityToken {
        token: String,
        nonce: Option<Vec<u8>>,
    },
    /// The server answers FEDAUTHINFO and the client sends the token in a FEDAUTH_TOKEN message.
    Msal { workflow: u8 },
}

impl Login7 {
    pub fn fedauth(&self) -> Result<Option<FedAuth>, String> {
        let Some((_, data)) = self.features.iter().find(|(id, _)| *id == FEATURE_FEDAUTH) else {
            return Ok(None);
        };
        let mut r = Reader::new(data);
        let options = r.u8()?;
        match options >> 1 {
            FEDAUTH_LIBRARY_SECURITY_TOKEN => {
                let len = r.u32()? as usize;
                let token = decode_token(r.bytes(len)?);
                let nonce = (r.remaining() >= 32)
                    .then(|| r.bytes(32).map(|n| n.to_vec()))
                    .transpose()?;
                Ok(Some(FedAuth::SecurityToken { token, nonce }))
            }
            FEDAUTH_LIBRARY_MSAL => Ok(Some(FedAuth::Msal {
                workflow: r.u8().unwrap_or(0),
            })),
            other => Err(format!("FEDAUTH library {other} is not supported")),
        }
    }
}

/// Tokens travel as UTF-16LE; tolerate UTF-8 (a common client bug) so the error is about the
/// token, not its encoding.
fn decode_token(bytes: &[u8]) -> String {
    let looks_utf16 = bytes.len() >= 2 && bytes[1] == 0;
    let s = if looks_utf16 {
        utf16_string(bytes)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    s.trim_end_matches('\0').to_string()
}

/// Passwords are obfuscated: nibbles swapped, then XOR 0xA5.
fn decode_password(bytes: &[u8]) -> String {
    let plain: Vec<u8> = bytes
        .iter()
        .map(|b| {
            let x = b ^ 0xA5;
            x.rotate_left(4)
        })
        .collect();
    utf16_string(&plain)
}

pub fn parse(payload: &[u8]) -> Result<Login7, String> {
    if payload.len() < 94 {
        return Err(format!("LOGIN7 of {} bytes is too short", payload.len()));
    }
    let u32_at = |at: usize| u32::from_le_bytes(payload[at..at + 4].try_into().unwrap_or_default());
    let u16_at =
        |at: usize| u16::from_le_bytes(payload[at..at + 2].try_into().unwrap_or_default()) as usize;
    // (offset, length in characters) pairs at fixed positions.
    let field = |at: usize| -> Result<&[u8], String> {
        let (ib, cch) = (u16_at(at), u16_at(at + 2));
        payload
            .get(ib..ib + cch * 2)
            .ok_or_else(|| format!("LOGIN7 field at {at} out of bounds"))
    };
    let text = |at: usize| field(at).map(utf16_string);
    let option_flags3 = payload[27];
    let mut login = Login7 {
        tds_version: u32_at(4),
        packet_size: u32_at(8),
        client_pid: u32_at(16),
        host_name: text(36)?,
        user_name: text(40)?,
        password: field(44).map(decode_password)?,
        app_name: text(48)?,
        server_name: text(52)?,
        client_interface: text(60)?,
        language: text(64)?,
        database: text(68)?,
        features: Vec::new(),
    };
    let has_extension = option_flags3 & 0x10 != 0;
    if has_extension {
        let (ib, cb) = (u16_at(56), u16_at(58));
        if cb >= 4 {
            let at = payload
                .get(ib..ib + 4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
                .ok_or("LOGIN7 extension offset out of bounds")?;
            login.features = parse_features(payload.get(at..).ok_or("FeatureExt out of bounds")?)?;
        }
    }
    Ok(login)
}

fn parse_features(data: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, String> {
    let mut r = Reader::new(data);
    let mut out = Vec::new();
    loop {
        let id = r.u8()?;
        if id == FEATURE_TERMINATOR {
            return Ok(out);
        }
        let len = r.u32()? as usize;
        out.push((id, r.bytes(len)?.to_vec()));
    }
}

/// The FEDAUTH_TOKEN message (packet type 0x08): DataLen, TokenLen, token, optional nonce.
pub fn parse_fedauth_token(payload: &[u8]) -> Result<String, String> {
    let mut r = Reader::new(payload);
    let _data_len = r.u32()?;
    let len = r.u32()? as usize;
    Ok(decode_token(r.bytes(len)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_obfuscation_is_undone() {
        let obfuscate = |s: &str| -> Vec<u8> {
            s.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .map(|b| b.rotate_left(4) ^ 0xA5)
                .collect()
        };
        assert_eq!(decode_password(&obfuscate("Secr3t!é")), "Secr3t!é");
    }

    #[test]
    fn token_in_utf16_or_utf8() {
        let t: Vec<u8> = "a.b.c".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_token(&t), "a.b.c");
        assert_eq!(decode_token(b"a.b.c"), "a.b.c");
    }

    #[test]
    fn short_login_is_an_error() {
        assert!(parse(&[0; 20]).is_err());
    }
}
