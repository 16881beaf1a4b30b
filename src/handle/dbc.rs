//! The connection handle: pre-connect attributes, login, transactions, SQLGetInfo.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{AttrValue, TAG_DBC, login};
use crate::diag::{DiagArea, DiagRecord, Error, Result};
use crate::engine::{ServerFacts, Session};

pub const SQL_ATTR_ASYNC_ENABLE: i32 = 4;
pub const SQL_ATTR_ACCESS_MODE: i32 = 101;
pub const SQL_ATTR_AUTOCOMMIT: i32 = 102;
pub const SQL_ATTR_LOGIN_TIMEOUT: i32 = 103;
pub const SQL_ATTR_TRACE: i32 = 104;
pub const SQL_ATTR_TRACEFILE: i32 = 105;
pub const SQL_ATTR_TRANSLATE_LIB: i32 = 106;
pub const SQL_ATTR_TRANSLATE_OPTION: i32 = 107;
pub const SQL_ATTR_TXN_ISOLATION: i32 = 108;
pub const SQL_ATTR_CURRENT_CATALOG: i32 = 109;
pub const SQL_ATTR_ODBC_CURSORS: i32 = 110;
pub const SQL_ATTR_QUIET_MODE: i32 = 111;
pub const SQL_ATTR_PACKET_SIZE: i32 = 112;
pub const SQL_ATTR_CONNECTION_TIMEOUT: i32 = 113;
pub const SQL_ATTR_DISCONNECT_BEHAVIOR: i32 = 114;
pub const SQL_ATTR_CONNECTION_DEAD: i32 = 1209;
pub const SQL_ATTR_AUTO_IPD: i32 = 10001;
pub const SQL_ATTR_METADATA_ID: i32 = 10014;
pub const SQL_COPT_SS_ACCESS_TOKEN: i32 = 1256;
pub const SQL_COPT_SS_AUTHENTICATION: i32 = 1255;

pub const SQL_TXN_READ_UNCOMMITTED: i64 = 1;
pub const SQL_TXN_READ_COMMITTED: i64 = 2;
pub const SQL_TXN_REPEATABLE_READ: i64 = 4;
pub const SQL_TXN_SERIALIZABLE: i64 = 8;
pub const SQL_TXN_SS_SNAPSHOT: i64 = 32;

/// Attributes that are numbers (everything else that arrives is a string or a pointer).
pub fn is_string_attr(attr: i32) -> bool {
    matches!(
        attr,
        SQL_ATTR_TRACEFILE | SQL_ATTR_TRANSLATE_LIB | SQL_ATTR_CURRENT_CATALOG
    )
}

static NEXT_STMT_ID: AtomicU64 = AtomicU64::new(1);

pub fn next_stmt_id() -> u64 {
    NEXT_STMT_ID.fetch_add(1, Ordering::Relaxed)
}

/// An attribute value as the application passed it.
pub enum SetValue<'a> {
    Int(i64),
    Text(String),
    Bytes(&'a [u8]),
}

pub struct DbcState {
    pub session: Option<Session>,
    pub autocommit: bool,
    pub login_timeout: u32,
    pub connection_timeout: u32,
    pub access_token: Option<Vec<u8>>,
    pub packet_size: u32,
    pub txn_isolation: i64,
    pub access_mode: i64,
    pub current_catalog: Option<String>,
    /// The statement whose results are still on the wire (no MARS: one at a time).
    pub owner: Option<u64>,
    pub facts: ServerFacts,
    pub dsn: String,
    pub uid: String,
    /// Attributes we accept and report back without acting on them.
    pub other: Vec<(i32, i64)>,
}

#[repr(C)]
pub struct Dbc {
    pub tag: u32,
    pub diag: Mutex<DiagArea>,
    pub state: Mutex<DbcState>,
    pub odbc_version: i32,
}

impl Dbc {
    pub fn new(odbc_version: i32) -> Self {
        Dbc {
            tag: TAG_DBC,
            diag: Mutex::new(DiagArea::default()),
            state: Mutex::new(DbcState {
                session: None,
                autocommit: true,
                login_timeout: 15,
                connection_timeout: 0,
                access_token: None,
                packet_size: 0,
                txn_isolation: SQL_TXN_READ_COMMITTED,
                access_mode: 0,
                current_catalog: None,
                owner: None,
                facts: ServerFacts::default(),
                dsn: String::new(),
                uid: String::new(),
                other: Vec::new(),
            }),
            odbc_version,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, DbcState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_attr(&self, diag: &mut DiagArea, attr: i32, value: SetValue<'_>) -> Result<()> {
        let mut st = self.lock();
        let int = match &value {
            SetValue::Int(v) => Some(*v),
            _ => None,
        };
        match attr {
            SQL_ATTR_AUTOCOMMIT => {
                let on = int.ok_or_else(Error::invalid_attribute_value)? != 0;
                if st.session.is_some() && on != st.autocommit {
                    let sql = if on {
                        "IF @@TRANCOUNT > 0 COMMIT TRAN; SET IMPLICIT_TRANSACTIONS OFF"
                    } else {
                        "SET IMPLICIT_TRANSACTIONS ON"
                    };
                    run_internal(&mut st, diag, sql)?;
                }
                st.autocommit = on;
            }
            SQL_ATTR_LOGIN_TIMEOUT => {
                st.login_timeout = int.unwrap_or(15).clamp(0, u32::MAX as i64) as u32
            }
            SQL_ATTR_CONNECTION_TIMEOUT => {
                st.connection_timeout = int.unwrap_or(0).clamp(0, u32::MAX as i64) as u32
            }
            SQL_ATTR_PACKET_SIZE => {
                if st.session.is_some() {
                    return Err(Error::new("HY011", "Attribute cannot be set now"));
                }
                st.packet_size = int.unwrap_or(0).clamp(0, 32767) as u32;
            }
            SQL_ATTR_TXN_ISOLATION => {
                let level = int.ok_or_else(Error::invalid_attribute_value)?;
                let name = match level {
                    SQL_TXN_READ_UNCOMMITTED => "READ UNCOMMITTED",
                    SQL_TXN_READ_COMMITTED => "READ COMMITTED",
                    SQL_TXN_REPEATABLE_READ => "REPEATABLE READ",
                    SQL_TXN_SERIALIZABLE => "SERIALIZABLE",
                    SQL_TXN_SS_SNAPSHOT => "SNAPSHOT",
                    _ => return Err(Error::invalid_attribute_value()),
                };
                if st.session.is_some() {
                    run_internal(
                        &mut st,
                        diag,
                        &format!("SET TRANSACTION ISOLATION LEVEL {name}"),
                    )?;
                }
                st.txn_isolation = level;
            }
            SQL_ATTR_CURRENT_CATALOG => {
                let SetValue::Text(name) = value else {
                    return Err(Error::invalid_attribute_value());
                };
                if st.session.is_some() {
                    run_internal(&mut st, diag, &format!("USE [{}]", name.replace(']', "]]")))?;
                }
                st.current_catalog = Some(name);
            }
            SQL_COPT_SS_ACCESS_TOKEN => {
                let SetValue::Bytes(bytes) = value else {
                    return Err(Error::invalid_attribute_value());
                };
                st.access_token = Some(bytes.to_vec());
            }
            SQL_ATTR_ACCESS_MODE => st.access_mode = int.unwrap_or(0),
            SQL_ATTR_CONNECTION_DEAD | SQL_ATTR_AUTO_IPD => {
                return Err(Error::new("HY092", "Invalid attribute/option identifier"));
            }
            SQL_ATTR_ASYNC_ENABLE => {
                if int.unwrap_or(0) != 0 {
                    diag.warn("01S02", "Option value changed");
                }
            }
            SQL_ATTR_TRACE
            | SQL_ATTR_TRACEFILE
            | SQL_ATTR_TRANSLATE_LIB
            | SQL_ATTR_TRANSLATE_OPTION
            | SQL_ATTR_ODBC_CURSORS
            | SQL_ATTR_QUIET_MODE
            | SQL_ATTR_DISCONNECT_BEHAVIOR
            | SQL_ATTR_METADATA_ID => {}
            // Statement attributes set on the connection (ODBC 2 style) and driver-specific
            // options we do not act on: remembered so SQLGetConnectAttr reads them back.
            other if int.is_some() => {
                st.other.retain(|(a, _)| *a != other);
                st.other.push((other, int.unwrap_or(0)));
            }
            _ => {}
        }
        Ok(())
    }

    pub fn get_attr(&self, attr: i32) -> Result<AttrValue> {
        let mut st = self.lock();
        Ok(match attr {
            SQL_ATTR_AUTOCOMMIT => AttrValue::Int(i64::from(st.autocommit)),
            SQL_ATTR_LOGIN_TIMEOUT => AttrValue::Int(i64::from(st.login_timeout)),
            SQL_ATTR_CONNECTION_TIMEOUT => AttrValue::Int(i64::from(st.connection_timeout)),
            SQL_ATTR_PACKET_SIZE => AttrValue::Int(match &st.session {
                Some(s) => i64::from(s.packet_size()),
                None => i64::from(st.packet_size),
            }),
            SQL_ATTR_TXN_ISOLATION => AttrValue::Int(st.txn_isolation),
            SQL_ATTR_ACCESS_MODE => AttrValue::Int(st.access_mode),
            SQL_ATTR_ASYNC_ENABLE
            | SQL_ATTR_TRACE
            | SQL_ATTR_ODBC_CURSORS
            | SQL_ATTR_QUIET_MODE
            | SQL_ATTR_METADATA_ID
            | SQL_ATTR_AUTO_IPD => AttrValue::Int(0),
            SQL_ATTR_CONNECTION_DEAD => AttrValue::Int(match &st.session {
                Some(s) => i64::from(s.is_dead()),
                None => 1,
            }),
            SQL_ATTR_CURRENT_CATALOG => {
                let name = match &st.session {
                    Some(s) => s.database(),
                    None => st.current_catalog.clone().unwrap_or_default(),
                };
                AttrValue::Text(name)
            }
            SQL_ATTR_TRACEFILE | SQL_ATTR_TRANSLATE_LIB => AttrValue::Text(String::new()),
            other => match st.other.iter_mut().find(|(a, _)| *a == other) {
                Some((_, v)) => AttrValue::Int(*v),
                None => return Err(Error::invalid_attribute(other)),
            },
        })
    }

    /// SQLDriverConnect: logs in and returns the out connection string.
    pub fn driver_connect(&self, diag: &mut DiagArea, conn_str: &str) -> Result<String> {
        let mut st = self.lock();
        if st.session.is_some() {
            return Err(Error::new("08002", "Connection name in use"));
        }
        let token = match &st.access_token {
            Some(bytes) => Some(decode_access_token(bytes)?),
            None => None,
        };
        let parsed = login::parse(conn_str, st.login_timeout, token)?;
        if let Some(mode) = &parsed.authentication {
            check_authentication(mode, &parsed)?;
        }
        if parsed.params.access_token.is_some()
            && (!parsed.params.uid.is_empty()
                || !parsed.params.pwd.is_empty()
                || parsed.authentication.is_some())
        {
            return Err(Error::new(
                "FA005",
                "Cannot use Access Token with any of the following options: Authentication, Integrated Security, User, Password.",
            ));
        }
        let mut params = parsed.params;
        if params.packet_size.is_none() && st.packet_size > 0 {
            params.packet_size = Some(st.packet_size.clamp(512, 32767) as u16);
        }
        let (session, messages) = Session::connect(&params)?;
        st.facts = session.facts();
        st.uid = params.uid.clone();
        st.dsn = parsed.dsn.clone().unwrap_or_default();
        st.session = Some(session);
        diag.extend(messages.iter().map(DiagRecord::server));
        if let Err(e) = self.after_login(&mut st, diag) {
            if let Some(s) = st.session.take() {
                s.disconnect();
            }
            return Err(e);
        }
        Ok(parsed.out)
    }

    /// Session options the application asked for before connecting.
    fn after_login(&self, st: &mut DbcState, diag: &mut DiagArea) -> Result<()> {
        let mut setup = Vec::new();
        if !st.autocommit {
            setup.push("SET IMPLICIT_TRANSACTIONS ON".to_string());
        }
        let isolation = match st.txn_isolation {
            SQL_TXN_READ_UNCOMMITTED => Some("READ UNCOMMITTED"),
            SQL_TXN_REPEATABLE_READ => Some("REPEATABLE READ"),
            SQL_TXN_SERIALIZABLE => Some("SERIALIZABLE"),
            SQL_TXN_SS_SNAPSHOT => Some("SNAPSHOT"),
            _ => None,
        };
        if let Some(level) = isolation {
            setup.push(format!("SET TRANSACTION ISOLATION LEVEL {level}"));
        }
        if let Some(db) = &st.current_catalog {
            setup.push(format!("USE [{}]", db.replace(']', "]]")));
        }
        if !setup.is_empty() {
            run_internal(st, diag, &setup.join("; "))?;
        }
        Ok(())
    }

    pub fn connect(&self, diag: &mut DiagArea, dsn: &str, uid: &str, pwd: &str) -> Result<()> {
        let mut conn = format!("DSN={{{}}}", dsn.replace('}', "}}"));
        if !uid.is_empty() {
            conn.push_str(&format!(";UID={{{}}}", uid.replace('}', "}}")));
        }
        if !pwd.is_empty() {
            conn.push_str(&format!(";PWD={{{}}}", pwd.replace('}', "}}")));
        }
        self.driver_connect(diag, &conn).map(|_| ())
    }

    pub fn disconnect(&self) -> Result<()> {
        let mut st = self.lock();
        match st.session.take() {
            Some(s) => {
                st.owner = None;
                s.disconnect();
                Ok(())
            }
            None => Err(Error::connection_not_open()),
        }
    }

    /// SQLEndTran through T-SQL (see the engine notes: Transaction Manager requests desync on
    /// some servers).
    pub fn end_tran(&self, diag: &mut DiagArea, commit: bool) -> Result<()> {
        let mut st = self.lock();
        if st.session.is_none() {
            return Err(Error::connection_not_open());
        }
        if st.autocommit {
            return Ok(());
        }
        let sql = if commit {
            "IF @@TRANCOUNT > 0 COMMIT TRAN"
        } else {
            "IF @@TRANCOUNT > 0 ROLLBACK TRAN"
        };
        run_internal(&mut st, diag, sql)
    }

    pub fn is_connected(&self) -> bool {
        self.lock().session.is_some()
    }
}

/// Runs a driver statement on the connection, closing whatever results another statement left
/// on the wire first (their cursors are closed, as on commit).
pub fn run_internal(st: &mut DbcState, diag: &mut DiagArea, sql: &str) -> Result<()> {
    let session = st.session.as_mut().ok_or_else(Error::connection_not_open)?;
    if st.owner.take().is_some() {
        session.close()?;
    }
    let messages = session.run(sql)?;
    diag.extend(messages.iter().map(DiagRecord::server));
    Ok(())
}

/// SQL_COPT_SS_ACCESS_TOKEN's data: UTF-16LE token bytes (an ACCESSTOKEN struct's `data`).
fn decode_access_token(bytes: &[u8]) -> Result<String> {
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return Err(Error::new(
            "HY090",
            "Invalid string or buffer length: the access token must be UTF-16LE",
        ));
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).map_err(|_| {
        Error::new(
            "HY024",
            "Invalid attribute value: the access token is not UTF-16LE",
        )
    })
}

/// Authentication= values: SqlPassword logs in here; Entra ID modes are validated the way
/// msodbcsql does and then answered HYC00 until a token factory is installed in
/// `engine::fedauth`.
fn check_authentication(mode: &str, parsed: &login::Parsed) -> Result<()> {
    let known = [
        "SqlPassword",
        "ActiveDirectoryPassword",
        "ActiveDirectoryIntegrated",
        "ActiveDirectoryInteractive",
        "ActiveDirectoryMsi",
        "ActiveDirectoryManagedIdentity",
        "ActiveDirectoryServicePrincipal",
        "ActiveDirectoryServicePrincipalCertificate",
        "ActiveDirectoryDefault",
        "ActiveDirectoryDeviceCode",
        "ActiveDirectoryWorkloadIdentity",
    ];
    let Some(canonical) = known.iter().find(|k| k.eq_ignore_ascii_case(mode)) else {
        return Err(Error::new(
            "08001",
            "Invalid value specified for connection string attribute 'Authentication'",
        ));
    };
    let needs_both = matches!(
        *canonical,
        "SqlPassword" | "ActiveDirectoryPassword" | "ActiveDirectoryServicePrincipal"
    );
    if needs_both && (parsed.params.uid.is_empty() || parsed.params.pwd.is_empty()) {
        return Err(Error::new(
            "FA003",
            format!(
                "Both User and Password options must be specified, if Authentication option is '{canonical}'."
            ),
        ));
    }
    if *canonical != "SqlPassword" {
        return Err(Error::new(
            "HYC00",
            format!("Authentication option '{canonical}' is not supported yet"),
        ));
    }
    Ok(())
}
