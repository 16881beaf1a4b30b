//! The error a failed Entra login reports: FA004 with the driver's wording, plus detail
//! records (the service's AADSTS code and text, each source tried, and a hint for the classic
//! mistakes). Never contains a token or a secret.

use super::jwt;
use super::params::EntraParams;
use super::sources::SourceError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    /// FA004 (token acquisition failed), HYT00 (login timeout), HYC00 (mode not implemented).
    pub sqlstate: &'static str,
    /// The main record's text, without the `[Microsoft][ODBC Driver 18 for SQL Server]` prefix.
    pub message: String,
    /// Further records, same SQLSTATE, in order.
    pub details: Vec<String>,
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        for d in &self.details {
            write!(f, " | {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

/// The details go on their own lines after the main message, in the same record, as msodbcsql
/// lays out FA004 ("...('X').\nError code 0x..; state N\n`detail`"): applications such as
/// pyodbc show only the first record. Lines that would make it longer than
/// [`FIRST_RECORD_MAX`] characters continue in further records (pyodbc truncates near 512).
impl From<AuthError> for crate::diag::Error {
    fn from(e: AuthError) -> Self {
        let records = pack_lines(e.message, e.details, FIRST_RECORD_MAX)
            .into_iter()
            .map(|text| crate::diag::DiagRecord::driver(e.sqlstate, 0, text))
            .collect();
        crate::diag::Error::from_records(records)
    }
}

/// Room left in the first record after the driver's `[vendor][driver]` prefix.
pub const FIRST_RECORD_MAX: usize = 462;

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

fn pack_lines(first: String, rest: Vec<String>, max: usize) -> Vec<String> {
    let mut out = vec![first];
    for line in rest {
        let last = out.last_mut().expect("non-empty");
        if last.chars().count() + 1 + line.chars().count() <= max {
            last.push('\n');
            last.push_str(&line);
        } else {
            out.push(line);
        }
    }
    out
}

fn fa004(params: &EntraParams) -> String {
    format!(
        "Failed to authenticate the user '{}' in Active Directory (Authentication option is '{}').",
        params.user().unwrap_or(""),
        params.mode_name()
    )
}

impl AuthError {
    /// A failure outside any source (bad FEDAUTHINFO, unusable settings).
    pub fn failed(params: &EntraParams, why: impl Into<String>) -> AuthError {
        AuthError {
            sqlstate: "FA004",
            message: fa004(params),
            details: vec![why.into()],
        }
    }

    pub fn from_source(params: &EntraParams, e: SourceError) -> AuthError {
        let mut details = Vec::new();
        let mut line = e.line();
        if let Some(code) = e.aadsts.filter(|c| !line.contains(&format!("AADSTS{c}"))) {
            line.push_str(&format!(" (AADSTS{code})"));
        }
        details.push(line);
        if !e.tried.is_empty()
            && e.source == "ActiveDirectoryDefault"
            && e.message.starts_with("no source")
        {
            details.clear(); // the list below says it all
        }
        if !e.tried.is_empty() {
            for (i, t) in e.tried.iter().enumerate() {
                details.push(format!(
                    "{}. {}: {}",
                    i + 1,
                    t.source,
                    shorten(&t.message, 40)
                ));
            }
        }
        let hints: Vec<&String> = e
            .tried
            .iter()
            .filter_map(|t| t.hint.as_ref())
            .chain(e.hint.as_ref())
            .collect();
        for h in hints {
            details.push(format!("Hint: {h}"));
        }
        AuthError {
            sqlstate: "FA004",
            message: fa004(params),
            details,
        }
    }

    /// ActiveDirectoryIntegrated needs Kerberos, which this driver does not speak yet.
    pub fn integrated_not_supported() -> AuthError {
        AuthError {
            sqlstate: "HYC00",
            message: "Authentication=ActiveDirectoryIntegrated is not supported by this driver (it needs a \
                      Kerberos ticket exchange). Use ActiveDirectoryDefault, ActiveDirectoryInteractive or \
                      ActiveDirectoryDeviceCode instead."
                .into(),
            details: Vec::new(),
        }
    }
}

/// After the server rejected a token the driver sent: what to check, and the statement an
/// administrator can run when the principal has no user in the database.
pub fn login_rejected_hint(token: &str, expected_resource: &str) -> Vec<String> {
    let Some(c) = jwt::peek(token) else {
        return vec!["The token is not a JWT; the server needs an Entra ID access token.".into()];
    };
    let mut out = Vec::new();
    let expected = expected_resource.trim_end_matches('/');
    if let Some(aud) = c
        .aud
        .as_ref()
        .filter(|a| a.trim_end_matches('/') != expected)
    {
        out.push(format!(
            "Hint: the token's audience is '{aud}' but the server expects '{expected_resource}': request it for scope '{expected}/.default'."
        ));
    }
    let is_user = c.upn.is_some();
    let sid_guid = if is_user {
        c.oid.as_deref()
    } else {
        c.appid.as_deref()
    };
    if let Some(name) = c.principal_name() {
        let mut hint = format!(
            "Hint: if '{name}' has no user in this database, an administrator can run: CREATE USER [{name}] FROM EXTERNAL PROVIDER;"
        );
        if let Some(sid) = sid_guid.and_then(jwt::sid_literal) {
            hint.push_str(&format!(
                " or, without Entra lookup rights: CREATE USER [{name}] WITH SID = {sid}, TYPE = E;"
            ));
        }
        out.push(hint);
    }
    out
}

/// An access token given through SQL_COPT_SS_ACCESS_TOKEN in UTF-8 instead of UTF-16LE:
/// JWTs start with "eyJ", so UTF-8 bytes look like `65 79 4A` rather than `65 00 79 00`.
pub fn access_token_encoding_hint(data: &[u8]) -> Option<String> {
    if data.starts_with(b"eyJ") {
        Some(
            "The access token is UTF-8 (or ASCII); SQL_COPT_SS_ACCESS_TOKEN needs it in UTF-16LE: \
             token.encode('utf-16-le') in Python."
                .into(),
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::mode::AuthMode;
    use base64::Engine;

    fn jwt(claims: &str) -> String {
        format!(
            "e30.{}.sig",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn fa004_wording_and_details() {
        let mut p = EntraParams::new(AuthMode::ActiveDirectoryServicePrincipal);
        p.user = Some("app-id".into());
        let mut e = SourceError::hard(
            "ClientSecret",
            "HTTP 401: AADSTS7000215: Invalid client secret provided.",
        );
        e.aadsts = Some(7000215);
        let err = AuthError::from_source(&p, e.with_hint("use the Value"));
        assert_eq!(err.sqlstate, "FA004");
        assert_eq!(
            err.message,
            "Failed to authenticate the user 'app-id' in Active Directory (Authentication option is 'ActiveDirectoryServicePrincipal')."
        );
        assert_eq!(
            err.details[0],
            "ClientSecret: HTTP 401: AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(err.details[1], "Hint: use the Value");
    }

    #[test]
    fn create_user_hint_for_users_and_apps() {
        let user = jwt(
            r#"{"aud":"https://database.windows.net/","upn":"alice@contoso.example","oid":"0f1e2d3c-0000-4000-8000-00000000c001"}"#,
        );
        let h = login_rejected_hint(&user, "https://database.windows.net/");
        assert_eq!(h.len(), 1);
        assert!(h[0].contains("CREATE USER [alice@contoso.example] FROM EXTERNAL PROVIDER;"));
        assert!(h[0].contains("WITH SID = 0x3C2D1E0F00000040800000000000C001, TYPE = E;"));
        let app = jwt(
            r#"{"aud":"https://storage.azure.com/","appid":"0f1e2d3c-0000-4000-8000-00000000a001","app_displayname":"app-secret"}"#,
        );
        let h = login_rejected_hint(&app, "https://database.windows.net/");
        assert!(h[0].contains("audience is 'https://storage.azure.com/'"));
        assert!(
            h[1].contains("CREATE USER [app-secret]")
                && h[1].contains("0x3C2D1E0F00000040800000000000A001")
        );
    }

    #[test]
    fn long_details_continue_in_further_records() {
        let packed = pack_lines(
            "main".into(),
            vec!["a".repeat(30), "b".repeat(30), "c".repeat(5)],
            40,
        );
        assert_eq!(
            packed,
            vec![
                format!("main\n{}", "a".repeat(30)),
                format!("{}\n{}", "b".repeat(30), "c".repeat(5))
            ]
        );
    }

    #[test]
    fn utf8_token_is_recognised() {
        assert!(access_token_encoding_hint(b"eyJ0eXAi").is_some());
        assert!(access_token_encoding_hint(&[b'e', 0, b'y', 0]).is_none());
    }
}
