//! The keyword table: names, synonyms, value kinds.
//!
//! Every keyword msodbcsql 18.6 accepts is here, plus a few documented extensions. Keys are
//! matched case-insensitively and are never trimmed (`" UID "` is not `UID`).
//!
//! # Extensions (keywords msodbcsql 18.6 does not accept)
//!
//! | keyword | synonyms | meaning | precedent |
//! |---|---|---|---|
//! | `LoginTimeout` | `Connection Timeout`, `ConnectTimeout`, `Connect Timeout` | login timeout in seconds (0 = none); overrides `SQL_ATTR_LOGIN_TIMEOUT` | SqlClient `Connect Timeout`/`Connection Timeout`, msodbcsql 18.7 `ConnectTimeout`, Microsoft's passwordless tutorials |
//! | (`ClientCertificate`) | `ClientCertPath`, `ClientCertificatePath` | the 18.6 keyword, also the Entra certificate: a PEM (certificate + key) or PKCS#12 file, plain path or msodbcsql's `file:<path>`, for `ActiveDirectoryServicePrincipalCertificate` (or `ActiveDirectoryServicePrincipal` without a secret); `PWD` is the file's password when it has one | go-mssqldb `clientcertpath` (+ `password`) |
//! | `PublicClientId` | `ApplicationClientId` | public-client app registration id for the interactive, device-code and password Entra flows | go-mssqldb `applicationclientid` |
//! | `SendCertificateChain` | | `yes`: the certificate assertion carries `x5c` (subject-name/issuer auth) | azure-identity `send_certificate_chain` |
//!
//! `UID` and `PWD` keep their msodbcsql meanings in every mode (for the certificate mode: `UID`
//! is the client id, like `ActiveDirectoryServicePrincipal`).

/// What a keyword's value must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// Any text that must never be echoed (out string, logs, Debug).
    Secret,
    /// `yes` / `no`, case-insensitive; nothing else (not even `true`).
    YesNo,
    /// `yes`/`mandatory`, `no`/`optional`, `strict`.
    Encrypt,
    /// One of the `Authentication=` modes.
    Authentication,
    /// `[tcp:]host[\instance][,port]`.
    Server,
    /// A decimal integer within an inclusive range.
    Int { min: u32, max: u32 },
    /// One of a fixed set of words, case-insensitive.
    Choice(&'static [&'static str]),
}

/// One connection-string keyword.
#[derive(Debug, PartialEq, Eq)]
pub struct Keyword {
    /// The canonical spelling (used in the out connection string).
    pub name: &'static str,
    /// Other accepted spellings.
    pub synonyms: &'static [&'static str],
    pub kind: Kind,
    /// True when msodbcsql 18.6 rejects the keyword (our extension).
    pub extension: bool,
}

const fn kw(name: &'static str, kind: Kind) -> Keyword {
    Keyword {
        name,
        synonyms: &[],
        kind,
        extension: false,
    }
}

const fn syn(name: &'static str, synonyms: &'static [&'static str], kind: Kind) -> Keyword {
    Keyword {
        name,
        synonyms,
        kind,
        extension: false,
    }
}

const fn ext(name: &'static str, synonyms: &'static [&'static str], kind: Kind) -> Keyword {
    Keyword {
        name,
        synonyms,
        kind,
        extension: true,
    }
}

pub const DSN: &str = "DSN";
pub const FILE_DSN: &str = "FileDSN";
pub const SAVE_FILE: &str = "SaveFile";
pub const DRIVER: &str = "Driver";
pub const SERVER: &str = "Server";
pub const ADDRESS: &str = "Address";
pub const NETWORK: &str = "Network";
pub const UID: &str = "UID";
pub const PWD: &str = "PWD";
pub const DATABASE: &str = "Database";
pub const APP: &str = "APP";
pub const WSID: &str = "WSID";
pub const LANGUAGE: &str = "Language";
pub const DESCRIPTION: &str = "Description";
pub const TRUSTED_CONNECTION: &str = "Trusted_Connection";
pub const AUTHENTICATION: &str = "Authentication";
pub const ENCRYPT: &str = "Encrypt";
pub const TRUST_SERVER_CERTIFICATE: &str = "TrustServerCertificate";
pub const HOST_NAME_IN_CERTIFICATE: &str = "HostNameInCertificate";
pub const SERVER_CERTIFICATE: &str = "ServerCertificate";
pub const CLIENT_CERTIFICATE: &str = "ClientCertificate";
pub const CLIENT_KEY: &str = "ClientKey";
pub const APPLICATION_INTENT: &str = "ApplicationIntent";
pub const MULTI_SUBNET_FAILOVER: &str = "MultiSubnetFailover";
pub const CONNECT_RETRY_COUNT: &str = "ConnectRetryCount";
pub const CONNECT_RETRY_INTERVAL: &str = "ConnectRetryInterval";
pub const PACKET_SIZE: &str = "PacketSize";
pub const LOGIN_TIMEOUT: &str = "LoginTimeout";
pub const PUBLIC_CLIENT_ID: &str = "PublicClientId";
pub const SEND_CERTIFICATE_CHAIN: &str = "SendCertificateChain";

/// Every keyword the driver recognises.
///
/// Kinds follow what msodbcsql 18.6 validates (measured): `Replication`, `LongAsMax`,
/// `GetDataExtensions`, `IpAddressPreference`, `ColumnEncryption`, `RetryExec` and `PacketSize`
/// take any text there, so they are `Text` here too.
pub static KEYWORDS: &[Keyword] = &[
    kw(DSN, Kind::Text),
    kw(FILE_DSN, Kind::Text),
    kw(SAVE_FILE, Kind::Text),
    kw(DRIVER, Kind::Text),
    kw(SERVER, Kind::Server),
    // msodbcsql: `Address` (= `Addr`) beats `Server` whatever the order.
    syn(ADDRESS, &["Addr"], Kind::Server),
    syn(NETWORK, &["Net"], Kind::Text),
    kw(UID, Kind::Text),
    kw(PWD, Kind::Secret),
    kw(DATABASE, Kind::Text),
    kw(APP, Kind::Text),
    kw(WSID, Kind::Text),
    kw(LANGUAGE, Kind::Text),
    kw(DESCRIPTION, Kind::Text),
    kw(TRUSTED_CONNECTION, Kind::YesNo),
    kw(AUTHENTICATION, Kind::Authentication),
    kw(ENCRYPT, Kind::Encrypt),
    kw(TRUST_SERVER_CERTIFICATE, Kind::YesNo),
    kw(HOST_NAME_IN_CERTIFICATE, Kind::Text),
    kw(SERVER_CERTIFICATE, Kind::Text),
    // Synonyms are extensions (go-mssqldb's name for the Entra certificate file).
    syn(
        CLIENT_CERTIFICATE,
        &["ClientCertPath", "ClientCertificatePath"],
        Kind::Text,
    ),
    // `file:<path>[,<password>]`: may carry the key's password.
    kw(CLIENT_KEY, Kind::Secret),
    kw(APPLICATION_INTENT, Kind::Choice(&["ReadWrite", "ReadOnly"])),
    kw(MULTI_SUBNET_FAILOVER, Kind::YesNo),
    kw(CONNECT_RETRY_COUNT, Kind::Int { min: 0, max: 255 }),
    kw(CONNECT_RETRY_INTERVAL, Kind::Int { min: 1, max: 60 }),
    // msodbcsql accepts `KeepAlive=abc` and then fails in TCP setup (0x2726); we say why.
    kw(
        "KeepAlive",
        Kind::Int {
            min: 1,
            max: u32::MAX,
        },
    ),
    kw(
        "KeepAliveInterval",
        Kind::Int {
            min: 1,
            max: u32::MAX,
        },
    ),
    kw(
        "TransparentNetworkIPResolution",
        Kind::Choice(&["Enabled", "Disabled"]),
    ),
    kw("ColumnEncryption", Kind::Text),
    kw("KeystoreAuthentication", Kind::Text),
    kw("KeystorePrincipalId", Kind::Text),
    kw("KeystoreSecret", Kind::Secret),
    kw("AutoTranslate", Kind::YesNo),
    kw("Regional", Kind::YesNo),
    kw("QuotedId", Kind::YesNo),
    kw("AnsiNPW", Kind::YesNo),
    kw("MARS_Connection", Kind::YesNo),
    kw("AttachDBFileName", Kind::Text),
    kw("ServerSPN", Kind::Text),
    kw("UseFMTONLY", Kind::YesNo),
    kw("Replication", Kind::Text),
    kw("RetryExec", Kind::Text),
    kw("LongAsMax", Kind::Text),
    kw("GetDataExtensions", Kind::Text),
    kw("IpAddressPreference", Kind::Text),
    kw("ConcatNullYieldsNull", Kind::YesNo),
    // Not validated by msodbcsql 18.6 (`PacketSize=abc` connects); out-of-range or non-numeric
    // values leave the server's default.
    kw(PACKET_SIZE, Kind::Text),
    ext(
        LOGIN_TIMEOUT,
        &["Connection Timeout", "ConnectTimeout", "Connect Timeout"],
        Kind::Int { min: 0, max: 65535 },
    ),
    ext(PUBLIC_CLIENT_ID, &["ApplicationClientId"], Kind::Text),
    ext(SEND_CERTIFICATE_CHAIN, &[], Kind::YesNo),
];

/// The keyword spelled `key` (case-insensitive, untrimmed), if the driver knows it.
pub fn lookup(key: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.matches(key))
}

/// The keyword whose canonical name is `name` (exact).
pub fn by_name(name: &str) -> &'static Keyword {
    KEYWORDS
        .iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("keyword table lacks {name}"))
}

impl Keyword {
    /// True when `key` is this keyword's name or one of its synonyms.
    pub fn matches(&self, key: &str) -> bool {
        self.name.eq_ignore_ascii_case(key)
            || self.synonyms.iter().any(|s| s.eq_ignore_ascii_case(key))
    }

    /// True when the value must never be echoed.
    pub fn is_secret(&self) -> bool {
        self.kind == Kind::Secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_knows_synonyms() {
        assert_eq!(lookup("server").unwrap().name, SERVER);
        assert_eq!(lookup("ADDR").unwrap().name, ADDRESS);
        assert_eq!(lookup("address").unwrap().name, ADDRESS);
        assert_eq!(lookup("net").unwrap().name, NETWORK);
        assert_eq!(lookup("connect timeout").unwrap().name, LOGIN_TIMEOUT);
    }

    #[test]
    fn lookup_does_not_trim() {
        assert!(lookup(" UID ").is_none());
        assert!(lookup("UID ").is_none());
    }

    #[test]
    fn names_the_real_driver_rejects_stay_unknown() {
        for name in [
            "Initial Catalog",
            "User ID",
            "Password",
            "Integrated Security",
            "Packet Size",
            "Timeout",
        ] {
            assert!(lookup(name).is_none(), "{name}");
        }
    }

    #[test]
    fn every_name_and_synonym_is_unique() {
        let mut all: Vec<String> = KEYWORDS
            .iter()
            .flat_map(|k| std::iter::once(k.name).chain(k.synonyms.iter().copied()))
            .map(str::to_ascii_lowercase)
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn secrets_are_marked() {
        assert!(by_name(PWD).is_secret());
        assert!(by_name(CLIENT_KEY).is_secret());
        assert!(by_name("KeystoreSecret").is_secret());
        assert!(!by_name(UID).is_secret());
    }
}
