//! Token stream encoding (MS-TDS 2.2.7): login tokens, COLMETADATA/ROW/NBCROW with every type
//! of the engine contract, DONE*, INFO/ERROR, RETURNSTATUS, RETURNVALUE, ENVCHANGE.

use crate::sql::{Column, DoneKind, SqlType, SqlValue};

use super::types::{self, EncodeError};

pub const COLMETADATA: u8 = 0x81;
pub const ERROR: u8 = 0xAA;
pub const INFO: u8 = 0xAB;
pub const RETURNVALUE: u8 = 0xAC;
pub const LOGINACK: u8 = 0xAD;
pub const FEATUREEXTACK: u8 = 0xAE;
pub const ROW: u8 = 0xD1;
pub const NBCROW: u8 = 0xD2;
pub const ENVCHANGE: u8 = 0xE3;
pub const FEDAUTHINFO: u8 = 0xEE;
pub const RETURNSTATUS: u8 = 0x79;
pub const DONE: u8 = 0xFD;
pub const DONEPROC: u8 = 0xFE;
pub const DONEINPROC: u8 = 0xFF;

pub const DONE_MORE: u16 = 0x0001;
pub const DONE_ERROR: u16 = 0x0002;
pub const DONE_INXACT: u16 = 0x0004;
pub const DONE_COUNT: u16 = 0x0010;
pub const DONE_ATTN: u16 = 0x0020;
/// The DONEPROC that ends an RPC of a batched RPC message, when another RPC follows.
pub const DONE_RPCINBATCH: u16 = 0x0080;

// ENVCHANGE types.
pub const ENV_DATABASE: u8 = 1;
pub const ENV_LANGUAGE: u8 = 2;
pub const ENV_PACKET_SIZE: u8 = 4;
pub const ENV_COLLATION: u8 = 7;
pub const ENV_BEGIN_TRAN: u8 = 8;
pub const ENV_COMMIT_TRAN: u8 = 9;
pub const ENV_ROLLBACK_TRAN: u8 = 10;
pub const ENV_ROUTING: u8 = 20;

pub fn utf16(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.encode_utf16().flat_map(u16::to_le_bytes)
}

/// B_VARCHAR: length in characters (1 byte), UTF-16LE.
pub fn b_varchar(buf: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(255).collect();
    buf.push(units.len() as u8);
    units
        .iter()
        .for_each(|u| buf.extend_from_slice(&u.to_le_bytes()));
}

/// US_VARCHAR: length in characters (2 bytes), UTF-16LE.
pub fn us_varchar(buf: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(65535).collect();
    buf.extend_from_slice(&(units.len() as u16).to_le_bytes());
    units
        .iter()
        .for_each(|u| buf.extend_from_slice(&u.to_le_bytes()));
}

/// Writes a token whose body starts with a 2-byte length, filled in at the end.
fn with_u16_len(buf: &mut Vec<u8>, token: u8, body: impl FnOnce(&mut Vec<u8>)) {
    buf.push(token);
    let at = buf.len();
    buf.extend_from_slice(&[0, 0]);
    body(buf);
    let len = (buf.len() - at - 2) as u16;
    buf[at..at + 2].copy_from_slice(&len.to_le_bytes());
}

pub fn done(buf: &mut Vec<u8>, kind: DoneKind, status: u16, cur_cmd: u16, rows: u64) {
    buf.push(match kind {
        DoneKind::Done => DONE,
        DoneKind::DoneInProc => DONEINPROC,
        DoneKind::DoneProc => DONEPROC,
    });
    buf.extend_from_slice(&status.to_le_bytes());
    buf.extend_from_slice(&cur_cmd.to_le_bytes());
    buf.extend_from_slice(&rows.to_le_bytes());
}

pub fn env_string(buf: &mut Vec<u8>, ty: u8, new: &str, old: &str) {
    with_u16_len(buf, ENVCHANGE, |b| {
        b.push(ty);
        b_varchar(b, new);
        b_varchar(b, old);
    });
}

pub fn env_bytes(buf: &mut Vec<u8>, ty: u8, new: &[u8], old: &[u8]) {
    with_u16_len(buf, ENVCHANGE, |b| {
        b.push(ty);
        b.push(new.len() as u8);
        b.extend_from_slice(new);
        b.push(old.len() as u8);
        b.extend_from_slice(old);
    });
}

/// Routing ENVCHANGE (Azure SQL gateway redirect): protocol TCP, port, server name.
pub fn env_routing(buf: &mut Vec<u8>, port: u16, server: &str) {
    with_u16_len(buf, ENVCHANGE, |b| {
        b.push(ENV_ROUTING);
        let units: Vec<u16> = server.encode_utf16().collect();
        let value_len = 1 + 2 + 2 + units.len() * 2;
        b.extend_from_slice(&(value_len as u16).to_le_bytes());
        b.push(0); // TCP
        b.extend_from_slice(&port.to_le_bytes());
        b.extend_from_slice(&(units.len() as u16).to_le_bytes());
        units
            .iter()
            .for_each(|u| b.extend_from_slice(&u.to_le_bytes()));
        b.extend_from_slice(&[0, 0]); // old value: none
    });
}

pub struct MessageToken<'a> {
    pub number: i32,
    pub state: u8,
    pub class: u8,
    pub text: &'a str,
    pub server: &'a str,
    pub procedure: &'a str,
    pub line: i32,
}

/// INFO for class <= 10, ERROR above.
pub fn message(buf: &mut Vec<u8>, m: &MessageToken) {
    let token = if m.class <= 10 { INFO } else { ERROR };
    with_u16_len(buf, token, |b| {
        b.extend_from_slice(&m.number.to_le_bytes());
        b.push(m.state);
        b.push(m.class);
        us_varchar(b, m.text);
        b_varchar(b, m.server);
        b_varchar(b, m.procedure);
        b.extend_from_slice(&m.line.to_le_bytes());
    });
}

/// LOGINACK for SQL Server 16.0.4096 at the negotiated TDS version.
pub fn login_ack(buf: &mut Vec<u8>, tds_version: u32) {
    with_u16_len(buf, LOGINACK, |b| {
        b.push(1); // interface: SQL_TSQL
        b.extend_from_slice(&tds_version.to_be_bytes());
        b_varchar(b, "Microsoft SQL Server");
        b.extend_from_slice(&[16, 0, 0x10, 0x00]);
    });
}

pub fn feature_ext_ack(buf: &mut Vec<u8>, features: &[(u8, Vec<u8>)]) {
    buf.push(FEATUREEXTACK);
    for (id, data) in features {
        buf.push(*id);
        buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
        buf.extend_from_slice(data);
    }
    buf.push(0xFF);
}

/// FEDAUTHINFO: where the client gets its token (STS URL) and for what resource (SPN).
/// Offsets count from the CountOfInfoIDs field.
pub fn fedauth_info(buf: &mut Vec<u8>, sts_url: &str, spn: &str) {
    let sts: Vec<u8> = utf16(sts_url).collect();
    let spn: Vec<u8> = utf16(spn).collect();
    let header_len = 4 + 2 * 9;
    let mut body = Vec::new();
    body.extend_from_slice(&2u32.to_le_bytes());
    let mut offset = header_len;
    for (id, data) in [(0x02u8, &spn), (0x01u8, &sts)] {
        body.push(id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&(offset as u32).to_le_bytes());
        offset += data.len();
    }
    body.extend_from_slice(&spn);
    body.extend_from_slice(&sts);
    buf.push(FEDAUTHINFO);
    buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
    buf.extend_from_slice(&body);
}

pub fn col_metadata(buf: &mut Vec<u8>, columns: &[Column]) {
    buf.push(COLMETADATA);
    buf.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    for c in columns {
        buf.extend_from_slice(&0u32.to_le_bytes()); // user type
        let mut flags: u16 = 0;
        if c.nullable {
            flags |= 0x0001;
        }
        if c.identity {
            flags |= 0x0010;
        }
        buf.extend_from_slice(&flags.to_le_bytes());
        types::type_info(buf, &c.ty);
        if matches!(c.ty, SqlType::Text | SqlType::NText | SqlType::Image) {
            // TableName: one part. The engine does not say which table; clients only skip it.
            buf.push(1);
            us_varchar(buf, "t");
        }
        b_varchar(buf, &c.name);
    }
}

/// ROW, or NBCROW when a value is NULL (as SQL Server does for sparse NULLs).
pub fn row(buf: &mut Vec<u8>, columns: &[Column], values: &[SqlValue]) -> Result<(), EncodeError> {
    if columns.len() != values.len() {
        return Err(EncodeError(format!(
            "row has {} values for {} columns",
            values.len(),
            columns.len()
        )));
    }
    let start = buf.len();
    let result = (|| {
        if values.iter().any(|v| matches!(v, SqlValue::Null)) {
            buf.push(NBCROW);
            let mut bitmap = vec![0u8; columns.len().div_ceil(8)];
            for (i, v) in values.iter().enumerate() {
                if matches!(v, SqlValue::Null) {
                    bitmap[i / 8] |= 1 << (i % 8);
                }
            }
            buf.extend_from_slice(&bitmap);
            for (c, v) in columns.iter().zip(values) {
                if !matches!(v, SqlValue::Null) {
                    types::value(buf, &c.ty, v)?;
                }
            }
        } else {
            buf.push(ROW);
            for (c, v) in columns.iter().zip(values) {
                types::value(buf, &c.ty, v)?;
            }
        }
        Ok(())
    })();
    if result.is_err() {
        buf.truncate(start);
    }
    result
}

pub fn return_status(buf: &mut Vec<u8>, status: i32) {
    buf.push(RETURNSTATUS);
    buf.extend_from_slice(&status.to_le_bytes());
}

pub fn return_value(
    buf: &mut Vec<u8>,
    ordinal: u16,
    name: &str,
    ty: &SqlType,
    value: &SqlValue,
) -> Result<(), EncodeError> {
    let start = buf.len();
    buf.push(RETURNVALUE);
    buf.extend_from_slice(&ordinal.to_le_bytes());
    b_varchar(buf, name);
    buf.push(0x01); // output parameter
    buf.extend_from_slice(&0u32.to_le_bytes());
    buf.extend_from_slice(&0x0001u16.to_le_bytes()); // nullable
    types::type_info(buf, ty);
    let result = types::value(buf, ty, value);
    if result.is_err() {
        buf.truncate(start);
    }
    result
}
