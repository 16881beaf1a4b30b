//! PRELOGIN (MS-TDS 2.2.6.5): what the client offers and what the server answers.

use std::io;

use crate::config::Encryption;

use super::packet::invalid;

const VERSION: u8 = 0x00;
const ENCRYPTION: u8 = 0x01;
const INSTOPT: u8 = 0x02;
const THREADID: u8 = 0x03;
const MARS: u8 = 0x04;
const FEDAUTHREQUIRED: u8 = 0x06;
const NONCEOPT: u8 = 0x07;
const TERMINATOR: u8 = 0xFF;

pub const ENCRYPT_OFF: u8 = 0x00;
pub const ENCRYPT_ON: u8 = 0x01;
pub const ENCRYPT_NOT_SUP: u8 = 0x02;
pub const ENCRYPT_REQ: u8 = 0x03;

/// The client's PRELOGIN.
#[derive(Debug, Default)]
pub struct ClientPrelogin {
    pub encryption: Option<u8>,
    pub instance: String,
    pub mars: bool,
    pub fedauth_required: bool,
    pub nonce: Option<[u8; 32]>,
}

pub fn parse(payload: &[u8]) -> io::Result<ClientPrelogin> {
    let mut out = ClientPrelogin::default();
    let mut pos = 0;
    loop {
        let token = *payload
            .get(pos)
            .ok_or_else(|| invalid("PRELOGIN without terminator".into()))?;
        if token == TERMINATOR {
            return Ok(out);
        }
        let head = payload
            .get(pos..pos + 5)
            .ok_or_else(|| invalid("PRELOGIN option header truncated".into()))?;
        let offset = u16::from_be_bytes([head[1], head[2]]) as usize;
        let len = u16::from_be_bytes([head[3], head[4]]) as usize;
        let data = payload
            .get(offset..offset + len)
            .ok_or_else(|| invalid(format!("PRELOGIN option 0x{token:02X} out of bounds")))?;
        match token {
            ENCRYPTION if len >= 1 => out.encryption = Some(data[0]),
            INSTOPT => {
                out.instance = String::from_utf8_lossy(data)
                    .trim_end_matches('\0')
                    .to_string()
            }
            MARS if len >= 1 => out.mars = data[0] != 0,
            FEDAUTHREQUIRED if len >= 1 => out.fedauth_required = data[0] != 0,
            NONCEOPT if len == 32 => out.nonce = data.try_into().ok(),
            _ => {}
        }
        pos += 5;
    }
}

/// The server's decision about TLS for a TDS 7.x connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negotiated {
    /// No TLS at all.
    None,
    /// TLS for LOGIN7 only, then clear text.
    LoginOnly,
    /// TLS for the whole connection.
    Full,
    /// The client cannot encrypt but the server requires it: close after PRELOGIN.
    Refuse,
}

/// The ENCRYPTION byte to answer and what it means (MS-TDS 2.2.6.5, encryption table).
pub fn negotiate(server: Encryption, client: u8) -> (u8, Negotiated) {
    let client_wants = matches!(client, ENCRYPT_ON | ENCRYPT_REQ);
    match server {
        Encryption::NotSupported => (ENCRYPT_NOT_SUP, Negotiated::None),
        _ if client == ENCRYPT_NOT_SUP => match server {
            Encryption::Off => (ENCRYPT_NOT_SUP, Negotiated::None),
            _ => (ENCRYPT_REQ, Negotiated::Refuse),
        },
        Encryption::Off if client_wants => (ENCRYPT_ON, Negotiated::Full),
        Encryption::Off => (ENCRYPT_OFF, Negotiated::LoginOnly),
        Encryption::On if client_wants => (ENCRYPT_ON, Negotiated::Full),
        Encryption::On | Encryption::Required => (ENCRYPT_REQ, Negotiated::Full),
    }
}

/// The server's PRELOGIN answer. `encryption` is None on the strict port (TLS already up),
/// where the server echoes the client's value.
pub fn response(encryption: u8, fedauth_required: bool, nonce: Option<&[u8; 32]>) -> Vec<u8> {
    // SQL Server 2022 RTM-CU: 16.0.4096, sub-build 0.
    let mut options: Vec<(u8, Vec<u8>)> = vec![
        (VERSION, vec![16, 0, 0x10, 0x00, 0, 0]),
        (ENCRYPTION, vec![encryption]),
        (INSTOPT, vec![0]),
        (THREADID, Vec::new()),
        (MARS, vec![0]),
    ];
    if fedauth_required {
        options.push((FEDAUTHREQUIRED, vec![1]));
    }
    if let Some(nonce) = nonce {
        options.push((NONCEOPT, nonce.to_vec()));
    }
    let mut out = Vec::new();
    let mut data_offset = options.len() * 5 + 1;
    for (token, data) in &options {
        out.push(*token);
        out.extend_from_slice(&(data_offset as u16).to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        data_offset += data.len();
    }
    out.push(TERMINATOR);
    for (_, data) in options {
        out.extend_from_slice(&data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_round_trips_through_parse() {
        let nonce = [7u8; 32];
        let parsed = parse(&response(ENCRYPT_REQ, true, Some(&nonce))).unwrap();
        assert_eq!(parsed.encryption, Some(ENCRYPT_REQ));
        assert!(parsed.fedauth_required);
        assert_eq!(parsed.nonce, Some(nonce));
        assert!(!parsed.mars);
    }

    #[test]
    fn encryption_table() {
        assert_eq!(
            negotiate(Encryption::Off, ENCRYPT_OFF),
            (ENCRYPT_OFF, Negotiated::LoginOnly)
        );
        assert_eq!(
            negotiate(Encryption::Off, ENCRYPT_ON),
            (ENCRYPT_ON, Negotiated::Full)
        );
        assert_eq!(
            negotiate(Encryption::On, ENCRYPT_OFF),
            (ENCRYPT_REQ, Negotiated::Full)
        );
        assert_eq!(
            negotiate(Encryption::Required, ENCRYPT_NOT_SUP).1,
            Negotiated::Refuse
        );
        assert_eq!(
            negotiate(Encryption::NotSupported, ENCRYPT_ON),
            (ENCRYPT_NOT_SUP, Negotiated::None)
        );
    }
}
