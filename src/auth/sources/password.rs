//! ActiveDirectoryPassword: the resource-owner password grant (ROPC). Deprecated by Microsoft
//! and refused for MFA-enabled accounts, but still what msodbcsql does for this mode.

use super::{SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::params::EntraParams;
use crate::auth::secret::{Secret, Token};
use async_trait::async_trait;
use std::time::Duration;

pub struct Ropc {
    pub username: String,
    password: Secret,
    client_id: String,
    authority: Authority,
}

impl Ropc {
    pub fn from_params(params: &EntraParams, authority: &Authority) -> Result<Ropc, SourceError> {
        let (Some(user), Some(pwd)) = (params.user(), params.secret()) else {
            return Err(SourceError::hard(
                "Password",
                "both UID and PWD are required",
            ));
        };
        Ok(Ropc {
            username: user.to_string(),
            password: pwd.clone(),
            client_id: params.public_client_id().to_string(),
            authority: authority.clone(),
        })
    }

    pub fn with_client(
        username: &str,
        password: Secret,
        client_id: &str,
        authority: &Authority,
    ) -> Ropc {
        Ropc {
            username: username.into(),
            password,
            client_id: client_id.into(),
            authority: authority.clone(),
        }
    }

    pub fn fingerprint(&self) -> String {
        self.password.fingerprint()
    }
}

#[async_trait]
impl TokenSource for Ropc {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let form = [
            ("grant_type", "password"),
            ("client_id", &self.client_id),
            ("scope", &self.authority.scope),
            ("username", &self.username),
            ("password", self.password.expose()),
        ];
        let req = http::client().post(self.authority.token_url()).form(&form);
        http::token_request("Password", req, budget).await.map_err(|e| match e.aadsts {
            Some(50076) | Some(50079) => e.with_hint(
                "The account requires multi-factor authentication: use ActiveDirectoryInteractive or ActiveDirectoryDeviceCode.",
            ),
            Some(50126) => e.with_hint("Check UID (the user principal name) and PWD."),
            Some(7000218) => e.with_hint("The app registration must allow public client flows (PublicClientId)."),
            _ => e,
        })
    }
}
