//! Client requests after login: SQL batch, RPC (one or several per message), Transaction Manager.

use crate::sql::{Param, RpcTarget, SqlValue, TmRequest};

use super::types::{DecodeResult, Reader, read_type_info, read_value, utf16_string};

/// One RPC call of an RPC message.
#[derive(Debug)]
pub struct RpcCall {
    pub target: RpcTarget,
    pub params: Vec<Param>,
}

/// ALL_HEADERS (MS-TDS 2.2.5.3): the transaction descriptor is the only header we use.
#[derive(Debug, Default)]
pub struct Headers {
    pub transaction_descriptor: Option<u64>,
}

fn read_all_headers(r: &mut Reader) -> DecodeResult<Headers> {
    let mut headers = Headers::default();
    let total = r.u32()? as usize;
    if total < 4 || total - 4 > r.remaining() {
        return Err(format!("ALL_HEADERS length {total} is invalid"));
    }
    let mut h = Reader::new(r.bytes(total - 4)?);
    while h.remaining() > 0 {
        let len = h.u32()? as usize;
        if len < 6 {
            return Err(format!("header length {len} is invalid"));
        }
        let ty = h.u16()?;
        let body = h.bytes(len - 6)?;
        if ty == 0x0002 && body.len() >= 8 {
            headers.transaction_descriptor =
                Some(u64::from_le_bytes(body[..8].try_into().unwrap_or_default()));
        }
    }
    Ok(headers)
}

/// ALL_HEADERS is mandatory from TDS 7.2; tolerate its absence (older clients) when the bytes
/// cannot be one. MS18 repeats it before every RPC of a batched RPC message.
fn maybe_headers(r: &mut Reader, payload: &[u8]) -> DecodeResult<Headers> {
    if headers_at(r.pos, payload) {
        read_all_headers(r)
    } else {
        Ok(Headers::default())
    }
}

fn headers_at(pos: usize, payload: &[u8]) -> bool {
    let rest = &payload[pos.min(payload.len())..];
    let dword = |at: usize| {
        rest.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
    };
    match (dword(0), dword(4)) {
        (Some(4), _) => true,
        (Some(total), Some(first)) => {
            let ty = rest
                .get(8..10)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .unwrap_or(0);
            total <= rest.len() && (6..=total - 4).contains(&first) && (1..=3).contains(&ty)
        }
        _ => false,
    }
}

pub fn sql_batch(payload: &[u8]) -> DecodeResult<(Headers, String)> {
    let mut r = Reader::new(payload);
    let headers = maybe_headers(&mut r, payload)?;
    Ok((headers, utf16_string(&payload[r.pos..])))
}

pub fn rpc(payload: &[u8]) -> DecodeResult<(Headers, Vec<RpcCall>)> {
    let mut r = Reader::new(payload);
    let headers = maybe_headers(&mut r, payload)?;
    let mut calls = Vec::new();
    loop {
        calls.push(rpc_call(&mut r, payload)?);
        match r.peek() {
            None => break,
            // Batch separators: 0xFF (TDS 7.2+), 0x80 (7.1), 0xFE NoExec.
            Some(0xFF | 0x80 | 0xFE) => {
                r.u8()?;
                if r.remaining() == 0 {
                    break;
                }
            }
            Some(_) => {
                maybe_headers(&mut r, payload)?;
            }
        }
    }
    Ok((headers, calls))
}

fn rpc_call(r: &mut Reader, payload: &[u8]) -> DecodeResult<RpcCall> {
    let name_len = r.u16()?;
    let target = if name_len == 0xFFFF {
        RpcTarget::Id(r.u16()?)
    } else {
        RpcTarget::Name(r.utf16(name_len as usize)?)
    };
    let _options = r.u16()?;
    let mut params = Vec::new();
    while let Some(b) = r.peek() {
        if matches!(b, 0xFF | 0x80 | 0xFE) || headers_at(r.pos, payload) {
            break;
        }
        let name = r.b_varchar()?;
        let status = r.u8()?;
        let wt =
            read_type_info(r).map_err(|e| format!("parameter {}{name}: {e}", params.len() + 1))?;
        let value =
            read_value(r, &wt).map_err(|e| format!("parameter {}{name}: {e}", params.len() + 1))?;
        params.push(Param {
            name,
            ty: wt.ty,
            value,
            output: status & 0x01 != 0,
        });
    }
    Ok(RpcCall { target, params })
}

pub fn transaction_manager(payload: &[u8]) -> DecodeResult<(Headers, TmRequest)> {
    let mut r = Reader::new(payload);
    let headers = maybe_headers(&mut r, payload)?;
    let kind = r.u16()?;
    let after_end = |r: &mut Reader| -> DecodeResult<bool> {
        let _name = if r.remaining() > 0 {
            r.b_varchar()?
        } else {
            String::new()
        };
        let begin_new = r.remaining() > 0 && r.u8()? & 0x01 != 0;
        Ok(begin_new)
    };
    let request = match kind {
        5 => {
            let isolation = r.u8()?;
            let name = if r.remaining() > 0 {
                r.b_varchar()?
            } else {
                String::new()
            };
            TmRequest::Begin { isolation, name }
        }
        7 => TmRequest::Commit {
            begin_new: after_end(&mut r)?,
        },
        8 => TmRequest::Rollback {
            begin_new: after_end(&mut r)?,
        },
        9 => TmRequest::Save {
            name: r.b_varchar()?,
        },
        other => {
            return Err(format!(
                "Transaction Manager request {other} is not supported by testserver"
            ));
        }
    };
    Ok((headers, request))
}

/// A short description for the request log line. Values of user parameters are left out (they
/// may be secrets); the statement text of sp_executesql/sp_prepare/sp_prepexec and the arguments
/// of catalog procedures are shown.
pub fn describe_rpc(calls: &[RpcCall]) -> String {
    calls
        .iter()
        .map(describe_call)
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_call(c: &RpcCall) -> String {
    let name = match &c.target {
        RpcTarget::Id(id) => proc_name(*id)
            .map(str::to_string)
            .unwrap_or_else(|| format!("proc#{id}")),
        RpcTarget::Name(n) => n.clone(),
    };
    let bare = name
        .rsplit('.')
        .next()
        .unwrap_or(&name)
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    // How many leading parameters are statement text/declarations, not user data.
    let shown = match bare.as_str() {
        "sp_executesql" => 2,
        "sp_prepare" | "sp_prepexec" | "sp_cursorprepexec" | "sp_cursoropen" => 3,
        "sp_execute" | "sp_unprepare" | "sp_cursorexecute" | "sp_cursorfetch"
        | "sp_cursorclose" => 1,
        _ => usize::MAX, // catalog and other system procedures
    };
    let params: Vec<String> = c
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let value = if i < shown {
                describe_value(&p.value)
            } else {
                "..".into()
            };
            let out = if p.output { " OUTPUT" } else { "" };
            format!("{}:{:?}={value}{out}", p.name, p.ty)
        })
        .collect();
    format!("{name}({})", params.join(", "))
}

fn describe_value(v: &SqlValue) -> String {
    match v {
        SqlValue::String(s) => format!("{:?}", super::truncate(s, 300)),
        SqlValue::Null => "NULL".into(),
        SqlValue::Binary(b) => format!("<{} bytes>", b.len()),
        other => format!("{other:?}"),
    }
}

pub fn proc_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "sp_cursor",
        2 => "sp_cursoropen",
        3 => "sp_cursorprepare",
        4 => "sp_cursorexecute",
        5 => "sp_cursorprepexec",
        6 => "sp_cursorunprepare",
        7 => "sp_cursorfetch",
        8 => "sp_cursoroption",
        9 => "sp_cursorclose",
        10 => "sp_executesql",
        11 => "sp_prepare",
        12 => "sp_execute",
        13 => "sp_prepexec",
        14 => "sp_prepexecrpc",
        15 => "sp_unprepare",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{SqlType, SqlValue};

    fn headers() -> Vec<u8> {
        let mut h = 22u32.to_le_bytes().to_vec();
        h.extend_from_slice(&18u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&7u64.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        h
    }

    #[test]
    fn decodes_sp_executesql_by_id() {
        let mut p = headers();
        p.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0]);
        // @stmt nvarchar(max) N'SELECT @p1'
        p.push(0);
        p.push(0);
        p.extend_from_slice(&[0xE7, 0xFF, 0xFF, 0x09, 0x04, 0xD0, 0x00, 0x34]);
        let sql: Vec<u8> = "SELECT @p1"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        p.extend_from_slice(&(sql.len() as u64).to_le_bytes());
        p.extend_from_slice(&(sql.len() as u32).to_le_bytes());
        p.extend_from_slice(&sql);
        p.extend_from_slice(&0u32.to_le_bytes());
        // @p1 int = 5 (output)
        p.push(3);
        p.extend("@p1".encode_utf16().flat_map(u16::to_le_bytes));
        p.extend_from_slice(&[1, 0x26, 4, 4, 5, 0, 0, 0]);
        let (h, calls) = rpc(&p).unwrap();
        assert_eq!(h.transaction_descriptor, Some(7));
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].target, RpcTarget::Id(10));
        assert_eq!(
            calls[0].params[0].value,
            SqlValue::String("SELECT @p1".into())
        );
        assert_eq!(calls[0].params[1].name, "@p1");
        assert_eq!(calls[0].params[1].ty, SqlType::Int);
        assert_eq!(calls[0].params[1].value, SqlValue::Int(5));
        assert!(calls[0].params[1].output);
    }

    #[test]
    fn truncated_rpc_is_an_error() {
        let mut p = headers();
        p.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0, 0, 0, 0xE7]);
        assert!(rpc(&p).is_err());
    }

    #[test]
    fn decodes_tm_begin() {
        let mut p = headers();
        p.extend_from_slice(&[5, 0, 2, 0]);
        let (_, req) = transaction_manager(&p).unwrap();
        assert_eq!(
            req,
            TmRequest::Begin {
                isolation: 2,
                name: String::new()
            }
        );
    }
}
