//! Login settings resolved from the string, the DSN and pre-connect attributes.
//!
//! Precedence, highest first (msodbcsql's documented rule: "When a connection attribute has a
//! corresponding connection string or DSN keyword and is set, the connection attribute takes
//! precedence"):
//! 1. pre-connect attributes ([`PreConnect`]),
//! 2. the connection string (first occurrence of a keyword wins; later ones are not judged),
//! 3. the DSN's odbc.ini entries (only for keywords the string does not give),
//! 4. defaults (Encrypt=yes, ConnectRetryCount=1, ConnectRetryInterval=10).

use std::collections::BTreeMap;

use super::ConnectProblem;
use super::grammar::{self, invalid_attribute};
use super::keywords::{self, Keyword, Kind};
use crate::auth::access_token::AccessToken;
use crate::auth::mode::{AttributeAuth, AuthMode};

/// Text that must never be shown: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the login packet or token request only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Pre-connect connection attributes the application set before connecting.
#[derive(Clone, Default)]
pub struct PreConnect {
    /// `SQL_COPT_SS_ACCESS_TOKEN` (1256): the struct's `data` (the `dataSize` bytes after the
    /// size), or the whole struct (4-byte size + data); see
    /// [`AccessToken::from_struct_or_data`].
    pub access_token: Option<Vec<u8>>,
    /// `SQL_COPT_SS_AUTHENTICATION` (1255), see [`AuthMode::from_attribute`].
    pub authentication: Option<i32>,
    /// `SQL_ATTR_LOGIN_TIMEOUT`.
    pub login_timeout_secs: Option<u32>,
    /// `SQL_COPT_SS_ENCRYPT` (1223) as text: `yes`/`no`/`strict` (also `1`/`0`/`2`).
    pub encrypt: Option<String>,
    /// `SQL_COPT_SS_TRUST_SERVER_CERTIFICATE` (1228).
    pub trust_server_certificate: Option<bool>,
    /// `SQL_COPT_SS_APPLICATION_INTENT` (1247): `ReadOnly` / `ReadWrite`.
    pub application_intent: Option<String>,
    /// `SQL_COPT_SS_MULTISUBNET_FAILOVER` (1248).
    pub multi_subnet_failover: Option<bool>,
    /// `SQL_COPT_SS_CONNECT_RETRY_COUNT` (1234).
    pub connect_retry_count: Option<u32>,
    /// `SQL_COPT_SS_CONNECT_RETRY_INTERVAL` (1235).
    pub connect_retry_interval: Option<u32>,
    /// `SQL_ATTR_PACKET_SIZE`.
    pub packet_size: Option<u32>,
    /// `SQL_ATTR_CURRENT_CATALOG`.
    pub current_catalog: Option<String>,
}

impl std::fmt::Debug for PreConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreConnect")
            .field(
                "access_token",
                &self
                    .access_token
                    .as_ref()
                    .map(|b| format!("*** {} bytes", b.len())),
            )
            .field("authentication", &self.authentication)
            .field("login_timeout_secs", &self.login_timeout_secs)
            .field("encrypt", &self.encrypt)
            .field("trust_server_certificate", &self.trust_server_certificate)
            .field("application_intent", &self.application_intent)
            .field("multi_subnet_failover", &self.multi_subnet_failover)
            .field("connect_retry_count", &self.connect_retry_count)
            .field("connect_retry_interval", &self.connect_retry_interval)
            .field("packet_size", &self.packet_size)
            .field("current_catalog", &self.current_catalog)
            .finish()
    }
}

/// Where DSN entries come from (odbc.ini in production, a map in tests).
pub trait DsnSource {
    fn get(&self, dsn: &str, key: &str) -> Option<String>;
}

/// A DSN source with no DSNs.
pub struct NoDsn;

impl DsnSource for NoDsn {
    fn get(&self, _dsn: &str, _key: &str) -> Option<String> {
        None
    }
}

/// `Encrypt=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encrypt {
    /// `no`/`optional`: TLS for the login only, if the server allows plain text.
    No,
    /// `yes`/`mandatory` (the default): TLS after PRELOGIN, certificate validated.
    #[default]
    Yes,
    /// `strict`: TDS 8.0, TLS before PRELOGIN, certificate always validated.
    Strict,
}

impl Encrypt {
    /// Parses a keyword value, case-insensitively.
    pub fn parse(value: &str) -> Option<Encrypt> {
        let v = value.to_ascii_lowercase();
        match v.as_str() {
            "yes" | "mandatory" => Some(Encrypt::Yes),
            "no" | "optional" => Some(Encrypt::No),
            "strict" => Some(Encrypt::Strict),
            _ => None,
        }
    }

    /// Parses `SQL_COPT_SS_ENCRYPT`: the keyword words or `SQL_EN_OFF`/`SQL_EN_ON` (0/1), 2 =
    /// strict.
    pub fn parse_attribute(value: &str) -> Option<Encrypt> {
        match value {
            "0" => Some(Encrypt::No),
            "1" => Some(Encrypt::Yes),
            "2" => Some(Encrypt::Strict),
            v => Encrypt::parse(v),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encrypt::No => "no",
            Encrypt::Yes => "yes",
            Encrypt::Strict => "strict",
        }
    }
}

/// Where to connect: `Server=[tcp:]host[\instance][,port]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerAddress {
    pub host: String,
    /// Explicit port; `None` means 1433, or SQL Browser (UDP 1434) when `instance` is set.
    pub port: Option<u16>,
    pub instance: Option<String>,
}

impl ServerAddress {
    pub const DEFAULT_PORT: u16 = 1433;
    pub const BROWSER_PORT: u16 = 1434;

    /// Parses a `Server` value; `None` when it names no usable host or port.
    ///
    /// `host:port` is not a port form (msodbcsql treats it as a host name); `(local)` and `.`
    /// mean `localhost`; `[v6addr]` brackets are removed.
    pub fn parse(value: &str) -> Option<ServerAddress> {
        // msodbcsql on Linux speaks TCP only: other protocol prefixes are [87] (measured).
        const OTHER_PROTOCOLS: &[&str] = &["np:", "lpc:", "admin:", "via:", "sm:"];
        if OTHER_PROTOCOLS
            .iter()
            .any(|p| strip_prefix_ignore_case(value, p).is_some())
        {
            return None;
        }
        let rest = strip_prefix_ignore_case(value, "tcp:").unwrap_or(value);
        let (host_part, port) = match rest.rsplit_once(',') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (rest, None),
        };
        let (host, instance) = match host_part.split_once('\\') {
            Some((h, i)) => (h, Some(i.trim())),
            None => (host_part, None),
        };
        let host = host.trim();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || instance.is_some_and(str::is_empty) {
            return None;
        }
        let host = if host.eq_ignore_ascii_case("(local)") || host == "." {
            "localhost"
        } else {
            host
        };
        Some(ServerAddress {
            host: host.to_string(),
            port,
            instance: instance.map(str::to_string),
        })
    }

    /// The port to dial when no SQL Browser lookup is needed.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(Self::DEFAULT_PORT)
    }

    /// True when the port must be asked from SQL Browser first.
    pub fn needs_browser(&self) -> bool {
        self.port.is_none() && self.instance.is_some()
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn parse_port(text: &str) -> Option<u16> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u16>().ok().filter(|&p| p != 0)
}

/// Everything the driver needs to log in, validated.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub dsn: Option<String>,
    pub driver: Option<String>,
    pub server: ServerAddress,
    pub network: Option<String>,
    pub database: Option<String>,
    pub uid: Option<String>,
    pub pwd: Option<Secret>,
    /// `APP`; see [`Settings::app_name`] for the value sent when it is absent.
    pub app: Option<String>,
    /// `WSID`; see [`Settings::workstation_id`].
    pub wsid: Option<String>,
    pub language: Option<String>,
    /// `Trusted_Connection=yes`: Kerberos (SSPI) integrated security.
    pub trusted_connection: bool,
    pub encrypt: Encrypt,
    pub trust_server_certificate: bool,
    pub host_name_in_certificate: Option<String>,
    pub server_certificate: Option<String>,
    pub application_intent_read_only: bool,
    pub multi_subnet_failover: bool,
    pub connect_retry_count: u32,
    pub connect_retry_interval: u32,
    pub packet_size: Option<u32>,
    /// Login timeout in seconds; `Some(0)` waits forever, `None` leaves the caller's default.
    pub login_timeout_secs: Option<u32>,
    pub authentication: Option<AuthMode>,
    pub access_token: Option<AccessToken>,
    /// The other recognised, non-secret keywords (canonical name -> value), e.g.
    /// `ClientCertificate`, `PublicClientId`, `ColumnEncryption`, `MARS_Connection` (see also
    /// the accessors [`Settings::client_certificate_path`], [`Settings::public_client_id`]).
    pub extra: BTreeMap<&'static str, String>,
    /// The other recognised secret keywords (`ClientKey`, `KeystoreSecret`).
    pub extra_secrets: BTreeMap<&'static str, Secret>,
    /// Canonical names of the keywords given (string and DSN), in the order given.
    pub keys_given: Vec<&'static str>,
    /// The non-secret pairs (canonical name, value) for the out string.
    from_string: Vec<(&'static str, String)>,
}

/// One keyword's value.
#[derive(Clone, Debug)]
struct Given {
    keyword: &'static Keyword,
    value: String,
    from_dsn: bool,
}

/// The keywords taken so far, in order. The first occurrence of a keyword wins and later ones
/// are not judged (msodbcsql); a value that judging drops (an empty `TrustServerCertificate=`)
/// does not count as an occurrence.
#[derive(Default)]
struct GivenSet {
    items: Vec<Given>,
    warnings: Vec<ConnectProblem>,
    /// True while odbc.ini entries are being offered.
    reading_dsn: bool,
}

impl GivenSet {
    fn get(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|g| g.keyword.name == name)
            .map(|g| g.value.as_str())
    }

    fn has(&self, keyword: &Keyword) -> bool {
        self.items.iter().any(|g| std::ptr::eq(g.keyword, keyword))
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.items.iter().position(|g| g.keyword.name == name)
    }

    /// Takes a pair unless its keyword is already taken, judging its value first.
    fn offer(
        &mut self,
        keyword: &'static Keyword,
        written: &str,
        value: String,
    ) -> Result<(), ConnectProblem> {
        if self.has(keyword) {
            return Ok(());
        }
        let verdict = judge(keyword, written, &value)?;
        if matches!(verdict, Verdict::TakeWithWarning | Verdict::DropWithWarning) {
            self.warnings.push(invalid_attribute());
        }
        if matches!(verdict, Verdict::Take | Verdict::TakeWithWarning) {
            self.items.push(Given {
                keyword,
                value,
                from_dsn: self.reading_dsn,
            });
        }
        Ok(())
    }
}

enum Verdict {
    Take,
    TakeWithWarning,
    DropSilently,
    DropWithWarning,
}

/// Judges one value as msodbcsql 18.6 does (measured): an empty value for a yes/no, integer,
/// choice or `Authentication` keyword is a 01S00 warning (and an empty `Authentication` still
/// unsets the DSN's); an empty `Server`/`Address` is as if absent; an empty `Encrypt` and any
/// other malformed value are 08001; most empty text values (`APP=`, `WSID=`, `Database=`,
/// `Language=`, `HostNameInCertificate=`...) are kept with a 01S00 warning, an empty
/// `Network=` is dropped with one, and `UID=`, `PWD=`, `ServerSPN=` pass silently.
fn judge(keyword: &Keyword, written: &str, value: &str) -> Result<Verdict, ConnectProblem> {
    if value.is_empty() {
        return match keyword.kind {
            Kind::Secret => Ok(Verdict::Take),
            Kind::Text => Ok(empty_text_verdict(keyword.name)),
            Kind::Server => Ok(Verdict::DropSilently),
            Kind::Authentication => Ok(Verdict::Take),
            Kind::YesNo | Kind::Int { .. } | Kind::Choice(_) => Ok(Verdict::DropWithWarning),
            Kind::Encrypt => Err(invalid_value(written)),
        };
    }
    let valid = match keyword.kind {
        Kind::Text | Kind::Secret | Kind::Server => true,
        Kind::YesNo => parse_yes_no(value).is_some(),
        Kind::Encrypt => Encrypt::parse(value).is_some(),
        Kind::Authentication => AuthMode::parse(value).is_some(),
        Kind::Int { .. } => parse_int(keyword, value).is_some(),
        Kind::Choice(words) => words.iter().any(|w| w.eq_ignore_ascii_case(value)),
    };
    if valid {
        Ok(Verdict::Take)
    } else {
        Err(invalid_value(written))
    }
}

fn empty_text_verdict(name: &str) -> Verdict {
    const SILENT: &[&str] = &[
        keywords::UID,
        keywords::DSN,
        keywords::DRIVER,
        keywords::DESCRIPTION,
        keywords::FILE_DSN,
        keywords::SAVE_FILE,
        "ServerSPN",
    ];
    if SILENT.contains(&name) {
        Verdict::Take
    } else if name == keywords::NETWORK {
        Verdict::DropWithWarning
    } else {
        Verdict::TakeWithWarning
    }
}

/// `08001 Invalid value specified for connection string attribute '<Key>'`, with the key as
/// the user wrote it.
pub fn invalid_value(key: &str) -> ConnectProblem {
    ConnectProblem {
        sqlstate: "08001",
        native: 0,
        message: format!("Invalid value specified for connection string attribute '{key}'"),
    }
}

/// What msodbcsql's network layer says about a `Server` value it cannot use.
pub fn invalid_server() -> ConnectProblem {
    ConnectProblem {
        sqlstate: "08001",
        native: 87,
        message: "SQL Server Network Interfaces: Connection string is not valid [87]. ".to_string(),
    }
}

fn problem(sqlstate: &'static str, message: impl Into<String>) -> ConnectProblem {
    ConnectProblem {
        sqlstate,
        native: 0,
        message: message.into(),
    }
}

/// Keywords never read from odbc.ini: those that describe the DSN itself, and the
/// credentials, which msodbcsql 18.6 ignores there too (measured: a DSN's `UID`/`PWD` give
/// "Login failed for user ''"), so a DSN cannot add `UID` to an access-token login (FA005).
const NOT_FROM_DSN: &[&str] = &[
    keywords::DSN,
    keywords::DRIVER,
    keywords::FILE_DSN,
    keywords::SAVE_FILE,
    keywords::DESCRIPTION,
    keywords::UID,
    keywords::PWD,
];

impl Settings {
    /// Resolves an SQLDriverConnect string: `Ok((settings, warnings))` or the first error.
    ///
    /// Checks come in msodbcsql's order (measured): malformed values in the order written,
    /// then "Neither DSN nor SERVER", then FA005, FA001, FA003, then an unusable `Server`.
    pub fn resolve(
        conn_str: &str,
        pre: &PreConnect,
        dsn: &dyn DsnSource,
    ) -> Result<(Settings, Vec<ConnectProblem>), ConnectProblem> {
        let parsed = grammar::parse(conn_str);
        let mut given = GivenSet {
            warnings: parsed.problems,
            ..GivenSet::default()
        };
        for (key, value) in parsed.pairs {
            match keywords::lookup(&key) {
                Some(keyword) => given.offer(keyword, &key, value)?,
                None => given.warnings.push(invalid_attribute()),
            }
        }
        if let Some(name) = dsn_to_read(&given) {
            add_dsn_entries(&mut given, &name, dsn);
        }
        let from_string = echoable_pairs(&given);
        let mut settings = build(&given, pre)?;
        settings.from_string = from_string;
        let mut warnings = given.warnings;
        warnings.dedup();
        Ok((settings, warnings))
    }

    /// Resolves an SQLConnect call: the DSN's entries with UID/PWD from the call (an empty
    /// one is not given; odbc.ini never supplies credentials).
    pub fn from_dsn(
        dsn: &str,
        uid: Option<&str>,
        pwd: Option<&str>,
        pre: &PreConnect,
        source: &dyn DsnSource,
    ) -> Result<(Settings, Vec<ConnectProblem>), ConnectProblem> {
        let mut given = GivenSet::default();
        given.offer(
            keywords::by_name(keywords::DSN),
            keywords::DSN,
            dsn.to_string(),
        )?;
        if let Some(u) = uid.filter(|u| !u.is_empty()) {
            given.offer(
                keywords::by_name(keywords::UID),
                keywords::UID,
                u.to_string(),
            )?;
        }
        if let Some(p) = pwd.filter(|p| !p.is_empty()) {
            given.offer(
                keywords::by_name(keywords::PWD),
                keywords::PWD,
                p.to_string(),
            )?;
        }
        add_dsn_entries(&mut given, dsn, source);
        let from_string = echoable_pairs(&given);
        let mut settings = build(&given, pre)?;
        settings.from_string = from_string;
        let mut warnings = given.warnings;
        warnings.dedup();
        Ok((settings, warnings))
    }

    /// The out connection string of SQLDriverConnect, laid out as msodbcsql 18.6 does
    /// (measured): `DSN`/`DRIVER`, `SERVER` (also for `Address=`), `UID`, `APP` and `WSID` (the
    /// values sent, defaults included), `DATABASE`, `LANGUAGE`, then the other keywords the
    /// string gave, in keyword-table order. Unlike msodbcsql it never contains `PWD` or any
    /// other secret.
    pub fn out_connection_string(&self) -> String {
        let given = |name: &str| {
            self.from_string
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let mut parts: Vec<(&str, String)> = Vec::new();
        let mut add = |label: &'static str, value: Option<String>| {
            if let Some(v) = value {
                parts.push((label, v));
            }
        };
        // msodbcsql puts Description first (measured).
        add("Description", given(keywords::DESCRIPTION));
        add("DSN", given(keywords::DSN));
        add("DRIVER", given(keywords::DRIVER));
        add(
            "SERVER",
            given(keywords::ADDRESS).or_else(|| given(keywords::SERVER)),
        );
        add("UID", given(keywords::UID));
        add("APP", Some(self.app_name()));
        add("WSID", Some(self.workstation_id()));
        let non_empty = |v: Option<String>| v.filter(|v| !v.is_empty());
        add("DATABASE", non_empty(given(keywords::DATABASE)));
        add("LANGUAGE", non_empty(given(keywords::LANGUAGE)));
        const LAID_OUT: &[&str] = &[
            keywords::DESCRIPTION,
            keywords::DSN,
            keywords::DRIVER,
            keywords::SERVER,
            keywords::ADDRESS,
            keywords::UID,
            keywords::APP,
            keywords::WSID,
            keywords::DATABASE,
            keywords::LANGUAGE,
        ];
        for keyword in keywords::KEYWORDS {
            if !LAID_OUT.contains(&keyword.name) {
                add(keyword.name, given(keyword.name));
            }
        }
        parts
            .iter()
            .map(|(label, value)| format!("{label}={};", quote_value(value)))
            .collect()
    }

    /// True when the string or DSN gave this keyword (canonical name), whatever its value.
    pub fn given(&self, name: &str) -> bool {
        self.keys_given.contains(&name)
    }

    /// The Entra certificate file: `ClientCertificate` (or `ClientCertPath`), without
    /// msodbcsql's `file:` prefix.
    pub fn client_certificate_path(&self) -> Option<&str> {
        let value = self.extra.get(keywords::CLIENT_CERTIFICATE)?;
        let path = strip_prefix_ignore_case(value, "file:").unwrap_or(value);
        (!path.is_empty()).then_some(path)
    }

    /// `PublicClientId`: the app registration for the public-client Entra flows.
    pub fn public_client_id(&self) -> Option<&str> {
        self.extra
            .get(keywords::PUBLIC_CLIENT_ID)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `SendCertificateChain=yes`: certificate assertions carry `x5c`.
    pub fn send_certificate_chain(&self) -> bool {
        self.extra
            .get(keywords::SEND_CERTIFICATE_CHAIN)
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
    }

    /// The APP name sent in LOGIN7: `APP`, else the process name.
    pub fn app_name(&self) -> String {
        self.app.clone().unwrap_or_else(process_name)
    }

    /// The WSID sent in LOGIN7: `WSID`, else the host name.
    pub fn workstation_id(&self) -> String {
        self.wsid.clone().unwrap_or_else(host_name)
    }
}

/// The pairs the out connection string may repeat: every non-secret one, except a server
/// that the DSN names (msodbcsql leaves it to the DSN, measured).
fn echoable_pairs(given: &GivenSet) -> Vec<(&'static str, String)> {
    given
        .items
        .iter()
        .filter(|g| !g.keyword.is_secret())
        .filter(|g| !(g.from_dsn && g.keyword.kind == Kind::Server))
        .map(|g| (g.keyword.name, g.value.clone()))
        .collect()
}

/// Braces a value only when the grammar needs it to read it back unchanged (nothing is
/// trimmed and an unbraced `}` is literal), as msodbcsql does.
fn quote_value(value: &str) -> String {
    let needs = value.contains(';') || value.starts_with('{');
    if needs {
        format!("{{{}}}", value.replace('}', "}}"))
    } else {
        value.to_string()
    }
}

/// The executable's file name (`python3.11`, as msodbcsql reports it), else the thread's
/// command name.
fn process_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/self/comm")
                .map(|s| s.trim_end().to_string())
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "sqlserver-odbc".to_string())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim_end().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_default()
}

/// The DSN to read odbc.ini entries from: named, non-empty, and not preceded by `Driver`
/// (ODBC: when both are given, the first one decides).
fn dsn_to_read(given: &GivenSet) -> Option<String> {
    let name = given.get(keywords::DSN)?.to_string();
    if name.is_empty() {
        return None;
    }
    match (
        given.position(keywords::DRIVER),
        given.position(keywords::DSN),
    ) {
        (Some(driver), Some(dsn)) if driver < dsn => None,
        _ => Some(name),
    }
}

/// Adds the DSN's entries for the keywords the string did not give. A malformed odbc.ini
/// value is ignored, as msodbcsql does (measured: `TrustServerCertificate=true` in a DSN acts as
/// absent), but unlike msodbcsql this driver says so with a 01S00 warning.
fn add_dsn_entries(given: &mut GivenSet, dsn: &str, source: &dyn DsnSource) {
    given.reading_dsn = true;
    for keyword in keywords::KEYWORDS {
        if NOT_FROM_DSN.contains(&keyword.name) || given.has(keyword) {
            continue;
        }
        let names = std::iter::once(keyword.name).chain(keyword.synonyms.iter().copied());
        for name in names {
            if let Some(value) = source.get(dsn, name).filter(|v| !v.is_empty()) {
                if given.offer(keyword, name, value).is_err() {
                    given.warnings.push(ConnectProblem {
                        message: format!(
                            "Invalid connection string attribute: the value of '{name}' in DSN '{dsn}' (odbc.ini) is not valid and was ignored"
                        ),
                        ..invalid_attribute()
                    });
                }
                break;
            }
        }
    }
}

fn parse_yes_no(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if value.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// A decimal integer within the keyword's range; no sign, no spaces.
fn parse_int(keyword: &Keyword, value: &str) -> Option<u32> {
    let Kind::Int { min, max } = keyword.kind else {
        return None;
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
}

/// Builds the settings from judged pairs: every value here is well-formed.
fn build(given: &GivenSet, pre: &PreConnect) -> Result<Settings, ConnectProblem> {
    let text = |name: &str| given.get(name).map(str::to_string);
    let flag = |name: &str| given.get(name).and_then(parse_yes_no).unwrap_or(false);
    let int = |name: &str| {
        given
            .get(name)
            .and_then(|v| parse_int(keywords::by_name(name), v))
    };

    let mut s = Settings {
        dsn: text(keywords::DSN),
        driver: text(keywords::DRIVER),
        network: text(keywords::NETWORK),
        database: text(keywords::DATABASE),
        uid: text(keywords::UID),
        pwd: given.get(keywords::PWD).map(Secret::new),
        app: text(keywords::APP),
        wsid: text(keywords::WSID),
        language: text(keywords::LANGUAGE),
        trusted_connection: flag(keywords::TRUSTED_CONNECTION),
        encrypt: given
            .get(keywords::ENCRYPT)
            .and_then(Encrypt::parse)
            .unwrap_or_default(),
        trust_server_certificate: flag(keywords::TRUST_SERVER_CERTIFICATE),
        host_name_in_certificate: text(keywords::HOST_NAME_IN_CERTIFICATE),
        server_certificate: text(keywords::SERVER_CERTIFICATE),
        application_intent_read_only: given
            .get(keywords::APPLICATION_INTENT)
            .is_some_and(|v| v.eq_ignore_ascii_case("ReadOnly")),
        multi_subnet_failover: flag(keywords::MULTI_SUBNET_FAILOVER),
        connect_retry_count: int(keywords::CONNECT_RETRY_COUNT).unwrap_or(1),
        connect_retry_interval: int(keywords::CONNECT_RETRY_INTERVAL).unwrap_or(10),
        packet_size: given
            .get(keywords::PACKET_SIZE)
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| (512..=32767).contains(n)),
        login_timeout_secs: int(keywords::LOGIN_TIMEOUT),
        authentication: given
            .get(keywords::AUTHENTICATION)
            .and_then(AuthMode::parse),
        keys_given: given.items.iter().map(|g| g.keyword.name).collect(),
        ..Settings::default()
    };
    for g in &given.items {
        if has_own_field(g.keyword.name) {
            continue;
        }
        if g.keyword.is_secret() {
            s.extra_secrets
                .insert(g.keyword.name, Secret::new(g.value.clone()));
        } else {
            s.extra.insert(g.keyword.name, g.value.clone());
        }
    }
    apply_attributes(&mut s, pre)?;
    // `Address` beats `Server` whatever the order (measured).
    let server_text = given
        .get(keywords::ADDRESS)
        .or_else(|| given.get(keywords::SERVER));
    let Some(server_text) = server_text else {
        return Err(problem("08001", "Neither DSN nor SERVER keyword supplied"));
    };
    check_authentication(&s, given)?;
    s.server = ServerAddress::parse(server_text).ok_or_else(invalid_server)?;
    // Azure drops a login with an expired token without an error token: say so first.
    if let Some(token) = &s.access_token {
        token.check_not_expired(unix_now())?;
    }
    Ok(s)
}

/// Keywords that [`Settings`] holds in a field of their own rather than in `extra`.
fn has_own_field(name: &str) -> bool {
    use keywords::*;
    [
        DSN,
        DRIVER,
        SERVER,
        ADDRESS,
        NETWORK,
        DATABASE,
        UID,
        PWD,
        APP,
        WSID,
        LANGUAGE,
        TRUSTED_CONNECTION,
        ENCRYPT,
        TRUST_SERVER_CERTIFICATE,
        HOST_NAME_IN_CERTIFICATE,
        SERVER_CERTIFICATE,
        APPLICATION_INTENT,
        MULTI_SUBNET_FAILOVER,
        CONNECT_RETRY_COUNT,
        CONNECT_RETRY_INTERVAL,
        PACKET_SIZE,
        LOGIN_TIMEOUT,
        AUTHENTICATION,
    ]
    .contains(&name)
}

/// Pre-connect attributes override the string and the DSN.
fn apply_attributes(s: &mut Settings, pre: &PreConnect) -> Result<(), ConnectProblem> {
    let bad_attribute = |name: &str, value: &dyn std::fmt::Display| {
        problem(
            "HY024",
            format!("Invalid attribute value '{value}' for {name}"),
        )
    };
    if let Some(v) = &pre.encrypt {
        s.encrypt =
            Encrypt::parse_attribute(v).ok_or_else(|| bad_attribute("SQL_COPT_SS_ENCRYPT", v))?;
    }
    if let Some(v) = pre.trust_server_certificate {
        s.trust_server_certificate = v;
    }
    if let Some(v) = &pre.application_intent {
        s.application_intent_read_only = if v.eq_ignore_ascii_case("ReadOnly") {
            true
        } else if v.eq_ignore_ascii_case("ReadWrite") {
            false
        } else {
            return Err(bad_attribute("SQL_COPT_SS_APPLICATION_INTENT", v));
        };
    }
    if let Some(v) = pre.multi_subnet_failover {
        s.multi_subnet_failover = v;
    }
    if let Some(v) = pre.connect_retry_count {
        if v > 255 {
            return Err(bad_attribute("SQL_COPT_SS_CONNECT_RETRY_COUNT", &v));
        }
        s.connect_retry_count = v;
    }
    if let Some(v) = pre.connect_retry_interval {
        if !(1..=60).contains(&v) {
            return Err(bad_attribute("SQL_COPT_SS_CONNECT_RETRY_INTERVAL", &v));
        }
        s.connect_retry_interval = v;
    }
    if let Some(v) = pre.packet_size {
        if !(512..=32767).contains(&v) {
            return Err(bad_attribute("SQL_ATTR_PACKET_SIZE", &v));
        }
        s.packet_size = Some(v);
    }
    if let Some(v) = pre.login_timeout_secs {
        s.login_timeout_secs = Some(v);
    }
    if let Some(v) = &pre.current_catalog {
        s.database = Some(v.clone());
    }
    if let Some(v) = pre.authentication {
        match AuthMode::from_attribute(v)? {
            AttributeAuth::Reset => {}
            AttributeAuth::None => s.authentication = None,
            AttributeAuth::Mode(m) => s.authentication = Some(m),
        }
    }
    if let Some(bytes) = &pre.access_token {
        s.access_token = Some(AccessToken::from_struct_or_data(bytes)?);
    }
    Ok(())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// msodbcsql's FA001/FA003/FA005 rules, plus the certificate mode's own requirement.
fn check_authentication(s: &Settings, given: &GivenSet) -> Result<(), ConnectProblem> {
    // Measured: UID or PWD given even empty, a mode named, or Trusted_Connection=yes (`=no`
    // and an empty `Authentication=` are fine).
    if s.access_token.is_some()
        && (given.get(keywords::UID).is_some()
            || given.get(keywords::PWD).is_some()
            || s.trusted_connection
            || s.authentication.is_some())
    {
        return Err(problem(
            "FA005",
            "Cannot use Access Token with any of the following options: Authentication, Integrated Security, User, Password.",
        ));
    }
    let Some(mode) = s.authentication else {
        return Ok(());
    };
    if s.trusted_connection {
        return Err(problem(
            "FA001",
            "Cannot use Authentication option with Integrated Security option.",
        ));
    }
    // Measured: an empty `UID=` or `PWD=` counts as specified.
    let has_uid = s.uid.is_some();
    let has_pwd = s.pwd.is_some();
    // Extension: a service principal may present a certificate instead of a secret.
    let has_certificate = s.client_certificate_path().is_some();
    let secret_optional = mode == AuthMode::ActiveDirectoryServicePrincipal && has_certificate;
    if mode.requires_uid_and_pwd() && !(has_uid && (has_pwd || secret_optional)) {
        return Err(problem(
            "FA003",
            format!(
                "Both User and Password options must be specified, if Authentication option is '{mode}'."
            ),
        ));
    }
    if mode == AuthMode::ActiveDirectoryServicePrincipalCertificate && !(has_uid && has_certificate)
    {
        return Err(problem(
            "FA003",
            format!(
                "Both User and ClientCertificate options must be specified, if Authentication option is '{mode}'."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// odbc.ini in memory: (dsn, key) -> value, keys case-insensitive like unixODBC.
    #[derive(Default)]
    struct MapDsn(HashMap<(String, String), String>);

    impl MapDsn {
        fn with(entries: &[(&str, &str, &str)]) -> MapDsn {
            MapDsn(
                entries
                    .iter()
                    .map(|(d, k, v)| ((d.to_string(), k.to_ascii_lowercase()), v.to_string()))
                    .collect(),
            )
        }
    }

    impl DsnSource for MapDsn {
        fn get(&self, dsn: &str, key: &str) -> Option<String> {
            self.0
                .get(&(dsn.to_string(), key.to_ascii_lowercase()))
                .cloned()
        }
    }

    fn ok(s: &str) -> (Settings, Vec<ConnectProblem>) {
        Settings::resolve(s, &PreConnect::default(), &NoDsn)
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn settings(s: &str) -> Settings {
        let (settings, warnings) = ok(s);
        assert!(warnings.is_empty(), "{s}: {warnings:?}");
        settings
    }

    fn err(s: &str) -> ConnectProblem {
        Settings::resolve(s, &PreConnect::default(), &NoDsn).expect_err(s)
    }

    fn err_with(s: &str, pre: &PreConnect) -> ConnectProblem {
        Settings::resolve(s, pre, &NoDsn).expect_err(s)
    }

    fn invalid(key: &str) -> String {
        format!("Invalid value specified for connection string attribute '{key}'")
    }

    fn utf16_token(tok: &str) -> Vec<u8> {
        let data: Vec<u8> = tok.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut v = (data.len() as u32).to_le_bytes().to_vec();
        v.extend(data);
        v
    }

    fn with_token() -> PreConnect {
        PreConnect {
            access_token: Some(utf16_token("eyJ.tok.sig")),
            ..PreConnect::default()
        }
    }

    #[test]
    fn basic_sql_login() {
        let s = settings(
            "Driver={ODBC Driver RS for SQL Server};Server=db.example.com;UID=sa;PWD=p@ss;Database=app",
        );
        assert_eq!(s.server.host, "db.example.com");
        assert_eq!(s.server.port, None);
        assert_eq!(s.server.port_or_default(), 1433);
        assert_eq!(s.uid.as_deref(), Some("sa"));
        assert_eq!(s.pwd.as_ref().map(Secret::expose), Some("p@ss"));
        assert_eq!(s.database.as_deref(), Some("app"));
        assert_eq!(s.encrypt, Encrypt::Yes);
        assert!(!s.trust_server_certificate);
        assert_eq!(s.connect_retry_count, 1);
        assert_eq!(s.connect_retry_interval, 10);
        assert_eq!(s.authentication, None);
    }

    #[test]
    fn server_forms() {
        let cases: &[(&str, &str, Option<u16>, Option<&str>)] = &[
            ("tcp:h,1500", "h", Some(1500), None),
            ("TCP:h,1500", "h", Some(1500), None),
            ("h,1500", "h", Some(1500), None),
            ("h, 1500", "h", Some(1500), None),
            ("tcp:h", "h", None, None),
            ("h\\SQLEXPRESS", "h", None, Some("SQLEXPRESS")),
            ("h\\inst,1600", "h", Some(1600), Some("inst")),
            ("h:1500", "h:1500", None, None),
            ("(local)", "localhost", None, None),
            ("(LOCAL),1444", "localhost", Some(1444), None),
            (".", "localhost", None, None),
            (".\\inst", "localhost", None, Some("inst")),
            ("localhost", "localhost", None, None),
            ("127.0.0.1,51433", "127.0.0.1", Some(51433), None),
            ("[::1],1433", "::1", Some(1433), None),
            ("::1,1433", "::1", Some(1433), None),
        ];
        for (value, host, port, instance) in cases {
            let a = settings(&format!("Server={value}")).server;
            assert_eq!(
                (a.host.as_str(), a.port, a.instance.as_deref()),
                (*host, *port, *instance),
                "{value}"
            );
        }
        assert!(ServerAddress::parse("h\\inst").unwrap().needs_browser());
        assert!(!ServerAddress::parse("h\\inst,1").unwrap().needs_browser());
    }

    #[test]
    fn unusable_server_values_are_the_network_layers_08001() {
        for v in [
            "h,abc",
            "h,",
            "h,0",
            "h,70000",
            "tcp:",
            ",1433",
            "h\\",
            "np:h",
            "LPC:h,1",
            "admin:h,1",
        ] {
            let e = err(&format!("Server={v}"));
            assert_eq!((e.sqlstate, e.native), ("08001", 87), "{v}");
            assert_eq!(
                e.message, "SQL Server Network Interfaces: Connection string is not valid [87]. ",
                "{v}"
            );
        }
    }

    #[test]
    fn empty_server_is_as_if_absent() {
        assert_eq!(settings("Server=;Server=h2").server.host, "h2");
        assert_eq!(settings("Address=;Server=h3").server.host, "h3");
        assert_eq!(
            err("Server=").message,
            "Neither DSN nor SERVER keyword supplied"
        );
    }

    #[test]
    fn address_beats_server_whatever_the_order() {
        assert_eq!(settings("Address=a1").server.host, "a1");
        assert_eq!(settings("addr=a2").server.host, "a2");
        assert_eq!(settings("Server=s;Address=a1").server.host, "a1");
        assert_eq!(settings("Address=a1;Server=s").server.host, "a1");
        assert_eq!(settings("Addr=first;Address=second").server.host, "first");
    }

    #[test]
    fn network_synonyms() {
        assert_eq!(
            settings("Net=dbmssocn;Server=h").network.as_deref(),
            Some("dbmssocn")
        );
        assert_eq!(settings("Network=x;Server=h").network.as_deref(), Some("x"));
    }

    #[test]
    fn no_server_and_no_dsn() {
        let e = err("UID=sa;PWD=x");
        assert_eq!(e.sqlstate, "08001");
        assert_eq!(e.message, "Neither DSN nor SERVER keyword supplied");
        assert_eq!(err("").message, "Neither DSN nor SERVER keyword supplied");
    }

    #[test]
    fn keys_are_case_insensitive() {
        let s = settings("SERVER=h;uid=u;Pwd=p;DATABASE=d;app=myapp;wsid=box");
        assert_eq!(s.uid.as_deref(), Some("u"));
        assert_eq!(s.database.as_deref(), Some("d"));
        assert_eq!(s.app_name(), "myapp");
        assert_eq!(s.workstation_id(), "box");
    }

    #[test]
    fn app_and_wsid_default_to_process_and_host() {
        let s = settings("Server=h");
        assert_eq!(s.app, None);
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        assert_eq!(s.app_name(), exe.file_name().unwrap().to_string_lossy());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        assert_eq!(s.workstation_id(), host.trim_end());
    }

    #[test]
    fn untrimmed_key_is_unknown_and_warns() {
        let (s, w) = ok("Server=h; UID =sa");
        assert_eq!(s.uid, None);
        assert_eq!(w, vec![invalid_attribute()]);
        assert_eq!(w[0].message, "Invalid connection string attribute");
    }

    #[test]
    fn values_are_not_trimmed() {
        let s = settings("Server=h;UID= u ;PWD= x ");
        assert_eq!(s.uid.as_deref(), Some(" u "));
        assert_eq!(s.pwd.unwrap().expose(), " x ");
    }

    #[test]
    fn braced_password() {
        let s = settings("Server=h;UID=u;PWD={se;cr}}et}");
        assert_eq!(s.pwd.unwrap().expose(), "se;cr}et");
    }

    #[test]
    fn unterminated_brace_warns_01s00() {
        let (s, w) = ok("Server=h;UID=u;PWD={abc;Database=d");
        assert_eq!(s.pwd.unwrap().expose(), "abc;Database=d");
        assert_eq!(s.database, None);
        assert_eq!(w, vec![invalid_attribute()]);
    }

    #[test]
    fn text_after_a_brace_ends_the_string_with_a_warning() {
        let (s, w) = ok("Server={h}x;Encrypt=bad");
        assert_eq!(s.server.host, "h");
        assert_eq!(w, vec![invalid_attribute()]);
    }

    #[test]
    fn unknown_keys_warn_once_and_are_ignored() {
        let (s, w) = ok("Server=h;Initial Catalog=x;User ID=u;Packet Size=4096;PWD={x");
        assert_eq!(s.database, None);
        assert_eq!(s.uid, None);
        assert_eq!(s.packet_size, None);
        assert_eq!(
            w,
            vec![invalid_attribute()],
            "one 01S00 however many problems"
        );
    }

    #[test]
    fn first_duplicate_wins_and_later_ones_are_not_validated() {
        let s = settings(
            "Server=h;Database=one;Database=two;Encrypt=no;Encrypt=bogus;TrustServerCertificate=yes;TrustServerCertificate=true",
        );
        assert_eq!(s.database.as_deref(), Some("one"));
        assert_eq!(s.encrypt, Encrypt::No);
        assert!(s.trust_server_certificate);
        assert_eq!(settings("Server=first;Server=second").server.host, "first");
    }

    #[test]
    fn booleans_take_only_yes_and_no() {
        assert!(settings("Server=h;TrustServerCertificate=YES").trust_server_certificate);
        assert!(!settings("Server=h;TrustServerCertificate=No").trust_server_certificate);
        for key in [
            "TrustServerCertificate",
            "Trusted_Connection",
            "MultiSubnetFailover",
            "MARS_Connection",
            "AutoTranslate",
            "QuotedId",
            "AnsiNPW",
            "UseFMTONLY",
            "Regional",
            "ConcatNullYieldsNull",
        ] {
            for v in ["true", "false", "1", "0", " yes", "on"] {
                let e = err(&format!("Server=h;{key}={v}"));
                assert_eq!(
                    (e.sqlstate, e.message),
                    ("08001", invalid(key)),
                    "{key}={v}"
                );
            }
        }
    }

    #[test]
    fn error_names_the_key_as_written() {
        let e = err("Server=h;trustservercertificate=true");
        assert_eq!(e.message, invalid("trustservercertificate"));
    }

    #[test]
    fn empty_values_warn_or_fail_as_measured() {
        for key in [
            "TrustServerCertificate",
            "ConnectRetryCount",
            "ApplicationIntent",
            "MultiSubnetFailover",
        ] {
            let (_, w) = ok(&format!("Server=h;{key}="));
            assert_eq!(w, vec![invalid_attribute()], "{key}");
        }
        let e = err("Server=h;TrustServerCertificate=;TrustServerCertificate=true");
        assert_eq!(
            e.sqlstate, "08001",
            "a dropped empty value does not hide a later one"
        );
        assert_eq!(
            err("Server=h;Encrypt=;Encrypt=no").message,
            invalid("Encrypt")
        );
        let (s, w) = ok("Server=h;Authentication=;Authentication=bad");
        assert_eq!((s.authentication, w.len()), (None, 0));
    }

    #[test]
    fn lenient_keywords_take_any_text() {
        for kv in [
            "Replication=true",
            "LongAsMax=true",
            "GetDataExtensions=1",
            "IpAddressPreference=x",
            "ColumnEncryption=x",
            "RetryExec=x",
            "PacketSize=abc",
        ] {
            settings(&format!("Server=h;{kv}"));
        }
    }

    #[test]
    fn encrypt_values() {
        let cases = [
            ("yes", Encrypt::Yes),
            ("Mandatory", Encrypt::Yes),
            ("no", Encrypt::No),
            ("OPTIONAL", Encrypt::No),
            ("strict", Encrypt::Strict),
            ("Strict", Encrypt::Strict),
        ];
        for (v, e) in cases {
            assert_eq!(settings(&format!("Server=h;Encrypt={v}")).encrypt, e, "{v}");
        }
        assert_eq!(settings("Server=h").encrypt, Encrypt::Yes);
        for v in ["maybe", "true", "false", ""] {
            assert_eq!(
                err(&format!("Server=h;Encrypt={v}")).message,
                invalid("Encrypt"),
                "{v}"
            );
        }
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(
            settings("Server=h;ConnectRetryCount=0").connect_retry_count,
            0
        );
        assert_eq!(
            settings("Server=h;ConnectRetryCount=255").connect_retry_count,
            255
        );
        assert_eq!(
            settings("Server=h;ConnectRetryInterval=1").connect_retry_interval,
            1
        );
        assert_eq!(
            settings("Server=h;ConnectRetryInterval=60").connect_retry_interval,
            60
        );
        assert_eq!(settings("Server=h;PacketSize=512").packet_size, Some(512));
        assert_eq!(
            settings("Server=h;PacketSize=32767").packet_size,
            Some(32767)
        );
        for ignored in [
            "PacketSize=511",
            "PacketSize=32768",
            "PacketSize= 4096",
            "PacketSize=-1",
        ] {
            assert_eq!(
                settings(&format!("Server=h;{ignored}")).packet_size,
                None,
                "{ignored}"
            );
        }
        for bad in [
            "ConnectRetryCount=256",
            "ConnectRetryCount=-1",
            "ConnectRetryCount=+1",
            "ConnectRetryCount= 1",
            "ConnectRetryCount=x",
            "ConnectRetryInterval=0",
            "ConnectRetryInterval=61",
            "KeepAlive=abc",
        ] {
            let key = bad.split('=').next().unwrap();
            assert_eq!(
                err(&format!("Server=h;{bad}")).message,
                invalid(key),
                "{bad}"
            );
        }
    }

    #[test]
    fn login_timeout_extension_synonyms() {
        for key in [
            "LoginTimeout",
            "Connection Timeout",
            "ConnectTimeout",
            "Connect Timeout",
            "connection timeout",
        ] {
            assert_eq!(
                settings(&format!("Server=h;{key}=30")).login_timeout_secs,
                Some(30),
                "{key}"
            );
        }
        assert_eq!(
            settings("Server=h;LoginTimeout=0").login_timeout_secs,
            Some(0)
        );
        assert_eq!(settings("Server=h").login_timeout_secs, None);
        assert_eq!(
            err("Server=h;Connect Timeout=soon").message,
            invalid("Connect Timeout")
        );
    }

    #[test]
    fn first_error_in_string_order_is_returned() {
        let e = err("Server=h;Encrypt=bad;TrustServerCertificate=bad");
        assert_eq!(e.message, invalid("Encrypt"));
    }

    #[test]
    fn other_keywords_are_kept_for_later() {
        let s = settings(
            "Server=h;MARS_Connection=yes;ColumnEncryption=Enabled;ClientKey=file:/k,keypass;ClientCertPath=/c.pem;ApplicationClientId=app-1;SendCertificateChain=yes",
        );
        assert_eq!(
            s.extra.get("MARS_Connection").map(String::as_str),
            Some("yes")
        );
        assert_eq!(
            s.extra.get("ClientCertificate").map(String::as_str),
            Some("/c.pem")
        );
        assert_eq!(
            s.extra_secrets.get("ClientKey").map(Secret::expose),
            Some("file:/k,keypass")
        );
        assert!(!format!("{s:?}").contains("keypass"));
        assert!(s.given("MARS_Connection"));
        assert!(!s.given("UID"));
    }

    #[test]
    fn choices_are_case_insensitive() {
        assert!(settings("Server=h;ApplicationIntent=readonly").application_intent_read_only);
        assert!(!settings("Server=h;ApplicationIntent=ReadWrite").application_intent_read_only);
        assert_eq!(
            err("Server=h;ApplicationIntent=Read").message,
            invalid("ApplicationIntent")
        );
        assert_eq!(
            err("Server=h;TransparentNetworkIPResolution=maybe").message,
            invalid("TransparentNetworkIPResolution")
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let s = settings("Server=h;UID=u;PWD=hunter2");
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn out_string_has_no_secrets() {
        let s = settings(
            "Driver={ODBC Driver RS for SQL Server};Server=tcp:h,1433;UID=sa;PWD={p;w};KeystoreSecret=ks;ClientKey=file:/k,kp;Database=my db;APP={a;b}",
        );
        let out = s.out_connection_string();
        assert_eq!(
            out,
            format!(
                "DRIVER=ODBC Driver RS for SQL Server;SERVER=tcp:h,1433;UID=sa;APP={{a;b}};WSID={};DATABASE=my db;",
                s.workstation_id()
            )
        );
        for secret in ["p;w", "ks", "kp", "PWD", "Keystore", "ClientKey"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
    }

    #[test]
    fn out_string_layout_follows_msodbcsql() {
        let (s, _) = ok(
            "MultiSubnetFailover=yes;Encrypt=no;Language=us_english;Address=a,1;Database=d;UID=u;Foo=bar;WSID=w;APP=p;ConnectRetryCount=3",
        );
        assert_eq!(
            s.out_connection_string(),
            "SERVER=a,1;UID=u;APP=p;WSID=w;DATABASE=d;LANGUAGE=us_english;Encrypt=no;MultiSubnetFailover=yes;ConnectRetryCount=3;"
        );
        let defaults = settings("Server=h").out_connection_string();
        assert_eq!(
            defaults,
            format!(
                "SERVER=h;APP={};WSID={};",
                quote_value(&s_app()),
                quote_value(&s_wsid())
            )
        );
    }

    fn s_app() -> String {
        settings("Server=h").app_name()
    }

    fn s_wsid() -> String {
        settings("Server=h").workstation_id()
    }

    #[test]
    fn empty_text_values_as_msodbcsql() {
        let (s, w) = ok("Server=h;APP=;WSID=;HostNameInCertificate=");
        assert_eq!(w, vec![invalid_attribute()]);
        assert_eq!((s.app.as_deref(), s.wsid.as_deref()), (Some(""), Some("")));
        let (s, w) = ok("Server=h;Network=;Database=;Language=");
        assert_eq!(w, vec![invalid_attribute()]);
        assert_eq!(s.network, None);
        assert!(!s.out_connection_string().contains("DATABASE"));
        let (_, w) = ok("Server=h;UID=;PWD=;ServerSPN=;Description=");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn out_string_braces_only_what_needs_it() {
        let (s, _) = ok("Description={a;b};Server=h;APP=my app;Database={{x}");
        assert_eq!(s.database.as_deref(), Some("{x"));
        let out = s.out_connection_string();
        assert!(
            out.starts_with("Description={a;b};SERVER=h;APP=my app;"),
            "{out}"
        );
        assert!(out.ends_with(";DATABASE={{x};"), "{out}");
        let (again, _) = ok(&out);
        assert_eq!(again.database.as_deref(), Some("{x"));
    }

    #[test]
    fn out_string_reads_back_the_same() {
        let s = settings("Server=h;Database={we}}ird;db};APP= spaced ");
        let again = settings(&s.out_connection_string());
        assert_eq!(again.database.as_deref(), Some("we}ird;db"));
        assert_eq!(again.app.as_deref(), Some(" spaced "));
    }

    #[test]
    fn dsn_entries_fill_what_the_string_lacks() {
        let dsn = MapDsn::with(&[
            ("prod", "Server", "dsnhost,1500"),
            ("prod", "Database", "dsndb"),
            ("prod", "Encrypt", "no"),
            ("prod", "Driver", "/some/lib.so"),
        ]);
        let (s, w) = Settings::resolve(
            "DSN=prod;Database=mine;UID=u;PWD=p",
            &PreConnect::default(),
            &dsn,
        )
        .unwrap();
        assert!(w.is_empty());
        assert_eq!(s.server.host, "dsnhost");
        assert_eq!(s.server.port, Some(1500));
        assert_eq!(s.database.as_deref(), Some("mine"));
        assert_eq!(s.encrypt, Encrypt::No);
        assert_eq!(s.driver, None);
        assert_eq!(
            s.out_connection_string(),
            format!(
                "DSN=prod;UID=u;APP={};WSID={};DATABASE=mine;Encrypt=no;",
                quote_value(&s.app_name()),
                quote_value(&s.workstation_id())
            )
        );
    }

    #[test]
    fn dsn_credentials_are_ignored() {
        let dsn = MapDsn::with(&[("d", "Server", "h"), ("d", "UID", "u"), ("d", "PWD", "p")]);
        let (s, _) = Settings::resolve("DSN=d", &PreConnect::default(), &dsn).unwrap();
        assert_eq!((s.uid, s.pwd), (None, None));
        let pre = PreConnect {
            access_token: Some(utf16_token("eyJ.tok.sig")),
            ..PreConnect::default()
        };
        assert!(Settings::resolve("DSN=d", &pre, &dsn).is_ok());
    }

    #[test]
    fn dsn_synonym_entries_are_read() {
        let dsn = MapDsn::with(&[("d", "Addr", "viaaddr")]);
        let (s, _) = Settings::resolve("DSN=d", &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.server.host, "viaaddr");
    }

    #[test]
    fn invalid_dsn_values_are_ignored_with_a_warning() {
        let dsn = MapDsn::with(&[
            ("d", "Server", "h"),
            ("d", "TrustServerCertificate", "true"),
            ("d", "Encrypt", "no"),
        ]);
        let (s, w) = Settings::resolve("DSN=d", &PreConnect::default(), &dsn).unwrap();
        assert!(!s.trust_server_certificate);
        assert!(!s.given("TrustServerCertificate"));
        assert_eq!(s.encrypt, Encrypt::No);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].sqlstate, "01S00");
        assert!(
            w[0].message.contains("'TrustServerCertificate' in DSN 'd'"),
            "{}",
            w[0].message
        );
        assert!(!s.out_connection_string().contains("TrustServerCertificate"));
    }

    #[test]
    fn driver_before_dsn_ignores_the_dsn() {
        let dsn = MapDsn::with(&[("d", "Server", "fromdsn")]);
        let (s, _) =
            Settings::resolve("Driver=x;DSN=d;Server=h", &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.server.host, "h");
        let e = Settings::resolve("Driver=x;DSN=d", &PreConnect::default(), &dsn).unwrap_err();
        assert_eq!(e.message, "Neither DSN nor SERVER keyword supplied");
    }

    #[test]
    fn sql_connect_uses_the_dsn_and_call_credentials() {
        let dsn = MapDsn::with(&[
            ("d", "Server", "h"),
            ("d", "UID", "dsnuser"),
            ("d", "Database", "db"),
        ]);
        let (s, _) =
            Settings::from_dsn("d", Some("u"), Some("p"), &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.server.host, "h");
        assert_eq!(s.uid.as_deref(), Some("u"));
        assert_eq!(s.pwd.unwrap().expose(), "p");
        assert_eq!(s.database.as_deref(), Some("db"));
        let (s, _) = Settings::from_dsn("d", Some(""), None, &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.uid, None, "credentials are never read from odbc.ini");
        let e =
            Settings::from_dsn("missing", None, None, &PreConnect::default(), &dsn).unwrap_err();
        assert_eq!(e.message, "Neither DSN nor SERVER keyword supplied");
    }

    #[test]
    fn attributes_override_the_string() {
        let pre = PreConnect {
            encrypt: Some("strict".into()),
            trust_server_certificate: Some(true),
            application_intent: Some("ReadOnly".into()),
            multi_subnet_failover: Some(true),
            connect_retry_count: Some(3),
            connect_retry_interval: Some(5),
            packet_size: Some(8192),
            login_timeout_secs: Some(7),
            current_catalog: Some("attrdb".into()),
            ..PreConnect::default()
        };
        let (s, _) = Settings::resolve(
            "Server=h;Encrypt=no;TrustServerCertificate=no;Database=strdb;LoginTimeout=30;ConnectRetryCount=9",
            &pre,
            &NoDsn,
        )
        .unwrap();
        assert_eq!(s.encrypt, Encrypt::Strict);
        assert!(s.trust_server_certificate);
        assert!(s.application_intent_read_only);
        assert!(s.multi_subnet_failover);
        assert_eq!(s.connect_retry_count, 3);
        assert_eq!(s.connect_retry_interval, 5);
        assert_eq!(s.packet_size, Some(8192));
        assert_eq!(s.login_timeout_secs, Some(7));
        assert_eq!(s.database.as_deref(), Some("attrdb"));
    }

    #[test]
    fn encrypt_attribute_numbers() {
        for (v, e) in [
            ("0", Encrypt::No),
            ("1", Encrypt::Yes),
            ("2", Encrypt::Strict),
            ("no", Encrypt::No),
        ] {
            let pre = PreConnect {
                encrypt: Some(v.into()),
                ..PreConnect::default()
            };
            assert_eq!(
                Settings::resolve("Server=h", &pre, &NoDsn)
                    .unwrap()
                    .0
                    .encrypt,
                e,
                "{v}"
            );
        }
    }

    #[test]
    fn bad_attribute_values_are_hy024() {
        let cases = [
            PreConnect {
                encrypt: Some("perhaps".into()),
                ..PreConnect::default()
            },
            PreConnect {
                application_intent: Some("x".into()),
                ..PreConnect::default()
            },
            PreConnect {
                connect_retry_count: Some(256),
                ..PreConnect::default()
            },
            PreConnect {
                connect_retry_interval: Some(0),
                ..PreConnect::default()
            },
            PreConnect {
                packet_size: Some(100),
                ..PreConnect::default()
            },
            PreConnect {
                authentication: Some(42),
                ..PreConnect::default()
            },
        ];
        for pre in cases {
            assert_eq!(err_with("Server=h", &pre).sqlstate, "HY024", "{pre:?}");
        }
    }

    #[test]
    fn every_authentication_mode_parses_and_bad_ones_are_08001() {
        for &m in AuthMode::all() {
            let extra = if m == AuthMode::ActiveDirectoryServicePrincipalCertificate {
                ";ClientCertificate=/c.pem"
            } else {
                ""
            };
            let cs = format!(
                "Server=h;UID=u;PWD=p;Authentication={}{extra}",
                m.name().to_lowercase()
            );
            assert_eq!(settings(&cs).authentication, Some(m));
        }
        let e = err("Server=h;Authentication=AzureMagic");
        assert_eq!(
            (e.sqlstate, e.message),
            ("08001", invalid("Authentication"))
        );
    }

    #[test]
    fn empty_authentication_unsets_the_dsn_value() {
        let dsn = MapDsn::with(&[
            ("d", "Server", "h"),
            ("d", "Authentication", "ActiveDirectoryMsi"),
        ]);
        let (s, _) = Settings::resolve("DSN=d", &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.authentication, Some(AuthMode::ActiveDirectoryMsi));
        let (s, _) =
            Settings::resolve("DSN=d;Authentication=", &PreConnect::default(), &dsn).unwrap();
        assert_eq!(s.authentication, None);
    }

    #[test]
    fn authentication_attribute_overrides_or_resets() {
        let with = |n| PreConnect {
            authentication: Some(n),
            ..PreConnect::default()
        };
        let mode = |n| {
            Settings::resolve(
                "Server=h;Authentication=ActiveDirectoryMsi",
                &with(n),
                &NoDsn,
            )
            .unwrap()
            .0
            .authentication
        };
        assert_eq!(mode(0), None);
        assert_eq!(mode(-1), Some(AuthMode::ActiveDirectoryMsi));
        assert_eq!(mode(101), Some(AuthMode::ActiveDirectoryDefault));
        assert_eq!(err_with("Server=h", &with(1)).sqlstate, "FA003");
    }

    #[test]
    fn fa001_authentication_with_trusted_connection() {
        for mode in [
            "ActiveDirectoryIntegrated",
            "ActiveDirectoryMsi",
            "SqlPassword",
        ] {
            let e = err(&format!(
                "Server=h;UID=u;PWD=p;Authentication={mode};Trusted_Connection=yes"
            ));
            assert_eq!(e.sqlstate, "FA001");
            assert_eq!(
                e.message,
                "Cannot use Authentication option with Integrated Security option."
            );
        }
        let s = settings("Server=h;Authentication=ActiveDirectoryMsi;Trusted_Connection=no");
        assert!(s.authentication.is_some());
        assert!(settings("Server=h;Trusted_Connection=yes").trusted_connection);
    }

    #[test]
    fn fa003_needs_both_user_and_password() {
        for mode in [
            "SqlPassword",
            "ActiveDirectoryPassword",
            "ActiveDirectoryServicePrincipal",
        ] {
            for creds in ["", "UID=u;", "PWD=p;", "Trusted_Connection=no;"] {
                let e = err(&format!("Server=h;{creds}Authentication={mode}"));
                assert_eq!(e.sqlstate, "FA003", "{mode} {creds}");
                assert_eq!(
                    e.message,
                    format!(
                        "Both User and Password options must be specified, if Authentication option is '{mode}'."
                    )
                );
            }
            let s = settings(&format!("Server=h;UID=u;PWD=p;Authentication={mode}"));
            assert!(s.authentication.is_some());
            // Measured: empty values count as specified.
            let s = settings(&format!("Server=h;UID=;PWD=;Authentication={mode}"));
            assert!(s.authentication.is_some());
        }
    }

    #[test]
    fn fa003_names_the_mode_as_microsoft_spells_it() {
        let e = err("Server=h;Authentication=sqlpassword");
        assert!(
            e.message
                .ends_with("if Authentication option is 'SqlPassword'."),
            "{}",
            e.message
        );
    }

    #[test]
    fn modes_without_credentials_need_none() {
        for mode in [
            "ActiveDirectoryMsi",
            "ActiveDirectoryManagedIdentity",
            "ActiveDirectoryIntegrated",
            "ActiveDirectoryInteractive",
            "ActiveDirectoryDefault",
            "ActiveDirectoryDeviceCode",
            "ActiveDirectoryWorkloadIdentity",
        ] {
            let s = settings(&format!("Server=h;Authentication={mode}"));
            assert!(s.authentication.is_some(), "{mode}");
        }
    }

    #[test]
    fn certificate_mode_needs_uid_and_certificate() {
        for cs in [
            "Server=h;UID=client;Authentication=ActiveDirectoryServicePrincipalCertificate",
            "Server=h;ClientCertificate=/c.pem;Authentication=ActiveDirectoryServicePrincipalCertificate",
            "Server=h;UID=client;ClientCertificate=file:;Authentication=ActiveDirectoryServicePrincipalCertificate",
        ] {
            let e = err(cs);
            assert_eq!(e.sqlstate, "FA003", "{cs}");
            assert_eq!(
                e.message,
                "Both User and ClientCertificate options must be specified, if Authentication option is 'ActiveDirectoryServicePrincipalCertificate'."
            );
        }
        let s = settings(
            "Server=h;UID=client;ClientCertificatePath=/c.pfx;PWD=filepw;Authentication=ActiveDirectoryServicePrincipalCertificate",
        );
        assert_eq!(s.client_certificate_path(), Some("/c.pfx"));
        let s = settings(
            "Server=h;UID=client;ClientCertificate=file:/c.pem;Authentication=ActiveDirectoryServicePrincipalCertificate",
        );
        assert_eq!(s.client_certificate_path(), Some("/c.pem"));
    }

    #[test]
    fn service_principal_may_use_a_certificate_instead_of_a_secret() {
        let s = settings(
            "Server=h;UID=client;ClientCertPath=/c.pem;Authentication=ActiveDirectoryServicePrincipal",
        );
        assert_eq!(s.client_certificate_path(), Some("/c.pem"));
        let e =
            err("Server=h;ClientCertPath=/c.pem;Authentication=ActiveDirectoryServicePrincipal");
        assert_eq!(e.sqlstate, "FA003");
    }

    #[test]
    fn entra_extension_accessors() {
        let s = settings("Server=h;ApplicationClientId=app-1;SendCertificateChain=yes");
        assert_eq!(s.public_client_id(), Some("app-1"));
        assert!(s.send_certificate_chain());
        let s = settings("Server=h;PublicClientId=app-2");
        assert_eq!(s.public_client_id(), Some("app-2"));
        assert!(!s.send_certificate_chain());
        assert_eq!(s.client_certificate_path(), None);
        assert_eq!(
            err("Server=h;SendCertificateChain=true").message,
            invalid("SendCertificateChain")
        );
    }

    #[test]
    fn missing_server_comes_before_fa00x() {
        let e = err("UID=u;Authentication=SqlPassword;Trusted_Connection=yes");
        assert_eq!(e.message, "Neither DSN nor SERVER keyword supplied");
        assert_eq!(
            err_with("UID=u", &with_token()).message,
            "Neither DSN nor SERVER keyword supplied"
        );
        assert_eq!(
            err("Authentication=SqlPassword;Encrypt=bad").message,
            invalid("Encrypt")
        );
        let e = err_with("Server=h;UID=u;Encrypt=bad", &with_token());
        assert_eq!(e.message, invalid("Encrypt"));
        let e = err_with(
            "Server=h;Authentication=SqlPassword;Trusted_Connection=yes",
            &with_token(),
        );
        assert_eq!(e.sqlstate, "FA005");
    }

    #[test]
    fn fa005_access_token_with_other_credentials() {
        for extra in [
            "UID=u",
            "PWD=p",
            "UID=",
            "PWD=",
            "Authentication=ActiveDirectoryMsi",
            "Trusted_Connection=yes",
        ] {
            let e = err_with(&format!("Server=h;{extra}"), &with_token());
            assert_eq!(e.sqlstate, "FA005", "{extra}");
            assert_eq!(
                e.message,
                "Cannot use Access Token with any of the following options: Authentication, Integrated Security, User, Password."
            );
        }
        let pre = PreConnect {
            authentication: Some(5),
            ..with_token()
        };
        assert_eq!(err_with("Server=h", &pre).sqlstate, "FA005");
        for fine in ["Trusted_Connection=no", "Authentication="] {
            let r = Settings::resolve(&format!("Server=h;{fine}"), &with_token(), &NoDsn);
            assert!(r.is_ok(), "{fine}: {r:?}");
        }
    }

    #[test]
    fn access_token_alone_connects() {
        let (s, _) = Settings::resolve("Server=h;Database=d", &with_token(), &NoDsn).unwrap();
        assert_eq!(s.access_token.as_ref().unwrap().expose(), "eyJ.tok.sig");
        assert!(!format!("{s:?}").contains("eyJ.tok.sig"));
        let pre_shown = format!("{:?}", with_token());
        assert!(
            pre_shown.contains("*** 26 bytes") && !pre_shown.contains("101,"),
            "{pre_shown}"
        );
    }

    fn jwt_token(exp: i64) -> PreConnect {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let tok = format!(
            "{}.{}.sig",
            b64(r#"{"typ":"JWT"}"#),
            b64(&format!(r#"{{"exp":{exp}}}"#))
        );
        PreConnect {
            access_token: Some(utf16_token(&tok)),
            ..PreConnect::default()
        }
    }

    #[test]
    fn expired_token_is_refused_before_login() {
        let e = err_with("Server=h", &jwt_token(unix_now() - 7200));
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message.contains("expired at") && e.message.contains("2 h 0 min ago"),
            "{}",
            e.message
        );
        assert!(Settings::resolve("Server=h", &jwt_token(unix_now() + 3600), &NoDsn).is_ok());
        // Configuration errors come first, as msodbcsql (which never reads the token) gives them.
        let e = err_with("Server=h;UID=u", &jwt_token(1));
        assert_eq!(e.sqlstate, "FA005");
    }

    #[test]
    fn token_data_without_its_header_is_read_too() {
        let data: Vec<u8> = "eyJ.tok.sig"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let pre = PreConnect {
            access_token: Some(data),
            ..PreConnect::default()
        };
        let (s, _) = Settings::resolve("Server=h", &pre, &NoDsn).unwrap();
        assert_eq!(s.access_token.unwrap().expose(), "eyJ.tok.sig");
        assert_eq!(err_with("Server=h;UID=u", &pre).sqlstate, "FA005");
    }

    #[test]
    fn bad_token_bytes_are_reported() {
        let pre = PreConnect {
            access_token: Some(b"\x03\0\0\0abc".to_vec()),
            ..PreConnect::default()
        };
        let e = err_with("Server=h", &pre);
        assert_eq!(e.sqlstate, "HY024");
        assert!(e.message.contains("UTF-16LE"), "{}", e.message);
    }
}
