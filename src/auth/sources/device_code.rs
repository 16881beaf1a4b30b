//! ActiveDirectoryDeviceCode: shows "To sign in, use a web browser to open ... and enter the
//! code ..." on stderr and polls until the user finishes, within the login timeout (which
//! defaults to 10 minutes for this mode).

use super::{SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::params::EntraParams;
use crate::auth::secret::Token;
use async_trait::async_trait;
use serde_json::Value;
use std::time::{Duration, Instant};

const NAME: &str = "DeviceCode";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub struct DeviceCode {
    client_id: String,
    authority: Authority,
}

impl DeviceCode {
    pub fn new(params: &EntraParams, authority: &Authority) -> DeviceCode {
        DeviceCode {
            client_id: params.public_client_id().to_string(),
            authority: authority.clone(),
        }
    }

    pub fn with_client(client_id: &str, authority: &Authority) -> DeviceCode {
        DeviceCode {
            client_id: client_id.into(),
            authority: authority.clone(),
        }
    }
}

#[async_trait]
impl TokenSource for DeviceCode {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let started = Instant::now();
        let c = http::client();
        let resp = c
            .post(self.authority.device_code_url())
            .form(&[
                ("client_id", self.client_id.as_str()),
                ("scope", self.authority.scope.as_str()),
            ])
            .timeout(budget)
            .send()
            .await
            .map_err(|e| {
                SourceError::transient(NAME, format!("device code request failed ({e})"))
            })?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status != 200 {
            return Err(http::error_from_body(NAME, status, Some(&body), None));
        }
        let device_code = body["device_code"].as_str().unwrap_or_default().to_string();
        let message = body["message"]
            .as_str()
            .unwrap_or("Complete the sign-in in a browser.");
        eprintln!("{message}");
        let mut interval = Duration::from_secs(body["interval"].as_u64().unwrap_or(5));
        loop {
            let left = budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(SourceError::hard(
                    NAME,
                    "the sign-in was not completed within the login timeout",
                ));
            }
            tokio::time::sleep(interval.min(left)).await;
            let form = [
                ("grant_type", GRANT),
                ("client_id", &self.client_id),
                ("device_code", &device_code),
            ];
            let req = c.post(self.authority.token_url()).form(&form);
            match http::token_request(NAME, req, budget.saturating_sub(started.elapsed())).await {
                Ok(t) => return Ok(t),
                Err(e) => match e.oauth_error.as_deref() {
                    Some("authorization_pending") => continue,
                    Some("slow_down") => interval += Duration::from_secs(5),
                    Some("authorization_declined") => {
                        return Err(SourceError {
                            message: "the user declined the sign-in".into(),
                            ..e
                        });
                    }
                    Some("expired_token") | Some("bad_verification_code") => {
                        return Err(SourceError {
                            message: format!("the device code expired ({})", e.message),
                            ..e
                        });
                    }
                    _ if e.transient => continue,
                    _ => return Err(e),
                },
            }
        }
    }
}
