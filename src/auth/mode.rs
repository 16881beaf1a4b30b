//! The `Authentication=` keyword and `SQL_COPT_SS_AUTHENTICATION`.
//!
//! # `SQL_COPT_SS_AUTHENTICATION` (1255) values
//!
//! | value | meaning | source |
//! |---|---|---|
//! | -1 | `SQL_AU_RESET`: forget the attribute, the string/DSN decides | msodbcsql.h |
//! | 0 | `SQL_AU_NONE`: no `Authentication` even if the string/DSN names one | msodbcsql.h |
//! | 1 | SqlPassword | msodbcsql.h |
//! | 2 | ActiveDirectoryIntegrated | msodbcsql.h |
//! | 3 | ActiveDirectoryPassword | msodbcsql.h |
//! | 4 | ActiveDirectoryInteractive | msodbcsql.h |
//! | 5 | ActiveDirectoryMsi (`SQL_AU_AD_MSI`) | msodbcsql.h |
//! | 6 | ActiveDirectoryServicePrincipal (`SQL_AU_AD_SPA`) | msodbcsql.h |
//! | 101 | ActiveDirectoryDefault | this driver |
//! | 102 | ActiveDirectoryDeviceCode | this driver |
//! | 103 | ActiveDirectoryWorkloadIdentity | this driver |
//! | 104 | ActiveDirectoryServicePrincipalCertificate | this driver |
//! | 105 | ActiveDirectoryManagedIdentity | this driver |
//!
//! This driver's own numbers start at 101, clear of the range Microsoft grows from 0.

use crate::connect::ConnectProblem;

/// How the driver proves who the user is.
///
/// `ActiveDirectoryManagedIdentity` is SqlClient's name for `ActiveDirectoryMsi`: both obtain
/// the token the same way ([`AuthMode::is_managed_identity`]); the variant keeps the spelling
/// the user chose for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMode {
    SqlPassword,
    ActiveDirectoryPassword,
    ActiveDirectoryIntegrated,
    ActiveDirectoryInteractive,
    ActiveDirectoryMsi,
    ActiveDirectoryManagedIdentity,
    ActiveDirectoryServicePrincipal,
    ActiveDirectoryServicePrincipalCertificate,
    ActiveDirectoryDefault,
    ActiveDirectoryDeviceCode,
    ActiveDirectoryWorkloadIdentity,
}

/// What `SQL_COPT_SS_AUTHENTICATION` says about the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeAuth {
    /// `SQL_AU_RESET`: the attribute does not take part.
    Reset,
    /// `SQL_AU_NONE`: no mode, whatever the string says.
    None,
    Mode(AuthMode),
}

const ALL: [AuthMode; 11] = [
    AuthMode::SqlPassword,
    AuthMode::ActiveDirectoryPassword,
    AuthMode::ActiveDirectoryIntegrated,
    AuthMode::ActiveDirectoryInteractive,
    AuthMode::ActiveDirectoryMsi,
    AuthMode::ActiveDirectoryManagedIdentity,
    AuthMode::ActiveDirectoryServicePrincipal,
    AuthMode::ActiveDirectoryServicePrincipalCertificate,
    AuthMode::ActiveDirectoryDefault,
    AuthMode::ActiveDirectoryDeviceCode,
    AuthMode::ActiveDirectoryWorkloadIdentity,
];

impl AuthMode {
    /// Every mode.
    pub fn all() -> &'static [AuthMode] {
        &ALL
    }

    /// The keyword value, as Microsoft spells it.
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::SqlPassword => "SqlPassword",
            AuthMode::ActiveDirectoryPassword => "ActiveDirectoryPassword",
            AuthMode::ActiveDirectoryIntegrated => "ActiveDirectoryIntegrated",
            AuthMode::ActiveDirectoryInteractive => "ActiveDirectoryInteractive",
            AuthMode::ActiveDirectoryMsi => "ActiveDirectoryMsi",
            AuthMode::ActiveDirectoryManagedIdentity => "ActiveDirectoryManagedIdentity",
            AuthMode::ActiveDirectoryServicePrincipal => "ActiveDirectoryServicePrincipal",
            AuthMode::ActiveDirectoryServicePrincipalCertificate => {
                "ActiveDirectoryServicePrincipalCertificate"
            }
            AuthMode::ActiveDirectoryDefault => "ActiveDirectoryDefault",
            AuthMode::ActiveDirectoryDeviceCode => "ActiveDirectoryDeviceCode",
            AuthMode::ActiveDirectoryWorkloadIdentity => "ActiveDirectoryWorkloadIdentity",
        }
    }

    /// Parses an `Authentication=` value, case-insensitively, untrimmed.
    pub fn parse(value: &str) -> Option<AuthMode> {
        ALL.iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(value))
    }

    /// The `SQL_COPT_SS_AUTHENTICATION` number (see the module table).
    pub fn attribute_value(self) -> i32 {
        match self {
            AuthMode::SqlPassword => 1,
            AuthMode::ActiveDirectoryIntegrated => 2,
            AuthMode::ActiveDirectoryPassword => 3,
            AuthMode::ActiveDirectoryInteractive => 4,
            AuthMode::ActiveDirectoryMsi => 5,
            AuthMode::ActiveDirectoryServicePrincipal => 6,
            AuthMode::ActiveDirectoryDefault => 101,
            AuthMode::ActiveDirectoryDeviceCode => 102,
            AuthMode::ActiveDirectoryWorkloadIdentity => 103,
            AuthMode::ActiveDirectoryServicePrincipalCertificate => 104,
            AuthMode::ActiveDirectoryManagedIdentity => 105,
        }
    }

    /// Reads a `SQL_COPT_SS_AUTHENTICATION` value; HY024 for a number no mode has.
    pub fn from_attribute(value: i32) -> Result<AttributeAuth, ConnectProblem> {
        match value {
            -1 => Ok(AttributeAuth::Reset),
            0 => Ok(AttributeAuth::None),
            n => ALL
                .iter()
                .copied()
                .find(|m| m.attribute_value() == n)
                .map(AttributeAuth::Mode)
                .ok_or_else(|| ConnectProblem {
                    sqlstate: "HY024",
                    native: 0,
                    message: format!(
                        "Invalid attribute value {n} for SQL_COPT_SS_AUTHENTICATION (1255)"
                    ),
                }),
        }
    }

    /// True for the modes that send a FEDAUTH token (everything but SqlPassword).
    pub fn is_entra(self) -> bool {
        self != AuthMode::SqlPassword
    }

    /// True for both spellings of managed identity.
    pub fn is_managed_identity(self) -> bool {
        matches!(
            self,
            AuthMode::ActiveDirectoryMsi | AuthMode::ActiveDirectoryManagedIdentity
        )
    }

    /// True when msodbcsql demands both UID and PWD (FA003).
    pub fn requires_uid_and_pwd(self) -> bool {
        matches!(
            self,
            AuthMode::SqlPassword
                | AuthMode::ActiveDirectoryPassword
                | AuthMode::ActiveDirectoryServicePrincipal
        )
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_parses_case_insensitively() {
        for &m in AuthMode::all() {
            assert_eq!(AuthMode::parse(m.name()), Some(m));
            assert_eq!(AuthMode::parse(&m.name().to_uppercase()), Some(m));
            assert_eq!(AuthMode::parse(&m.name().to_lowercase()), Some(m));
        }
    }

    #[test]
    fn near_misses_do_not_parse() {
        for v in [
            "",
            "SqlPassword ",
            " ActiveDirectoryMsi",
            "ActiveDirectory",
            "Password",
            "AzureAD",
        ] {
            assert_eq!(AuthMode::parse(v), None, "{v:?}");
        }
    }

    #[test]
    fn managed_identity_has_two_spellings() {
        let a = AuthMode::parse("activedirectorymanagedidentity").unwrap();
        let b = AuthMode::parse("ActiveDirectoryMSI").unwrap();
        assert!(a.is_managed_identity() && b.is_managed_identity());
        assert_eq!(a.name(), "ActiveDirectoryManagedIdentity");
    }

    #[test]
    fn microsoft_attribute_numbers() {
        let expect = [
            (1, AuthMode::SqlPassword),
            (2, AuthMode::ActiveDirectoryIntegrated),
            (3, AuthMode::ActiveDirectoryPassword),
            (4, AuthMode::ActiveDirectoryInteractive),
            (5, AuthMode::ActiveDirectoryMsi),
            (6, AuthMode::ActiveDirectoryServicePrincipal),
        ];
        for (n, m) in expect {
            assert_eq!(AuthMode::from_attribute(n), Ok(AttributeAuth::Mode(m)));
        }
        assert_eq!(AuthMode::from_attribute(0), Ok(AttributeAuth::None));
        assert_eq!(AuthMode::from_attribute(-1), Ok(AttributeAuth::Reset));
    }

    #[test]
    fn every_mode_round_trips_through_its_number() {
        for &m in AuthMode::all() {
            assert_eq!(
                AuthMode::from_attribute(m.attribute_value()),
                Ok(AttributeAuth::Mode(m))
            );
        }
    }

    #[test]
    fn unknown_numbers_are_hy024() {
        for n in [7, 100, 106, -2, i32::MAX] {
            assert_eq!(AuthMode::from_attribute(n).unwrap_err().sqlstate, "HY024");
        }
    }

    #[test]
    fn fa003_modes() {
        let needing: Vec<_> = AuthMode::all()
            .iter()
            .filter(|m| m.requires_uid_and_pwd())
            .map(|m| m.name())
            .collect();
        assert_eq!(
            needing,
            [
                "SqlPassword",
                "ActiveDirectoryPassword",
                "ActiveDirectoryServicePrincipal"
            ]
        );
    }
}
