//! The one HTTP client of the token sources (reqwest on OpenSSL) and the parsing shared by
//! every token endpoint: success shapes, Entra's error JSON, Retry-After.

use super::jwt;
use super::secret::{Secret, Token};
use super::sources::{SourceError, unix_now};
use serde_json::Value;
use std::sync::Mutex;
use std::time::Duration;

/// For Entra and the CLIs' endpoints: honours HTTPS_PROXY/NO_PROXY; trusts the system store
/// plus `SSL_CERT_FILE`/`SSL_CERT_DIR` (OpenSSL's defaults, read when the client is built: a
/// change of either builds a new client).
pub fn client() -> reqwest::Client {
    cached(false)
}

/// For link-local and loopback managed-identity endpoints: never through a proxy.
pub fn direct_client() -> reqwest::Client {
    cached(true)
}

fn cached(direct: bool) -> reqwest::Client {
    static CLIENTS: Mutex<Option<(String, reqwest::Client, reqwest::Client)>> = Mutex::new(None);
    let trust = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .map(|k| std::env::var(k).unwrap_or_default())
        .join("|");
    let mut slot = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    let fresh = !matches!(&*slot, Some((t, _, _)) if *t == trust);
    if fresh {
        *slot = Some((trust, build(false), build(true)));
    }
    let (_, proxied, direct_one) = slot.as_ref().expect("just set");
    if direct {
        direct_one.clone()
    } else {
        proxied.clone()
    }
}

fn build(direct: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("sqlserver-odbc/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        // Token requests are rare; no idle connections to outlive a runtime (fork, tests).
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none());
    if direct {
        b = b.no_proxy();
    }
    b.build().unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends `req` (bounded by `budget`) and turns the answer into a token or a [`SourceError`].
pub async fn token_request(
    source: &str,
    req: reqwest::RequestBuilder,
    budget: Duration,
) -> Result<Token, SourceError> {
    let resp = req
        .timeout(budget.max(Duration::from_millis(50)))
        .send()
        .await
        .map_err(|e| {
            let what = if e.is_timeout() {
                "no answer within the login timeout".to_string()
            } else if e.is_connect() {
                format!("cannot connect ({})", root_cause(&e))
            } else {
                format!("request failed ({})", root_cause(&e))
            };
            SourceError::transient(source, what)
        })?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.bytes().await.unwrap_or_default();
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    if (200..300).contains(&status) {
        return match json {
            Some(v) => parse_token(&v).ok_or_else(|| {
                SourceError::hard(
                    source,
                    format!("HTTP {status} without an access token in the body"),
                )
            }),
            None => Err(SourceError::hard(
                source,
                format!("HTTP {status} with a body that is not JSON"),
            )),
        };
    }
    Err(error_from_body(source, status, json.as_ref(), retry_after))
}

/// Success shapes: `expires_in` (number or string) and/or `expires_on` (epoch, number or
/// string). The JWT `exp` caps it.
pub fn parse_token(v: &Value) -> Option<Token> {
    let token = v
        .get("access_token")
        .or_else(|| v.get("accessToken"))
        .or_else(|| v.get("token"))?;
    let token = token.as_str()?.to_string();
    let num = |k: &str| match v.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let reported = num("expires_on")
        .or_else(|| num("expires_in").map(|s| unix_now() + s))
        .unwrap_or_else(|| unix_now() + 300);
    Some(finish_token(token, reported))
}

/// The token's expiry is the earlier of what the service said and the JWT's `exp`.
pub fn finish_token(token: String, reported_expires_on: u64) -> Token {
    let exp = jwt::peek(&token).and_then(|c| c.exp).unwrap_or(u64::MAX);
    Token {
        access_token: Secret::new(token),
        expires_on: reported_expires_on.min(exp),
    }
}

pub fn error_from_body(
    source: &str,
    status: u16,
    json: Option<&Value>,
    retry_after: Option<Duration>,
) -> SourceError {
    let s = |k: &str| {
        json.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let aadsts = json
        .and_then(|v| v.get("error_codes"))
        .and_then(|c| c.get(0))
        .and_then(Value::as_u64)
        .map(|c| c as u32);
    let error = s("error");
    let description = s("error_description").or_else(|| s("message"));
    let text = match (&error, &description) {
        (_, Some(d)) => trim_trace(d),
        (Some(e), None) => e.clone(),
        (None, None) if json.is_none() => "the body is not JSON".to_string(),
        (None, None) => "no error description".to_string(),
    };
    let mut e = SourceError::hard(source, format!("HTTP {status}: {text}"));
    e.status = Some(status);
    e.aadsts = aadsts;
    e.oauth_error = error;
    e.retry_after = retry_after;
    e.transient = status == 408 || status == 429 || status >= 500;
    e
}

/// Entra appends trace and correlation ids to every description; keep the first line's text
/// and the correlation id, which support needs.
fn trim_trace(d: &str) -> String {
    let first = d.lines().next().unwrap_or(d);
    match first.find(" Trace ID:") {
        Some(i) => {
            let corr = first.find("Correlation ID:").map(|j| {
                first[j..]
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            match corr {
                Some(c) => format!("{} ({c})", &first[..i]),
                None => first[..i].to_string(),
            }
        }
        None => first.to_string(),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
