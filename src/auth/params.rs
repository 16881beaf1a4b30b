//! What the connection string and attributes say about an Entra login.
//!
//! Keywords (filled in by `connect`): `Authentication`, `UID`, `PWD`, and for certificates
//! `ClientCertificate=<path>` (PEM with certificate + private key, or PKCS#12 `.pfx`/`.p12`;
//! `PWD` is the key or PKCS#12 password when there is one; go-mssqldb's `clientcertpath` is an
//! alias). `ActiveDirectoryServicePrincipal` with `ClientCertificate` and no secret, or
//! `ActiveDirectoryServicePrincipalCertificate`, uses the certificate. `PublicClientId`
//! chooses the app registration for Interactive/DeviceCode/Password (default
//! [`DEFAULT_PUBLIC_CLIENT_ID`], documented below).

use super::mode::AuthMode;
use super::secret::Secret;
use std::path::PathBuf;

/// The public client id used by the interactive, device-code and password flows when the
/// connection string names none: Microsoft's published id for SQL Server client drivers
/// (the one SqlClient uses for the same flows). Set `PublicClientId` to use your own app
/// registration; it needs "Allow public client flows" and a `http://localhost` redirect URI.
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "2fd908ad-0664-4344-b9be-cd3e8b574c38";

#[derive(Clone, Debug)]
pub struct EntraParams {
    pub mode: AuthMode,
    /// `UID`: client id (service principal), user name (password, interactive login hint),
    /// managed/workload identity id (Msi, ManagedIdentity, Default, WorkloadIdentity).
    pub user: Option<String>,
    /// `PWD`: client secret, user password, or certificate password.
    pub secret: Option<Secret>,
    pub client_certificate: Option<PathBuf>,
    pub public_client_id: Option<String>,
}

impl EntraParams {
    pub fn new(mode: AuthMode) -> EntraParams {
        EntraParams {
            mode,
            user: None,
            secret: None,
            client_certificate: None,
            public_client_id: None,
        }
    }

    pub fn user(&self) -> Option<&str> {
        self.user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref().filter(|s| !s.is_empty())
    }

    pub fn public_client_id(&self) -> &str {
        self.public_client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .unwrap_or(DEFAULT_PUBLIC_CLIENT_ID)
    }

    /// The mode name as the connection string spells it, for messages.
    pub fn mode_name(&self) -> &'static str {
        mode_name(self.mode)
    }

    /// Whether this login uses a certificate rather than a client secret.
    pub fn uses_certificate(&self) -> bool {
        self.client_certificate.is_some()
            && (self.mode == AuthMode::ActiveDirectoryServicePrincipalCertificate
                || self.secret().is_none()
                || self.mode == AuthMode::ActiveDirectoryServicePrincipal)
    }
}

pub fn mode_name(mode: AuthMode) -> &'static str {
    use AuthMode::*;
    match mode {
        SqlPassword => "SqlPassword",
        ActiveDirectoryPassword => "ActiveDirectoryPassword",
        ActiveDirectoryIntegrated => "ActiveDirectoryIntegrated",
        ActiveDirectoryInteractive => "ActiveDirectoryInteractive",
        ActiveDirectoryMsi => "ActiveDirectoryMsi",
        ActiveDirectoryManagedIdentity => "ActiveDirectoryManagedIdentity",
        ActiveDirectoryServicePrincipal => "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipalCertificate => "ActiveDirectoryServicePrincipalCertificate",
        ActiveDirectoryDefault => "ActiveDirectoryDefault",
        ActiveDirectoryDeviceCode => "ActiveDirectoryDeviceCode",
        ActiveDirectoryWorkloadIdentity => "ActiveDirectoryWorkloadIdentity",
    }
}
