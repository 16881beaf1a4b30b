//! What the mock knows: the tenant, its applications, users and managed identities.
//!
//! Every field has a default so a bare `[entra]` table (or none at all) gives a working mock
//! with one principal of each kind; tests override what they need.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct EntraConfig {
    pub tenant: String,
    /// Lifetime of every issued access token, in seconds.
    pub token_lifetime_secs: u64,
    /// Directory for generated files (client certificates, Arc key files, federated token).
    /// `None`: a directory under the system temp dir, named after the process id.
    pub dir: Option<PathBuf>,
    pub clients: Vec<ClientApp>,
    pub users: Vec<User>,
    pub managed_identities: Vec<ManagedIdentity>,
    /// Public client ids accepted for device code, interactive and ROPC. Empty: any id.
    pub public_clients: Vec<String>,
    /// The user the fake `az`/`azd` are "logged in" as (a upn from `users`).
    pub cli_user: String,
    /// Device code flow: how many polls answer `authorization_pending` before success.
    pub device_code_pending_polls: u32,
    /// Device code `interval` in seconds (the real service says 5).
    pub device_code_interval_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ClientApp {
    pub client_id: String,
    /// The service principal's object id (the `oid` claim).
    pub object_id: String,
    pub display_name: String,
    #[serde(default)]
    pub secret: Option<String>,
    /// Generate a certificate for this application at start (PEM + PKCS#12 in `dir`).
    #[serde(default)]
    pub certificate: bool,
    /// Accept federated assertions (workload identity) with this subject.
    #[serde(default)]
    pub federated_subject: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub upn: String,
    pub password: String,
    pub object_id: String,
    /// Has a database user on the TDS listener (false: tokens are valid, logins fail 18456,
    /// as for a principal nobody ran `CREATE USER .. FROM EXTERNAL PROVIDER` for).
    #[serde(default = "yes")]
    pub in_database: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
pub struct ManagedIdentity {
    pub client_id: String,
    pub object_id: String,
    pub resource_id: String,
    pub display_name: String,
    /// The system-assigned identity answers requests that name no identity.
    #[serde(default)]
    pub system_assigned: bool,
}

pub const DEFAULT_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const PFX_PASSWORD: &str = "pfx-pass";
pub const FEDERATED_SUBJECT: &str = "system:serviceaccount:default:workload";

impl Default for EntraConfig {
    fn default() -> Self {
        let sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";
        EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            token_lifetime_secs: 3600,
            dir: None,
            clients: vec![
                ClientApp {
                    client_id: "0f1e2d3c-0000-4000-8000-00000000a001".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000b001".into(),
                    display_name: "app-secret".into(),
                    secret: Some("app-secret-value~1".into()),
                    certificate: false,
                    federated_subject: None,
                },
                ClientApp {
                    client_id: "0f1e2d3c-0000-4000-8000-00000000a002".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000b002".into(),
                    display_name: "app-cert".into(),
                    secret: None,
                    certificate: true,
                    federated_subject: None,
                },
                ClientApp {
                    client_id: "0f1e2d3c-0000-4000-8000-00000000a003".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000b003".into(),
                    display_name: "app-workload".into(),
                    secret: None,
                    certificate: false,
                    federated_subject: Some(FEDERATED_SUBJECT.into()),
                },
            ],
            users: vec![
                User {
                    upn: "alice@contoso.example".into(),
                    password: "Alice-Pa55".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000c001".into(),
                    in_database: true,
                },
                User {
                    upn: "bob@contoso.example".into(),
                    password: "Bob-Pa55".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000c002".into(),
                    in_database: false,
                },
            ],
            managed_identities: vec![
                ManagedIdentity {
                    client_id: "0f1e2d3c-0000-4000-8000-00000000d001".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000e001".into(),
                    resource_id: format!("{sub}/Microsoft.Compute/virtualMachines/vm1"),
                    display_name: "vm1".into(),
                    system_assigned: true,
                },
                ManagedIdentity {
                    client_id: "0f1e2d3c-0000-4000-8000-00000000d002".into(),
                    object_id: "0f1e2d3c-0000-4000-8000-00000000e002".into(),
                    resource_id: format!(
                        "{sub}/Microsoft.ManagedIdentity/userAssignedIdentities/uami1"
                    ),
                    display_name: "uami1".into(),
                    system_assigned: false,
                },
            ],
            public_clients: Vec::new(),
            cli_user: "alice@contoso.example".into(),
            device_code_pending_polls: 1,
            device_code_interval_secs: 1,
        }
    }
}

impl EntraConfig {
    pub fn client(&self, client_id: &str) -> Option<&ClientApp> {
        self.clients
            .iter()
            .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn user(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }
}
