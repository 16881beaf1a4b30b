//! What the connection string and attributes say about an Entra login.
//!
//! Keywords (parsed by `connect`): `Authentication`, `UID`, `PWD`, and for certificates
//! `ClientCertificate=<path>` (aliases `ClientCertPath`, `ClientCertificatePath`, go-mssqldb's
//! `clientcertpath`; msodbcsql's `file:<path>` form is accepted): PEM
//! with certificate + private key, or PKCS#12 `.pfx`/`.p12`; `PWD` is the key or PKCS#12
//! password when there is one. `ActiveDirectoryServicePrincipalCertificate`, or
//! `ActiveDirectoryServicePrincipal` with `ClientCertPath` and no `PWD`, uses the certificate.
//! `PublicClientId` (alias `ApplicationClientId`, go-mssqldb's name) chooses the public-client
//! app registration for
//! Interactive/DeviceCode/Password (default [`DEFAULT_PUBLIC_CLIENT_ID`], documented below).

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

    /// From validated connection settings (`Authentication`, `UID`, `PWD`, `ClientCertificate`,
    /// `PublicClientId`).
    pub fn from_settings(s: &crate::connect::settings::Settings) -> Option<EntraParams> {
        let mode = s.authentication?;
        Some(EntraParams {
            mode,
            user: s.uid.clone(),
            secret: s.pwd.as_ref().map(|p| Secret::new(p.expose())),
            client_certificate: s.client_certificate_path().map(PathBuf::from),
            public_client_id: s.public_client_id().map(str::to_owned),
        })
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

    /// Whether this login uses a certificate rather than a client secret (with a
    /// certificate, `PWD` is the certificate's password).
    pub fn uses_certificate(&self) -> bool {
        self.client_certificate.is_some()
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
