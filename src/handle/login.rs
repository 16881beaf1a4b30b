//! From a connection string (and pre-connect attributes) to the engine's login parameters.
//!
//! Interim: a small reader of the keywords tests need, until `connect::settings` lands and
//! takes over the grammar, DSNs and validation.

use crate::diag::{Error, Result};
use crate::engine::{Encryption, LoginParams};

/// Splits `key=value;...` with `{...}` values (`}}` escapes `}`); first occurrence wins.
fn pairs(conn_str: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = conn_str;
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim_start_matches(';').to_string();
        rest = &rest[eq + 1..];
        let value;
        if let Some(body) = rest.strip_prefix('{') {
            let mut v = String::new();
            let mut chars = body.char_indices().peekable();
            let mut end = body.len();
            while let Some((i, c)) = chars.next() {
                if c == '}' {
                    if matches!(chars.peek(), Some((_, '}'))) {
                        chars.next();
                        v.push('}');
                        continue;
                    }
                    end = i + 1;
                    break;
                }
                v.push(c);
            }
            value = v;
            rest = &body[end.min(body.len())..];
            rest = rest.strip_prefix(';').unwrap_or(rest);
        } else {
            let semi = rest.find(';').unwrap_or(rest.len());
            value = rest[..semi].to_string();
            rest = &rest[(semi + 1).min(rest.len())..];
        }
        if !out.iter().any(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            out.push((key, value));
        }
    }
    out
}

fn yes_no(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(Error::new(
            "08001",
            format!("Invalid value specified for connection string attribute '{key}'"),
        )),
    }
}

pub struct Parsed {
    pub params: LoginParams,
    pub dsn: Option<String>,
    pub authentication: Option<String>,
    /// The keywords given, for the out connection string (PWD left out).
    pub out: String,
}

pub fn parse(conn_str: &str, login_timeout: u32, access_token: Option<String>) -> Result<Parsed> {
    let mut p = LoginParams {
        host: String::new(),
        port: None,
        instance: None,
        database: String::new(),
        uid: String::new(),
        pwd: String::new(),
        app: std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
        wsid: String::new(),
        language: String::new(),
        encryption: Encryption::Yes,
        trust_server_certificate: false,
        host_name_in_certificate: None,
        server_certificate: None,
        read_only_intent: false,
        multi_subnet_failover: false,
        connect_retry_count: 1,
        connect_retry_interval: 10,
        packet_size: None,
        login_timeout_secs: login_timeout,
        access_token,
    };
    let mut dsn = None;
    let mut authentication = None;
    let mut out = Vec::new();
    for (key, value) in pairs(conn_str) {
        let k = key.to_ascii_lowercase();
        match k.as_str() {
            "server" | "address" | "addr" => {
                let v = value.strip_prefix("tcp:").unwrap_or(&value);
                if let Some((h, port)) = v.split_once(',') {
                    p.host = h.to_string();
                    p.port = Some(port.trim().parse().map_err(|_| {
                        Error::new(
                            "08001",
                            "Invalid value specified for connection string attribute 'Server'",
                        )
                    })?);
                } else if let Some((h, inst)) = v.split_once('\\') {
                    p.host = h.to_string();
                    p.instance = Some(inst.to_string());
                } else {
                    p.host = v.to_string();
                }
            }
            "database" => p.database = value.clone(),
            "uid" => p.uid = value.clone(),
            "pwd" => p.pwd = value.clone(),
            "app" => p.app = value.clone(),
            "wsid" => p.wsid = value.clone(),
            "language" => p.language = value.clone(),
            "dsn" => dsn = Some(value.clone()),
            "encrypt" => {
                p.encryption = match value.to_ascii_lowercase().as_str() {
                    "yes" | "mandatory" | "true" => Encryption::Yes,
                    "no" | "optional" | "false" => Encryption::No,
                    "strict" => Encryption::Strict,
                    _ => {
                        return Err(Error::new(
                            "08001",
                            "Invalid value specified for connection string attribute 'Encrypt'",
                        ));
                    }
                }
            }
            "trustservercertificate" => p.trust_server_certificate = yes_no(&key, &value)?,
            "hostnameincertificate" => p.host_name_in_certificate = Some(value.clone()),
            "servercertificate" => p.server_certificate = Some(value.clone()),
            "authentication" => authentication = Some(value.clone()),
            "applicationintent" => p.read_only_intent = value.eq_ignore_ascii_case("readonly"),
            "multisubnetfailover" => p.multi_subnet_failover = yes_no(&key, &value)?,
            _ => {}
        }
        if k != "pwd" {
            let needs_braces = value.contains(';') || value.starts_with('{');
            if needs_braces {
                out.push(format!("{key}={{{}}}", value.replace('}', "}}")));
            } else {
                out.push(format!("{key}={value}"));
            }
        }
    }
    if p.host.is_empty() && dsn.is_none() {
        return Err(Error::new(
            "08001",
            "Neither DSN nor SERVER keyword supplied",
        ));
    }
    Ok(Parsed {
        params: p,
        dsn,
        authentication,
        out: out.join(";"),
    })
}
