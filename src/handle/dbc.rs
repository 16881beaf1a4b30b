//! The connection handle: pre-connect attributes, login, transactions, SQLGetInfo.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::desc::Desc;
use super::{AttrValue, TAG_DBC};
use crate::auth::mode::AuthMode;
use crate::connect::ConnectProblem;
use crate::connect::dsn::OdbcIni;
use crate::connect::settings::{Encrypt, PreConnect, Settings};
use crate::diag::{DiagArea, DiagRecord, Error, Result, ServerMessage};
use crate::engine::fedauth::EntraLogin;
use crate::engine::{Encryption, LoginParams, ServerFacts, Session};

// Manual-commit mode in T-SQL. A transaction is open from the moment the mode is entered and
// again after every SQLEndTran, so @@TRANCOUNT is 1 at once, as with msodbcsql's
// transaction-manager requests (BEGIN, COMMIT/ROLLBACK with begin-new): mssql-django switches
// to autocommit only when it sees an open transaction, and without one its writes were rolled
// back at close. T-SQL instead of TM requests because some SQL Server-compatible servers answer
// those out of step (mssql-tds-notes, "Transactions").
const BEGIN: &str = "BEGIN TRAN";
const COMMIT: &str = "IF @@TRANCOUNT > 0 COMMIT TRAN";
const COMMIT_AND_BEGIN: &str = "IF @@TRANCOUNT > 0 COMMIT TRAN; BEGIN TRAN";
const ROLLBACK_AND_BEGIN: &str = "IF @@TRANCOUNT > 0 ROLLBACK TRAN; BEGIN TRAN";

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
    /// The application set SQL_ATTR_LOGIN_TIMEOUT: interactive Entra modes then keep it
    /// instead of their long default.
    pub login_timeout_explicit: bool,
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
    pub application_intent: Option<String>,
}

/// msodbcsql's pre-connect attributes (msodbcsql.h).
pub const SQL_COPT_SS_ENCRYPT: i32 = 1223;
pub const SQL_COPT_SS_TRUST_SERVER_CERTIFICATE: i32 = 1228;
pub const SQL_COPT_SS_CONNECT_RETRY_COUNT: i32 = 1234;
pub const SQL_COPT_SS_CONNECT_RETRY_INTERVAL: i32 = 1235;
pub const SQL_COPT_SS_APPLICATION_INTENT: i32 = 1247;
pub const SQL_COPT_SS_MULTISUBNET_FAILOVER: i32 = 1248;

impl DbcState {
    fn other(&self, attr: i32) -> Option<i64> {
        self.other.iter().find(|(a, _)| *a == attr).map(|(_, v)| *v)
    }

    /// The pre-connect attributes in the form `connect::settings` merges.
    fn pre_connect(&self) -> PreConnect {
        PreConnect {
            access_token: self.access_token.clone(),
            authentication: self.other(SQL_COPT_SS_AUTHENTICATION).map(|v| v as i32),
            login_timeout_secs: None,
            encrypt: self.other(SQL_COPT_SS_ENCRYPT).map(|v| v.to_string()),
            trust_server_certificate: self
                .other(SQL_COPT_SS_TRUST_SERVER_CERTIFICATE)
                .map(|v| v != 0),
            application_intent: self.application_intent.clone(),
            multi_subnet_failover: self.other(SQL_COPT_SS_MULTISUBNET_FAILOVER).map(|v| v != 0),
            connect_retry_count: self
                .other(SQL_COPT_SS_CONNECT_RETRY_COUNT)
                .map(|v| v as u32),
            connect_retry_interval: self
                .other(SQL_COPT_SS_CONNECT_RETRY_INTERVAL)
                .map(|v| v as u32),
            packet_size: (self.packet_size > 0).then_some(self.packet_size),
            current_catalog: None,
        }
    }
}

#[repr(C)]
pub struct Dbc {
    /// The handle-type tag; set to TAG_FREED on release (atomic: other clones may read it).
    pub tag: std::sync::atomic::AtomicU32,
    pub diag: Mutex<DiagArea>,
    pub state: Mutex<DbcState>,
    pub odbc_version: i32,
    /// Descriptors the application allocated on this connection (SQLAllocHandle(SQL_HANDLE_DESC));
    /// statements using one as their ARD or APD share it.
    descriptors: Mutex<Vec<Arc<Desc>>>,
}

impl Dbc {
    pub fn new(odbc_version: i32) -> Self {
        Dbc {
            tag: std::sync::atomic::AtomicU32::new(TAG_DBC),
            diag: Mutex::new(DiagArea::default()),
            state: Mutex::new(DbcState {
                session: None,
                autocommit: true,
                login_timeout: 15,
                login_timeout_explicit: false,
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
                application_intent: None,
            }),
            odbc_version,
            descriptors: Mutex::new(Vec::new()),
        }
    }

    fn descriptors(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Desc>>> {
        self.descriptors.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// SQLAllocHandle(SQL_HANDLE_DESC): a new explicit descriptor owned by this connection,
    /// returned as its handle (08003 when not connected).
    pub fn alloc_desc(&self) -> Result<usize> {
        if !self.is_connected() {
            return Err(Error::connection_not_open());
        }
        let desc = Desc::explicit(self as *const Dbc as usize);
        let handle = desc.handle();
        self.descriptors().push(desc);
        Ok(handle)
    }

    /// The explicit descriptor of this connection with this handle, if any.
    pub fn explicit_desc(&self, handle: usize) -> Option<Arc<Desc>> {
        self.descriptors()
            .iter()
            .find(|d| d.handle() == handle)
            .cloned()
    }

    /// SQLFreeHandle(SQL_HANDLE_DESC) on an explicit descriptor: it becomes an invalid handle, and
    /// the statements using it go back to their implicit descriptors. False if it is not one of
    /// this connection's.
    pub fn free_desc(&self, handle: usize) -> bool {
        let mut list = self.descriptors();
        match list.iter().position(|d| d.handle() == handle) {
            Some(i) => {
                list.remove(i).mark_freed();
                true
            }
            None => false,
        }
    }

    /// SQLDisconnect frees the descriptors allocated on the connection.
    fn free_all_descs(&self) {
        for d in self.descriptors().drain(..) {
            d.mark_freed();
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
                    let sql = if on { COMMIT } else { BEGIN };
                    run_internal(&mut st, diag, sql)?;
                }
                st.autocommit = on;
            }
            SQL_ATTR_LOGIN_TIMEOUT => {
                st.login_timeout = int.unwrap_or(15).clamp(0, u32::MAX as i64) as u32;
                st.login_timeout_explicit = true;
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
            SQL_COPT_SS_APPLICATION_INTENT => {
                if let SetValue::Text(t) = value {
                    st.application_intent = Some(t);
                }
            }
            SQL_ATTR_CONNECTION_DEAD | SQL_ATTR_AUTO_IPD => {
                return Err(Error::new("HY092", "Invalid attribute/option identifier"));
            }
            SQL_ATTR_ASYNC_ENABLE if int.unwrap_or(0) != 0 => {
                diag.warn("01S02", "Option value changed");
            }
            SQL_ATTR_ASYNC_ENABLE => {}
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
        let (settings, warnings) =
            Settings::resolve(conn_str, &st.pre_connect(), &OdbcIni).map_err(problem)?;
        for w in &warnings {
            diag.warn(w.sqlstate, &w.message);
        }
        self.login(&mut st, diag, &settings)?;
        Ok(settings.out_connection_string())
    }

    /// SQLConnect: the DSN's settings with UID/PWD from the call.
    pub fn connect(&self, diag: &mut DiagArea, dsn: &str, uid: &str, pwd: &str) -> Result<()> {
        let mut st = self.lock();
        if st.session.is_some() {
            return Err(Error::new("08002", "Connection name in use"));
        }
        let (settings, warnings) =
            Settings::from_dsn(dsn, Some(uid), Some(pwd), &st.pre_connect(), &OdbcIni)
                .map_err(problem)?;
        for w in &warnings {
            diag.warn(w.sqlstate, &w.message);
        }
        self.login(&mut st, diag, &settings)
    }

    fn login(&self, st: &mut DbcState, diag: &mut DiagArea, settings: &Settings) -> Result<()> {
        if settings.trusted_connection {
            return Err(Error::new(
                "HYC00",
                "Trusted_Connection (integrated security) is not supported yet",
            ));
        }
        // Entra ID modes: validated by `connect::settings`; `engine::fedauth::EntraLogin` is the
        // token factory the engine calls when the server's FEDAUTHINFO arrives.
        let mut params = login_params(settings, st.login_timeout);
        if let Some(mode) = settings
            .authentication
            .filter(|m| *m != AuthMode::SqlPassword)
        {
            params.login_timeout_secs = crate::engine::fedauth::login_timeout_secs(
                mode,
                settings
                    .login_timeout_secs
                    .or(st.login_timeout_explicit.then_some(st.login_timeout)),
            );
        }
        params.entra = crate::engine::fedauth::EntraLogin::prepare(
            crate::auth::EntraParams::from_settings(settings),
            params.login_timeout_secs,
        )?;
        let (session, messages) = match connect_retrying_a_refused_cached_token(&mut params) {
            Ok(s) => s,
            Err(e) => {
                let entra = params.entra.as_ref();
                if let Some(auth) = entra.and_then(|l| l.take_error()) {
                    return Err(auth.into());
                }
                let mut e = e;
                let hints = entra.map(|l| l.rejected_hints()).unwrap_or_default();
                if let Some(r) = e.records.iter_mut().find(|r| r.native == 18456) {
                    for hint in hints {
                        r.message.push('\n');
                        r.message.push_str(&hint);
                    }
                }
                return Err(e);
            }
        };
        st.facts = session.facts();
        st.uid = params.uid.clone();
        st.dsn = settings.dsn.clone().unwrap_or_default();
        st.session = Some(session);
        diag.extend(messages.iter().map(DiagRecord::server));
        if let Err(e) = self.after_login(st, diag) {
            if let Some(s) = st.session.take() {
                s.disconnect();
            }
            return Err(e);
        }
        Ok(())
    }

    /// Session options the application asked for before connecting.
    fn after_login(&self, st: &mut DbcState, diag: &mut DiagArea) -> Result<()> {
        let mut setup = Vec::new();
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
        // Last, so that the transaction starts under the isolation level just set.
        if !st.autocommit {
            setup.push(BEGIN.to_string());
        }
        if !setup.is_empty() {
            run_internal(st, diag, &setup.join("; "))?;
        }
        Ok(())
    }

    pub fn disconnect(&self) -> Result<()> {
        let mut st = self.lock();
        match st.session.take() {
            Some(s) => {
                st.owner = None;
                s.disconnect();
                drop(st);
                self.free_all_descs();
                Ok(())
            }
            None => Err(Error::connection_not_open()),
        }
    }

    /// SQLEndTran: ends the transaction and, as in manual-commit mode there always is one,
    /// begins the next.
    pub fn end_tran(&self, diag: &mut DiagArea, commit: bool) -> Result<()> {
        let mut st = self.lock();
        if st.session.is_none() {
            return Err(Error::connection_not_open());
        }
        if st.autocommit {
            return Ok(());
        }
        let sql = if commit {
            COMMIT_AND_BEGIN
        } else {
            ROLLBACK_AND_BEGIN
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

fn problem(p: ConnectProblem) -> Error {
    Error::with_native(p.sqlstate, p.native, p.message)
}

/// Logs in; when the server refused (18456) an Entra token that an earlier login had cached,
/// once more with a new token (see `EntraLogin::after_refusal`), within what is left of the
/// login timeout.
fn connect_retrying_a_refused_cached_token(
    params: &mut LoginParams,
) -> Result<(Session, Vec<ServerMessage>)> {
    let started = std::time::Instant::now();
    let first = Session::connect(params);
    let refused = matches!(&first, Err(e) if e.records.iter().any(|r| r.native == 18456));
    let retry = params
        .entra
        .as_ref()
        .filter(|_| refused)
        .and_then(EntraLogin::after_refusal);
    match retry {
        Some(entra) => {
            params.entra = Some(entra);
            if params.login_timeout_secs > 0 {
                let spent = started.elapsed().as_secs() as u32;
                params.login_timeout_secs = params.login_timeout_secs.saturating_sub(spent).max(1);
            }
            Session::connect(params)
        }
        None => first,
    }
}

/// The engine's login parameters from resolved settings.
fn login_params(s: &Settings, default_login_timeout: u32) -> LoginParams {
    LoginParams {
        host: s.server.host.clone(),
        port: s.server.port,
        instance: s.server.instance.clone(),
        database: s.database.clone().unwrap_or_default(),
        uid: s.uid.clone().unwrap_or_default(),
        pwd: s
            .pwd
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default(),
        app: s.app_name(),
        wsid: s.workstation_id(),
        language: s.language.clone().unwrap_or_default(),
        encryption: match s.encrypt {
            Encrypt::No => Encryption::No,
            Encrypt::Yes => Encryption::Yes,
            Encrypt::Strict => Encryption::Strict,
        },
        trust_server_certificate: s.trust_server_certificate,
        host_name_in_certificate: s.host_name_in_certificate.clone(),
        server_certificate: s.server_certificate.clone(),
        read_only_intent: s.application_intent_read_only,
        multi_subnet_failover: s.multi_subnet_failover,
        connect_retry_count: s.connect_retry_count,
        connect_retry_interval: s.connect_retry_interval,
        packet_size: s.packet_size.map(|p| p.clamp(512, 32767) as u16),
        login_timeout_secs: s.login_timeout_secs.unwrap_or(default_login_timeout),
        access_token: s.access_token.as_ref().map(|t| t.expose().to_string()),
        entra: None,
    }
}
