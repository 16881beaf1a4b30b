//! The mock's endpoints, in the shapes the real services use.

use super::crypto::{self, UnverifiedJwt};
use super::state::{AuthCode, DeviceSession, Fault, Mock, now};
use openssl::hash::{MessageDigest, hash};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub struct Req {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// scheme://host:port the client used.
    pub base_url: String,
}

impl Req {
    fn form(&self) -> HashMap<String, String> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, value: &Value) -> Resp {
        Resp {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }
    pub fn text(status: u16, text: &str) -> Resp {
        Resp {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: text.as_bytes().to_vec(),
        }
    }
    fn with_header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// Entra's error body: `{"error","error_description":"AADSTSnnn: ...","error_codes":[nnn],..}`.
pub fn aadsts(status: u16, error: &str, code: u32, text: &str) -> Resp {
    Resp::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text} Trace ID: {} Correlation ID: {} Timestamp: 2026-01-01 00:00:00Z", trace_id(), trace_id()),
            "error_codes": [code],
            "timestamp": "2026-01-01 00:00:00Z",
            "trace_id": trace_id(),
            "correlation_id": trace_id(),
        }),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn trace_id() -> String {
    let b = crypto::random_token(16);
    b.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(32)
        .collect()
}

pub async fn handle(mock: &Mock, req: Req) -> Resp {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    if !req.path.starts_with("/_") {
        let mut recent = mock.recent.lock().unwrap();
        if recent.len() >= 200 {
            recent.pop_front();
        }
        recent.push_back(format!("{} {}", req.method, req.path));
    }
    let endpoint = endpoint_name(&req, &segments);
    if let Some(name) = &endpoint {
        mock.count(name.split(':').next().unwrap_or(name));
        if name.contains(':') {
            mock.count(name);
        }
        let names: Vec<&str> = vec![name.split(':').next().unwrap_or(name), name.as_str()];
        if let Some(fault) = mock.take_fault(&names) {
            if let Some(ms) = fault.delay_ms {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            if fault.status.is_some() || fault.aadsts.is_some() || fault.error.is_some() {
                return fault_response(&fault);
            }
        }
    }
    let form = req.form();
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["_counters"]) => Resp::json(200, &mock.counters_json()),
        ("GET", ["_requests"]) => Resp::json(200, &json!(&*mock.recent.lock().unwrap())),
        ("POST", ["_counters", "reset"]) => {
            mock.counters.lock().unwrap().clear();
            Resp::json(200, &json!({}))
        }
        ("POST", ["_faults"]) => set_faults(mock, &req.body),
        ("POST", ["_config"]) => set_config(mock, &req.body),
        ("GET", ["_faults"]) => Resp::json(200, &json!(mock.faults.lock().unwrap().len())),
        ("POST", ["_workload", "rotate"]) => match mock.write_federated_token() {
            Ok(p) => Resp::json(200, &json!({"path": p})),
            Err(e) => Resp::text(500, &e.to_string()),
        },
        ("POST", ["_signing_key", "rotate"]) => match mock.rotate_signing_key() {
            Ok(()) => Resp::json(200, &json!({"rotated": true})),
            Err(e) => Resp::text(500, &e.to_string()),
        },
        ("GET", ["_cli", "token"]) => cli_token(mock, &req),
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => token(mock, &req, tenant, &form),
        ("POST", [tenant, "oauth2", "token"]) if *tenant != "cloudshell" => {
            token_v1(mock, &req, tenant, form)
        }
        ("GET", ["common", "UserRealm", user]) => user_realm(user),
        ("POST", [tenant, "oauth2", "v2.0", "devicecode"]) => device_code(mock, tenant, &form),
        ("GET", [tenant, "oauth2", "v2.0", "authorize"]) => authorize(mock, &req, tenant),
        ("GET", ["metadata", "identity", "oauth2", "token"]) => imds(mock, &req),
        ("GET", ["no-identity", "metadata", "identity", "oauth2", "token"]) => {
            // IMDS of a VM with no managed identity assigned, as Azure answers it.
            oauth_error(400, "invalid_request", "Identity not found")
        }
        ("GET", ["msi", "token"]) => app_service(mock, &req),
        ("GET", ["arc", "metadata", "identity", "oauth2", "token"]) => arc(mock, &req),
        ("POST", ["cloudshell", "oauth2", "token"]) => cloud_shell(mock, &req, &form),
        _ => Resp::text(404, "no such endpoint"),
    }
}

/// The counter name of a request: "token:<grant>" style for the token endpoint.
fn endpoint_name(req: &Req, segments: &[&str]) -> Option<String> {
    match segments {
        [t, "oauth2", "v2.0", "token"] | [t, "oauth2", "token"] if *t != "cloudshell" => {
            let grant = req.form().get("grant_type").cloned().unwrap_or_default();
            let short = grant.rsplit(':').next().unwrap_or("").to_string();
            Some(format!("token:{short}"))
        }
        [_, "oauth2", "v2.0", "devicecode"] => Some("devicecode".into()),
        [_, "oauth2", "v2.0", "authorize"] => Some("authorize".into()),
        ["metadata", "identity", "oauth2", "token"] => Some("imds".into()),
        ["no-identity", ..] => Some("imds_no_identity".into()),
        ["msi", "token"] => Some("appservice".into()),
        ["arc", ..] => Some("arc".into()),
        ["cloudshell", ..] => Some("cloudshell".into()),
        ["_cli", "token"] => Some(format!(
            "cli:{}",
            req.query.get("tool").map(String::as_str).unwrap_or("az")
        )),
        _ => None,
    }
}

fn fault_response(f: &Fault) -> Resp {
    let status = f.status.unwrap_or(400);
    let mut resp = if let Some(body) = &f.body {
        Resp {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.clone().into_bytes(),
        }
    } else if let Some(code) = f.aadsts {
        let text = f
            .description
            .clone()
            .unwrap_or_else(|| "Scripted failure.".into());
        aadsts(
            status,
            f.error.as_deref().unwrap_or("invalid_request"),
            code,
            &text,
        )
    } else {
        let error = f.error.clone().unwrap_or_else(|| match status {
            429 => "too_many_requests".into(),
            s if s >= 500 => "server_error".into(),
            _ => "invalid_request".into(),
        });
        let text = f
            .description
            .clone()
            .unwrap_or_else(|| format!("scripted {status}"));
        oauth_error(status, &error, &text)
    };
    if let Some(secs) = f.retry_after {
        resp = resp.with_header("retry-after", &secs.to_string());
    }
    resp
}

/// `{"token_lifetime_secs": N}`: tokens issued from now on live N seconds.
fn set_config(mock: &Mock, body: &[u8]) -> Resp {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match v.get("token_lifetime_secs").and_then(Value::as_u64) {
        Some(n) if n > 0 => {
            mock.token_lifetime_secs
                .store(n, std::sync::atomic::Ordering::SeqCst);
            Resp::json(200, &json!({"token_lifetime_secs": n}))
        }
        _ => Resp::text(
            400,
            "expected {\"token_lifetime_secs\": <positive integer>}",
        ),
    }
}

fn set_faults(mock: &Mock, body: &[u8]) -> Resp {
    let parsed: Result<Vec<Fault>, _> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(a)) => serde_json::from_value(Value::Array(a)),
        Ok(v @ Value::Object(_)) if v.get("faults").is_some() => {
            serde_json::from_value(v["faults"].clone())
        }
        Ok(v) => serde_json::from_value(Value::Array(vec![v])),
        Err(e) => Err(e),
    };
    match parsed {
        Ok(faults) => {
            let n = faults.len();
            *mock.faults.lock().unwrap() = faults;
            Resp::json(200, &json!({"armed": n}))
        }
        Err(e) => Resp::text(400, &format!("faults: {e}")),
    }
}

/// The v1 (ADAL) token endpoint MS18 uses: `resource=` instead of `scope=`, and every number
/// in the answer a string.
fn token_v1(mock: &Mock, req: &Req, tenant: &str, mut form: HashMap<String, String>) -> Resp {
    if let Some(resource) = form.get("resource").cloned() {
        form.entry("scope".into())
            .or_insert_with(|| format!("{}/.default", resource.trim_end_matches('/')));
    }
    let resp = token(mock, req, tenant, &form);
    if resp.status != 200 {
        return resp;
    }
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let lifetime = v["expires_in"].as_u64().unwrap_or(0);
    let now = now();
    Resp::json(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": lifetime.to_string(),
            "ext_expires_in": lifetime.to_string(),
            "expires_on": (now + lifetime).to_string(),
            "not_before": now.to_string(),
            "resource": form.get("resource").cloned().unwrap_or_default(),
            "access_token": v["access_token"],
        }),
    )
}

/// ADAL's home-realm discovery: every account of the mock is a managed (cloud) account.
fn user_realm(user: &str) -> Resp {
    let domain = user.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    Resp::json(
        200,
        &json!({"ver": "1.0", "account_type": "Managed", "domain_name": domain,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline"}),
    )
}

/// "https://database.windows.net//.default" -> "https://database.windows.net/".
fn audience_of_scope(scope: &str) -> Option<String> {
    let first = scope
        .split_whitespace()
        .find(|s| s.ends_with("/.default"))?;
    let resource = first.trim_end_matches("/.default");
    let resource = resource.trim_end_matches('/');
    (!resource.is_empty()).then(|| format!("{resource}/"))
}

fn check_tenant(mock: &Mock, tenant: &str) -> Result<(), Resp> {
    if tenant.eq_ignore_ascii_case(&mock.config.tenant)
        || tenant.eq_ignore_ascii_case("organizations")
        || tenant.eq_ignore_ascii_case("common")
    {
        Ok(())
    } else {
        Err(aadsts(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ))
    }
}

fn token_success(token: String, lifetime: u64) -> Resp {
    Resp::json(
        200,
        &json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                "access_token": token}),
    )
}

fn app_claims(client: &super::config::ClientApp) -> Value {
    json!({"appid": client.client_id, "azp": client.client_id, "oid": client.object_id,
           "sub": client.object_id, "idtyp": "app", "app_displayname": client.display_name})
}

fn user_claims(user: &super::config::User, client_id: &str) -> Value {
    json!({"upn": user.upn, "unique_name": user.upn, "oid": user.object_id, "sub": user.object_id,
           "appid": client_id, "scp": "user_impersonation", "idtyp": "user"})
}

fn token(mock: &Mock, req: &Req, tenant: &str, form: &HashMap<String, String>) -> Resp {
    if let Err(r) = check_tenant(mock, tenant) {
        return r;
    }
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let client_id = get("client_id");
    let grant = get("grant_type");
    let audience = match audience_of_scope(get("scope")) {
        Some(a) => a,
        None if grant.ends_with("device_code") || grant == "authorization_code" => String::new(),
        None => {
            return aadsts(
                400,
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            );
        }
    };
    match grant {
        "client_credentials" => client_credentials(mock, req, tenant, client_id, form, &audience),
        "password" => {
            if let Err(r) = check_public_client(mock, client_id) {
                return r;
            }
            match mock.config.user(get("username")) {
                Some(u) if u.password == get("password") => {
                    let (t, l) = mock.issue_token(&audience, user_claims(u, client_id));
                    token_success(t, l)
                }
                Some(_) => aadsts(
                    400,
                    "invalid_grant",
                    50126,
                    "Error validating credentials due to invalid username or password.",
                ),
                None => aadsts(
                    400,
                    "invalid_grant",
                    50034,
                    &format!(
                        "The user account {} does not exist in the {} directory. To sign into this application, the account must be added to the directory.",
                        get("username"),
                        tenant
                    ),
                ),
            }
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            device_code_poll(mock, get("device_code"))
        }
        "authorization_code" => {
            let Some(code) = mock.auth_codes.lock().unwrap().remove(get("code")) else {
                return aadsts(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided authorization code or refresh token has expired due to inactivity.",
                );
            };
            if code.client_id != client_id || code.redirect_uri != get("redirect_uri") {
                return aadsts(
                    400,
                    "invalid_grant",
                    50148,
                    "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
                );
            }
            let digest = hash(MessageDigest::sha256(), get("code_verifier").as_bytes());
            if digest.map(|d| crypto::b64url(&d)).ok().as_deref()
                != Some(code.code_challenge.as_str())
            {
                return aadsts(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
            let aud = audience_of_scope(&code.scope).unwrap_or_default();
            let user = mock
                .config
                .user(&code.user)
                .expect("user chosen at authorize");
            let (t, l) = mock.issue_token(&aud, user_claims(user, client_id));
            token_success(t, l)
        }
        "" => aadsts(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        ),
        other => aadsts(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn check_public_client(mock: &Mock, client_id: &str) -> Result<(), Resp> {
    if client_id.is_empty() {
        return Err(aadsts(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    }
    let list = &mock.config.public_clients;
    if list.is_empty() || list.iter().any(|c| c.eq_ignore_ascii_case(client_id)) {
        Ok(())
    } else {
        Err(aadsts(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                mock.config.tenant
            ),
        ))
    }
}

fn client_credentials(
    mock: &Mock,
    req: &Req,
    tenant: &str,
    client_id: &str,
    form: &HashMap<String, String>,
    audience: &str,
) -> Resp {
    let Some(client) = mock.config.client(client_id) else {
        if mock
            .config
            .managed_identities
            .iter()
            .any(|m| m.object_id.eq_ignore_ascii_case(client_id))
        {
            // The classic mistake: an object id where the client (application) id belongs.
        }
        return aadsts(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                mock.config.tenant
            ),
        );
    };
    if let Some(secret) = form.get("client_secret") {
        return if client.secret.as_deref() == Some(secret.as_str()) {
            let (t, l) = mock.issue_token(audience, app_claims(client));
            token_success(t, l)
        } else {
            aadsts(
                401,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            )
        };
    }
    let Some(assertion) = form.get("client_assertion") else {
        return aadsts(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    };
    if form.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return aadsts(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_assertion_type'.",
        );
    }
    match verify_assertion(mock, req, tenant, client, assertion) {
        Ok(()) => {
            let (t, l) = mock.issue_token(audience, app_claims(client));
            token_success(t, l)
        }
        Err(resp) => resp,
    }
}

fn verify_assertion(
    mock: &Mock,
    req: &Req,
    tenant: &str,
    client: &super::config::ClientApp,
    assertion: &str,
) -> Result<(), Resp> {
    let bad = |code: u32, text: String| aadsts(401, "invalid_client", code, &text);
    let jwt = UnverifiedJwt::parse(assertion)
        .map_err(|e| bad(50027, format!("JWT token is invalid or malformed ({e}).")))?;
    let now = now() as i64;
    let exp = jwt.claims["exp"].as_i64().unwrap_or(0);
    if exp < now {
        return Err(bad(
            700024,
            "Client assertion is not within its valid time range.".into(),
        ));
    }
    if jwt.header["kid"] == "k8s-issuer" {
        let key = crypto::public_key_of(&mock.federation_key).expect("key");
        jwt.verify_rs256(&key).map_err(|e| {
            bad(
                700027,
                format!("Client assertion failed signature validation ({e})."),
            )
        })?;
        let subject = jwt.claims["sub"].as_str().unwrap_or("");
        if client.federated_subject.as_deref() != Some(subject) {
            return Err(bad(
                70021,
                format!(
                    "No matching federated identity record found for presented assertion. Assertion Issuer: 'https://oidc.mock.example/'. Assertion Subject: '{subject}'. Assertion Audience: 'api://AzureADTokenExchange'."
                ),
            ));
        }
        return Ok(());
    }
    let x5t = jwt.header["x5t"].as_str().unwrap_or("");
    let Some((owner, key)) = mock.client_certs.get(x5t) else {
        return Err(bad(
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{x5t}']"
            ),
        ));
    };
    if !owner.eq_ignore_ascii_case(&client.client_id) {
        return Err(bad(700027, "The certificate used to sign the client assertion is registered on a different application.".into()));
    }
    jwt.verify_rs256(key).map_err(|e| {
        bad(
            700027,
            format!("Client assertion failed signature validation ({e})."),
        )
    })?;
    let iss = jwt.claims["iss"].as_str().unwrap_or("");
    let sub = jwt.claims["sub"].as_str().unwrap_or("");
    if iss != client.client_id || sub != client.client_id {
        return Err(bad(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.".into(),
        ));
    }
    let aud = jwt.claims["aud"].as_str().unwrap_or("");
    let suffix = format!("/{tenant}/oauth2/v2.0/token");
    if !aud.ends_with(&suffix) && aud != format!("{}{}", req.base_url, suffix) {
        return Err(bad(
            700016,
            format!("Client assertion audience claim does not match Realm issuer ('{aud}')."),
        ));
    }
    Ok(())
}

fn device_code(mock: &Mock, tenant: &str, form: &HashMap<String, String>) -> Resp {
    if let Err(r) = check_tenant(mock, tenant) {
        return r;
    }
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    if let Err(r) = check_public_client(mock, &client_id) {
        return r;
    }
    let device_code = crypto::random_token(24);
    let user_code: String = crypto::random_token(8)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    let expires_in = 900;
    mock.device_codes.lock().unwrap().insert(
        device_code.clone(),
        DeviceSession {
            client_id,
            scope: form.get("scope").cloned().unwrap_or_default(),
            polls: 0,
            expires_at: now() + expires_in,
        },
    );
    Resp::json(
        200,
        &json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": expires_in,
            "interval": mock.config.device_code_interval_secs,
            "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {user_code} to authenticate."),
        }),
    )
}

fn device_code_poll(mock: &Mock, device_code: &str) -> Resp {
    let mut sessions = mock.device_codes.lock().unwrap();
    let Some(session) = sessions.get_mut(device_code) else {
        return aadsts(
            400,
            "bad_verification_code",
            70019,
            "Verification code expired.",
        );
    };
    if session.expires_at < now() {
        sessions.remove(device_code);
        return aadsts(400, "expired_token", 70019, "Verification code expired.");
    }
    session.polls += 1;
    if session.polls <= mock.config.device_code_pending_polls {
        return aadsts(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        );
    }
    let session = sessions.remove(device_code).expect("present");
    let Some(user) = mock.config.user(&mock.config.cli_user) else {
        return aadsts(
            400,
            "authorization_declined",
            70015,
            "The user has declined to authorize the app.",
        );
    };
    let aud = audience_of_scope(&session.scope).unwrap_or_default();
    let (t, l) = mock.issue_token(&aud, user_claims(user, &session.client_id));
    token_success(t, l)
}

/// Auto-approves as `login_hint` (or the CLI user) and redirects with a code.
fn authorize(mock: &Mock, req: &Req, tenant: &str) -> Resp {
    if let Err(r) = check_tenant(mock, tenant) {
        return r;
    }
    let q = |k: &str| req.query.get(k).cloned().unwrap_or_default();
    let redirect = q("redirect_uri");
    if !(redirect.starts_with("http://localhost") || redirect.starts_with("http://127.0.0.1")) {
        return Resp::text(
            400,
            "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    }
    if q("response_type") != "code"
        || q("code_challenge_method") != "S256"
        || q("code_challenge").is_empty()
    {
        return Resp::text(
            400,
            "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        );
    }
    if let Err(r) = check_public_client(mock, &q("client_id")) {
        return r;
    }
    let hint = q("login_hint");
    let user = if mock.config.user(&hint).is_some() {
        hint
    } else {
        mock.config.cli_user.clone()
    };
    let code = crypto::random_token(24);
    mock.auth_codes.lock().unwrap().insert(
        code.clone(),
        AuthCode {
            client_id: q("client_id"),
            redirect_uri: redirect.clone(),
            code_challenge: q("code_challenge"),
            scope: q("scope"),
            user,
        },
    );
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let location: String = form_urlencoded::Serializer::new(format!("{redirect}{sep}"))
        .append_pair("code", &code)
        .append_pair("state", &q("state"))
        .finish();
    Resp::text(302, "redirecting").with_header("location", &location)
}

/// Resolves a managed identity from the query parameters each host uses.
fn managed_identity<'a>(
    mock: &'a Mock,
    client_id: Option<&String>,
    object_id: Option<&String>,
    resource_id: Option<&String>,
) -> Option<&'a super::config::ManagedIdentity> {
    let mis = &mock.config.managed_identities;
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if let Some(c) = client_id {
        mis.iter().find(|m| eq(&m.client_id, c))
    } else if let Some(o) = object_id {
        mis.iter().find(|m| eq(&m.object_id, o))
    } else if let Some(r) = resource_id {
        mis.iter().find(|m| eq(&m.resource_id, r))
    } else {
        mis.iter().find(|m| m.system_assigned)
    }
}

fn mi_claims(mi: &super::config::ManagedIdentity) -> Value {
    json!({"appid": mi.client_id, "azp": mi.client_id, "oid": mi.object_id, "sub": mi.object_id,
           "idtyp": "app", "xms_mirid": mi.resource_id, "app_displayname": mi.display_name})
}

fn mi_success(
    mock: &Mock,
    mi: &super::config::ManagedIdentity,
    resource: &str,
    expires_in_as_string: bool,
) -> Resp {
    let aud = format!(
        "{}/",
        resource.trim_end_matches("/.default").trim_end_matches('/')
    );
    let (t, l) = mock.issue_token(&aud, mi_claims(mi));
    let now = now();
    let mut body = json!({
        "access_token": t, "refresh_token": "", "expires_on": (now + l).to_string(),
        "not_before": now.to_string(), "resource": resource, "token_type": "Bearer",
        "client_id": mi.client_id,
    });
    if expires_in_as_string {
        body["expires_in"] = json!(l.to_string());
    }
    Resp::json(200, &body)
}

fn imds(mock: &Mock, req: &Req) -> Resp {
    if req.header("metadata") != Some("true") {
        return oauth_error(
            400,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    let Some(resource) = req.query.get("resource").filter(|r| !r.is_empty()) else {
        return oauth_error(
            400,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    if !req.query.contains_key("api-version") {
        return oauth_error(
            400,
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    let q = &req.query;
    match managed_identity(
        mock,
        q.get("client_id"),
        q.get("object_id"),
        q.get("msi_res_id"),
    ) {
        Some(mi) => mi_success(mock, mi, resource, true),
        None => oauth_error(400, "invalid_request", "Identity not found"),
    }
}

fn app_service(mock: &Mock, req: &Req) -> Resp {
    if req.header("x-identity-header") != Some(mock.app_service_secret.as_str()) {
        return Resp::json(
            401,
            &json!({"statusCode": 401, "message": "Unauthorized: X-IDENTITY-HEADER is missing or invalid"}),
        );
    }
    if req.query.get("api-version").map(String::as_str) != Some("2019-08-01") {
        return Resp::json(
            400,
            &json!({"statusCode": 400, "message": "Unsupported api-version"}),
        );
    }
    let Some(resource) = req.query.get("resource").filter(|r| !r.is_empty()) else {
        return Resp::json(
            400,
            &json!({"statusCode": 400, "message": "resource is required"}),
        );
    };
    let q = &req.query;
    match managed_identity(
        mock,
        q.get("client_id"),
        q.get("principal_id").or(q.get("object_id")),
        q.get("mi_res_id"),
    ) {
        Some(mi) => mi_success(mock, mi, resource, false),
        None => Resp::json(
            400,
            &json!({"statusCode": 400, "message": "Unable to load the proper Managed Identity."}),
        ),
    }
}

fn arc(mock: &Mock, req: &Req) -> Resp {
    if req.header("metadata") != Some("true") {
        return oauth_error(
            400,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    let Some(resource) = req.query.get("resource").filter(|r| !r.is_empty()) else {
        return oauth_error(
            400,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    if let Some(auth) = req.header("authorization") {
        let presented = auth.strip_prefix("Basic ").unwrap_or("").trim();
        let expected = mock.arc_secret.lock().unwrap().clone();
        return match expected {
            Some(s) if s == presented => {
                let mi = managed_identity(mock, None, None, None).expect("a system identity");
                mi_success(mock, mi, resource, true)
            }
            _ => oauth_error(401, "invalid_request", "Invalid key"),
        };
    }
    let secret = crypto::random_token(32);
    let path = mock
        .arc_key_dir
        .join(format!("{}.key", crypto::random_token(6)));
    if let Err(e) = std::fs::write(&path, &secret) {
        return Resp::text(500, &format!("cannot write Arc key file: {e}"));
    }
    *mock.arc_secret.lock().unwrap() = Some(secret);
    Resp::json(401, &json!({"error": "unauthorized"})).with_header(
        "www-authenticate",
        &format!("Basic realm={}", path.display()),
    )
}

fn cloud_shell(mock: &Mock, req: &Req, form: &HashMap<String, String>) -> Resp {
    if req.header("metadata") != Some("true") {
        return oauth_error(
            400,
            "invalid_request",
            "Required metadata header not specified",
        );
    }
    let Some(resource) = form.get("resource").filter(|r| !r.is_empty()) else {
        return oauth_error(400, "invalid_request", "resource is required");
    };
    let Some(user) = mock.config.user(&mock.config.cli_user) else {
        return oauth_error(400, "invalid_request", "no signed-in user");
    };
    let aud = format!("{}/", resource.trim_end_matches('/'));
    let (t, l) = mock.issue_token(&aud, user_claims(user, "cloud-shell"));
    let now = now();
    Resp::json(
        200,
        &json!({"access_token": t, "expires_in": l.to_string(), "expires_on": (now + l).to_string(),
        "not_before": now.to_string(), "resource": resource, "token_type": "Bearer"}),
    )
}

/// What the fake `az`/`azd` print comes from here: a user token for the signed-in CLI user.
fn cli_token(mock: &Mock, req: &Req) -> Resp {
    let scope = req.query.get("scope").cloned().unwrap_or_default();
    let Some(aud) = audience_of_scope(&scope).or_else(|| {
        req.query
            .get("resource")
            .map(|r| format!("{}/", r.trim_end_matches('/')))
    }) else {
        return Resp::json(400, &json!({"error": "ERROR: scope or resource required"}));
    };
    let Some(user) = mock.config.user(&mock.config.cli_user) else {
        return Resp::json(
            401,
            &json!({"error": "ERROR: Please run 'az login' to setup account."}),
        );
    };
    let (t, l) = mock.issue_token(
        &aud,
        user_claims(user, "04b07795-8ddb-461a-bbee-02f9e1bf7b46"),
    );
    Resp::json(
        200,
        &json!({"access_token": t, "expires_on": now() + l, "tenant": mock.config.tenant}),
    )
}
