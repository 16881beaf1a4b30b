//! ActiveDirectoryInteractive on Linux: authorization code + PKCE with a loopback redirect.
//! The browser is `$BROWSER` or `xdg-open` (when a display is present); without either it
//! falls back to the device code flow and says so on stderr. UID is the login hint.

use super::device_code::DeviceCode;
use super::{Env, SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::params::EntraParams;
use crate::auth::secret::Token;
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const NAME: &str = "Interactive";

pub struct Interactive {
    client_id: String,
    login_hint: Option<String>,
    authority: Authority,
    browser: Option<String>,
}

impl Interactive {
    pub fn new(params: &EntraParams, authority: &Authority, env: &Env) -> Interactive {
        let browser = env
            .get("BROWSER")
            .and_then(|b| b.split(':').next())
            .map(str::to_string)
            .or_else(|| {
                (env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some())
                    .then(|| "xdg-open".to_string())
            });
        Interactive {
            client_id: params.public_client_id().to_string(),
            login_hint: params.user().map(str::to_string),
            authority: authority.clone(),
            browser,
        }
    }
}

fn random_b64(n: usize) -> String {
    let mut b = vec![0u8; n];
    let _ = openssl::rand::rand_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

#[async_trait]
impl TokenSource for Interactive {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let Some(browser) = &self.browser else {
            eprintln!("No browser ($BROWSER) or display: signing in with a device code instead.");
            return DeviceCode::with_client(&self.client_id, &self.authority)
                .fetch(budget)
                .await;
        };
        let started = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| {
            SourceError::hard(
                NAME,
                format!("cannot listen on loopback for the redirect: {e}"),
            )
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let redirect_uri = format!("http://localhost:{port}");
        let verifier = random_b64(32);
        let challenge = URL_SAFE_NO_PAD.encode(openssl::sha::sha256(verifier.as_bytes()));
        let state = random_b64(16);
        let mut url = reqwest::Url::parse(&self.authority.authorize_url())
            .map_err(|e| SourceError::hard(NAME, format!("bad authority URL: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("scope", &self.authority.scope)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", &state)
                .append_pair("prompt", "select_account");
            if let Some(h) = &self.login_hint {
                q.append_pair("login_hint", h);
            }
        }
        let launched = tokio::process::Command::new(browser)
            .arg(url.as_str())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn();
        if let Err(e) = launched {
            return Err(SourceError::hard(
                NAME,
                format!("cannot start the browser '{browser}': {e}"),
            ));
        }
        let left = budget.saturating_sub(started.elapsed());
        let params = tokio::time::timeout(left, receive_redirect(&listener))
            .await
            .map_err(|_| {
                SourceError::hard(
                    NAME,
                    "the sign-in in the browser was not completed within the login timeout",
                )
            })??;
        if params.get("state") != Some(&state) {
            return Err(SourceError::hard(
                NAME,
                "the redirect carried a different state (possible cross-site request)",
            ));
        }
        if let Some(err) = params.get("error") {
            let desc = params.get("error_description").cloned().unwrap_or_default();
            return Err(SourceError::hard(
                NAME,
                format!("sign-in failed: {err} {desc}"),
            ));
        }
        let code = params.get("code").cloned().unwrap_or_default();
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", &self.client_id),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
            ("scope", &self.authority.scope),
        ];
        let req = http::client().post(self.authority.token_url()).form(&form);
        http::token_request(NAME, req, budget.saturating_sub(started.elapsed())).await
    }
}

/// Waits for the browser's GET to the loopback redirect URI and answers it with a short page.
async fn receive_redirect(listener: &TcpListener) -> Result<HashMap<String, String>, SourceError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| SourceError::hard(NAME, format!("loopback listener failed: {e}")))?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() {
            match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("");
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let params: HashMap<String, String> =
            reqwest::Url::parse(&format!("http://localhost/?{query}"))
                .map(|u| u.query_pairs().into_owned().collect())
                .unwrap_or_default();
        if !params.contains_key("code") && !params.contains_key("error") {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue; // e.g. a favicon request
        }
        let page = "<html><body>Signed in. You can close this window and return to the application.</body></html>";
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(resp.as_bytes()).await;
        return Ok(params);
    }
}
