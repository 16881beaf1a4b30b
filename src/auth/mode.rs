//! The `Authentication=` keyword and `SQL_COPT_SS_AUTHENTICATION`.

/// How the driver proves who the user is.
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
