//! The mock spoken to over real HTTP(S), as the driver's token sources will.

use super::crypto::{self, UnverifiedJwt};
use super::*;
use reqwest::StatusCode;
use serde_json::json;

const SCOPE: &str = "https://database.windows.net//.default";

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<Scratch>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Removes the mock's generated files when a test ends.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn mock() -> (EntraHandle, reqwest::Client) {
    let dir = std::env::temp_dir().join(format!("entra-test-{}", crypto::random_token(6)));
    // Leaked on purpose into the test's lifetime: dropped when the test thread's locals go.
    SCRATCH.with(|s| s.borrow_mut().push(Scratch(dir.clone())));
    let cfg = EntraConfig {
        dir: Some(dir),
        device_code_interval_secs: 0,
        ..EntraConfig::default()
    };
    let handle = start(cfg, None).await.expect("mock starts");
    let ca = reqwest::Certificate::from_pem(handle.ca_cert_pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    (handle, client)
}

fn token_url(h: &EntraHandle) -> String {
    format!("{}/oauth2/v2.0/token", h.sts_url())
}

async fn post_form(c: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = c.post(url).form(form).send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Checks the signature against the published key and returns the claims.
fn claims(h: &EntraHandle, token: &str) -> Value {
    let jwt = UnverifiedJwt::parse(token).unwrap();
    let key = openssl::pkey::PKey::public_key_from_pem(h.jwt_public_key_pem.as_bytes()).unwrap();
    jwt.verify_rs256(&key).expect("signed by the published key");
    jwt.claims
}

#[tokio::test]
async fn client_secret_over_https_issues_a_signed_app_token() {
    let (h, c) = mock().await;
    let app = &h.config.clients[0];
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", app.secret.as_deref().unwrap()),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let cl = claims(&h, body["access_token"].as_str().unwrap());
    assert_eq!(cl["aud"], "https://database.windows.net/");
    assert_eq!(cl["iss"], format!("https://sts.windows.net/{}/", h.tenant));
    assert_eq!(cl["appid"], app.client_id);
    assert_eq!(cl["oid"], app.object_id);
    assert_eq!(
        cl["exp"].as_u64().unwrap() - cl["iat"].as_u64().unwrap(),
        3600
    );
    assert_eq!(h.counters()["token:client_credentials"], 1);
}

#[tokio::test]
async fn wrong_secret_gets_aadsts_7000215_in_the_real_shape() {
    let (h, c) = mock().await;
    let app = &h.config.clients[0];
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", "nope"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(st, 401);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], json!([7000215]));
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: ")
    );
    assert!(body["correlation_id"].is_string() && body["trace_id"].is_string());
}

#[tokio::test]
async fn wrong_tenant_and_unknown_client_are_rejected() {
    let (h, c) = mock().await;
    let url = format!("{}/not-a-tenant/oauth2/v2.0/token", h.http_url);
    let (st, body) = post_form(
        &c,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "x"),
            ("client_secret", "y"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (st.as_u16(), body["error_codes"][0].as_u64()),
        (400, Some(90002))
    );
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "x"),
            ("client_secret", "y"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (st.as_u16(), body["error_codes"][0].as_u64()),
        (400, Some(700016))
    );
}

fn cert_assertion(h: &EntraHandle, client_id: &str, aud: &str) -> String {
    let (pem, _) = &h.client_cert_files[client_id];
    let pem = std::fs::read(pem).unwrap();
    let cert = openssl::x509::X509::from_pem(&pem).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&pem).unwrap();
    let now = state::now();
    crypto::sign_jwt(
        &key,
        &json!({"alg": "RS256", "typ": "JWT", "x5t": crypto::x5t(&cert).unwrap()}),
        &json!({"aud": aud, "iss": client_id, "sub": client_id, "jti": "1", "nbf": now, "exp": now + 300}),
    )
    .unwrap()
}

#[tokio::test]
async fn certificate_assertion_is_verified() {
    let (h, c) = mock().await;
    let app = h
        .config
        .clients
        .iter()
        .find(|a| a.certificate)
        .unwrap()
        .clone();
    let good = cert_assertion(&h, &app.client_id, &token_url(&h));
    let form = |a: &str| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", app.client_id.clone()),
            ("scope", SCOPE.into()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ),
            ("client_assertion", a.to_string()),
        ]
    };
    let r = c
        .post(token_url(&h))
        .form(&form(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let wrong_aud = cert_assertion(&h, &app.client_id, "https://elsewhere.example/token");
    let r = c
        .post(token_url(&h))
        .form(&form(&wrong_aud))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A tampered signature (claims of another assertion) must fail.
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    parts[1] = wrong_aud.split('.').nth(1).unwrap().to_string();
    let r = c
        .post(token_url(&h))
        .form(&form(&parts.join(".")))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 700027, "{body}");
}

#[tokio::test]
async fn workload_identity_federated_assertion_and_rotation() {
    let (h, c) = mock().await;
    let app = h
        .config
        .clients
        .iter()
        .find(|a| a.federated_subject.is_some())
        .unwrap()
        .clone();
    let first = std::fs::read_to_string(&h.federated_token_file).unwrap();
    let r = c
        .post(format!("{}/_workload/rotate", h.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = std::fs::read_to_string(&h.federated_token_file).unwrap();
    assert_ne!(first, second);
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("scope", SCOPE),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &second),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["appid"],
        app.client_id
    );
}

#[tokio::test]
async fn password_grant_for_users() {
    let (h, c) = mock().await;
    let u = h.config.users[0].clone();
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "password"),
            ("client_id", "pub"),
            ("scope", SCOPE),
            ("username", &u.upn),
            ("password", &u.password),
        ],
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["upn"],
        u.upn
    );
    let (st, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "password"),
            ("client_id", "pub"),
            ("scope", SCOPE),
            ("username", &u.upn),
            ("password", "bad"),
        ],
    )
    .await;
    assert_eq!(
        (st.as_u16(), body["error_codes"][0].as_u64()),
        (400, Some(50126))
    );
}

#[tokio::test]
async fn device_code_pending_then_token_and_scripted_decline() {
    let (h, c) = mock().await;
    let dc_url = format!("{}/oauth2/v2.0/devicecode", h.sts_url());
    let (st, dc) = post_form(&c, &dc_url, &[("client_id", "pub"), ("scope", SCOPE)]).await;
    assert_eq!(st, 200);
    assert!(
        dc["message"]
            .as_str()
            .unwrap()
            .contains(dc["user_code"].as_str().unwrap())
    );
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", "pub"),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    let (st, body) = post_form(&c, &token_url(&h), &poll).await;
    assert_eq!(
        (st.as_u16(), body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    let (st, body) = post_form(&c, &token_url(&h), &poll).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(h.counters()["token:device_code"], 2);

    let (_, dc) = post_form(&c, &dc_url, &[("client_id", "pub"), ("scope", SCOPE)]).await;
    c.post(format!("{}/_faults", h.http_url))
        .json(&json!([{"endpoint": "token:device_code", "status": 400, "error": "authorization_declined", "aadsts": 70015, "times": 1}]))
        .send().await.unwrap();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", "pub"),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    let (_, body) = post_form(&c, &token_url(&h), &poll).await;
    assert_eq!(body["error"], "authorization_declined");
}

#[tokio::test]
async fn authorize_redirects_with_code_and_pkce_is_checked() {
    let (h, c) = mock().await;
    let verifier = "a-verifier-of-sufficient-length-0123456789abcdef";
    let challenge = crypto::b64url(&openssl::sha::sha256(verifier.as_bytes()));
    let redirect = "http://localhost:5555";
    let r = c
        .get(format!("{}/oauth2/v2.0/authorize", h.sts_url()))
        .query(&[
            ("client_id", "pub"),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", SCOPE),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "st8"),
            ("login_hint", "alice@contoso.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st8");
    let bad = [
        ("grant_type", "authorization_code"),
        ("client_id", "pub"),
        ("code", q["code"].as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", "wrong"),
        ("scope", SCOPE),
    ];
    let (st, _) = post_form(&c, &token_url(&h), &bad).await;
    assert_eq!(st, 400);
    // The code was consumed by the failed attempt, as Entra does: a new one is needed.
    let r = c
        .get(format!("{}/oauth2/v2.0/authorize", h.sts_url()))
        .query(&[
            ("client_id", "pub"),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", SCOPE),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let loc = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = loc.query_pairs().into_owned().collect();
    let good = [
        ("grant_type", "authorization_code"),
        ("client_id", "pub"),
        ("code", q["code"].as_str()),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
        ("scope", SCOPE),
    ];
    let (st, body) = post_form(&c, &token_url(&h), &good).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["upn"],
        "alice@contoso.example"
    );
}

#[tokio::test]
async fn imds_needs_metadata_header_and_resolves_identities() {
    let (h, c) = mock().await;
    let url = format!("{}/metadata/identity/oauth2/token", h.http_url);
    let base = [
        ("api-version", "2018-02-01"),
        ("resource", "https://database.windows.net/"),
    ];
    let r = c.get(&url).query(&base).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .get(&url)
        .query(&base)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(body["expires_in"].is_string() && body["expires_on"].is_string());
    let sys = h
        .config
        .managed_identities
        .iter()
        .find(|m| m.system_assigned)
        .unwrap();
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["oid"],
        sys.object_id
    );
    let ua = h
        .config
        .managed_identities
        .iter()
        .find(|m| !m.system_assigned)
        .unwrap();
    for (k, v) in [
        ("client_id", &ua.client_id),
        ("object_id", &ua.object_id),
        ("msi_res_id", &ua.resource_id),
    ] {
        let r = c
            .get(&url)
            .query(&base)
            .query(&[(k, v)])
            .header("Metadata", "true")
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            claims(&h, body["access_token"].as_str().unwrap())["appid"],
            ua.client_id,
            "by {k}"
        );
    }
    let r = c
        .get(&url)
        .query(&base)
        .query(&[("client_id", &ua.object_id)])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an object id is not a client id");
}

#[tokio::test]
async fn app_service_arc_and_cloud_shell() {
    let (h, c) = mock().await;
    let r = c
        .get(format!("{}/msi/token", h.http_url))
        .query(&[
            ("api-version", "2019-08-01"),
            ("resource", "https://database.windows.net/"),
        ])
        .header("X-IDENTITY-HEADER", &h.app_service_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["expires_on"].as_str().unwrap().parse::<u64>().is_ok());

    let arc = format!("{}/arc/metadata/identity/oauth2/token", h.http_url);
    let q = [
        ("api-version", "2020-06-01"),
        ("resource", "https://database.windows.net/"),
    ];
    let r = c
        .get(&arc)
        .query(&q)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let realm = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .strip_prefix("Basic realm=")
        .unwrap()
        .to_string();
    assert!(realm.starts_with(h.arc_key_dir.to_str().unwrap()) && realm.ends_with(".key"));
    let secret = std::fs::read_to_string(&realm).unwrap();
    let r = c
        .get(&arc)
        .query(&q)
        .header("Metadata", "true")
        .header("Authorization", format!("Basic {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = c
        .post(format!("{}/cloudshell/oauth2/token", h.http_url))
        .header("Metadata", "true")
        .form(&[("resource", "https://database.windows.net/")])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["upn"],
        "alice@contoso.example"
    );
}

#[tokio::test]
async fn faults_fire_the_requested_number_of_times_and_counters_reset() {
    let (h, c) = mock().await;
    c.post(format!("{}/_faults", h.http_url))
        .json(&json!([{"endpoint": "imds", "status": 429, "retry_after": 3, "times": 2}]))
        .send()
        .await
        .unwrap();
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x",
        h.http_url
    );
    for _ in 0..2 {
        let r = c.get(&url).header("Metadata", "true").send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "3");
    }
    let r = c.get(&url).header("Metadata", "true").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let counters: Value = c
        .get(format!("{}/_counters", h.http_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["imds"], 3);
    c.post(format!("{}/_counters/reset", h.http_url))
        .send()
        .await
        .unwrap();
    assert_eq!(h.counters(), json!({}));
}

#[tokio::test]
async fn ready_fields_name_every_mode() {
    let (h, _) = mock().await;
    let f = h.ready_fields("Server=127.0.0.1,1433;Encrypt=yes");
    for mode in [
        "ActiveDirectoryServicePrincipal",
        "ActiveDirectoryServicePrincipalCertificate",
        "ActiveDirectoryPassword",
        "ActiveDirectoryMsi",
        "ActiveDirectoryManagedIdentity",
        "ActiveDirectoryDefault",
        "ActiveDirectoryWorkloadIdentity",
        "ActiveDirectoryDeviceCode",
        "ActiveDirectoryInteractive",
    ] {
        let cs = f["connection_strings"][mode]
            .as_str()
            .unwrap_or_else(|| panic!("{mode}"));
        assert!(
            cs.starts_with("Server=127.0.0.1,1433;Encrypt=yes;Authentication="),
            "{cs}"
        );
        assert!(f["env"][mode]["SSL_CERT_FILE"].is_string());
    }
    assert_eq!(f["ca_file"], json!(h.ca_file));
}

#[tokio::test]
async fn token_lifetime_can_be_changed_at_runtime() {
    let (h, c) = mock().await;
    let r = c
        .post(format!("{}/_config", h.http_url))
        .json(&json!({"token_lifetime_secs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let app = &h.config.clients[0];
    let (_, body) = post_form(
        &c,
        &token_url(&h),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", app.secret.as_deref().unwrap()),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(body["expires_in"], 10);
    let cl = claims(&h, body["access_token"].as_str().unwrap());
    assert_eq!(
        cl["exp"].as_u64().unwrap() - cl["iat"].as_u64().unwrap(),
        10
    );
    assert_eq!(h.principals().len(), 1 + 3 + 2, "bob has no database user");
}

#[tokio::test]
async fn v1_endpoint_and_user_realm_as_msodbcsql_uses_them() {
    let (h, c) = mock().await;
    let app = &h.config.clients[0];
    let (st, body) = post_form(
        &c,
        &format!("{}/oauth2/token", h.sts_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &app.client_id),
            ("client_secret", app.secret.as_deref().unwrap()),
            ("resource", "https://database.windows.net/"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert!(body["expires_in"].is_string() && body["expires_on"].is_string());
    assert_eq!(body["resource"], "https://database.windows.net/");
    assert_eq!(
        claims(&h, body["access_token"].as_str().unwrap())["aud"],
        "https://database.windows.net/"
    );
    let realm: Value = c
        .get(format!(
            "{}/common/UserRealm/alice%40contoso.example?api-version=1.0",
            h.https_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(realm["account_type"], "Managed");
    assert_eq!(h.counters()["token:client_credentials"], 1);
}

#[tokio::test]
async fn default_chain_env_probes_an_imds_without_identity_on_the_mock() {
    let (h, c) = mock().await;
    let f = h.ready_fields("Server=127.0.0.1,1433");
    let host = f["env"]["ActiveDirectoryDefault"]["AZURE_POD_IDENTITY_AUTHORITY_HOST"]
        .as_str()
        .expect("Default's env points IMDS somewhere");
    assert!(host.starts_with(&h.http_url), "{host}");
    let r = c
        .get(format!("{host}/metadata/identity/oauth2/token"))
        .query(&[("api-version", "2018-02-01"), ("resource", SCOPE)])
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_description"], "Identity not found");
    let counters = h.counters();
    assert_eq!(counters["imds_no_identity"], 1);
    assert!(counters.get("imds").is_none(), "{counters}");
}
