//! Every token source against the Entra mock, through the token manager, over loopback HTTP.

mod entra_support;

use entra_support::*;
use serde_json::json;
use sqlserver_odbc::auth::mode::AuthMode::{self, *};
use sqlserver_odbc::auth::sources::Env;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(15);

async fn ok(mock: &Mock, key: &str, mode: AuthMode, env: Env) -> serde_json::Value {
    let p = mock.params(key, mode);
    let t = get(&manager(), &p, &mock.authority(), &env, T)
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    let c = claims(&t);
    assert_eq!(c["aud"], SPN, "{key}");
    assert_eq!(c["tid"], mock.tenant());
    c
}

#[tokio::test]
async fn service_principal_secret_and_certificates() {
    let m = Mock::start(None);
    let c = ok(
        &m,
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
        Env::default(),
    )
    .await;
    assert_eq!(c["appid"], "0f1e2d3c-0000-4000-8000-00000000a001");
    let pem = ok(
        &m,
        "ActiveDirectoryServicePrincipalCertificate",
        ActiveDirectoryServicePrincipalCertificate,
        Env::default(),
    )
    .await;
    let pfx = ok(
        &m,
        "ActiveDirectoryServicePrincipalCertificate/pkcs12",
        ActiveDirectoryServicePrincipalCertificate,
        Env::default(),
    )
    .await;
    assert_eq!(pem["appid"], "0f1e2d3c-0000-4000-8000-00000000a002");
    assert_eq!(pfx["appid"], pem["appid"]);
    // ServicePrincipal + ClientCertPath and no secret also means the certificate.
    let mut p = m.params(
        "ActiveDirectoryServicePrincipalCertificate",
        ActiveDirectoryServicePrincipal,
    );
    p.secret = None;
    assert!(
        get(&manager(), &p, &m.authority(), &Env::default(), T)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn wrong_secret_is_fa004_with_aadsts_and_hint_but_no_secret() {
    let m = Mock::start(None);
    let mut p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    p.secret = Some(sqlserver_odbc::auth::Secret::new("not-the-secret-xyz"));
    let e = get(&manager(), &p, &m.authority(), &Env::default(), T)
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "FA004");
    assert!(e.message.starts_with("Failed to authenticate the user '0f1e2d3c-0000-4000-8000-00000000a001' in Active Directory (Authentication option is 'ActiveDirectoryServicePrincipal')."));
    let all = e.to_string();
    assert!(all.contains("AADSTS7000215"), "{all}");
    assert!(
        all.contains("Hint: PWD must be the client secret's Value"),
        "{all}"
    );
    assert!(!all.contains("not-the-secret-xyz"));
}

#[tokio::test]
async fn object_id_given_as_service_principal_uid_gets_the_hint() {
    let m = Mock::start(None);
    let mut p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    p.user = Some("0f1e2d3c-0000-4000-8000-00000000b001".into()); // the object id
    let e = get(&manager(), &p, &m.authority(), &Env::default(), T)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("AADSTS700016") && e.to_string().contains("not the object id"),
        "{e}"
    );
}

#[tokio::test]
async fn password_device_code_and_interactive() {
    let m = Mock::start(None);
    let c = ok(
        &m,
        "ActiveDirectoryPassword",
        ActiveDirectoryPassword,
        Env::default(),
    )
    .await;
    assert_eq!(c["upn"], "alice@contoso.example");
    let c = ok(
        &m,
        "ActiveDirectoryDeviceCode",
        ActiveDirectoryDeviceCode,
        Env::default(),
    )
    .await;
    assert_eq!(c["upn"], "alice@contoso.example");
    let mut env = Env::default();
    env.0.insert(
        "BROWSER".into(),
        fake_cli_dir().join("browser").display().to_string(),
    );
    let c = ok(
        &m,
        "ActiveDirectoryInteractive",
        ActiveDirectoryInteractive,
        env,
    )
    .await;
    assert_eq!(c["upn"], "alice@contoso.example");
    let counters = m.counters();
    assert_eq!(counters["authorize"], 1);
    assert_eq!(counters["token:authorization_code"], 1);
}

#[tokio::test]
async fn interactive_without_a_browser_falls_back_to_device_code() {
    let m = Mock::start(None);
    ok(
        &m,
        "ActiveDirectoryInteractive",
        ActiveDirectoryInteractive,
        Env::default(),
    )
    .await;
    assert_eq!(m.counters()["devicecode"], 1);
}

#[tokio::test]
async fn managed_identity_on_every_host() {
    let m = Mock::start(None);
    let sys = ok(
        &m,
        "ActiveDirectoryMsi",
        ActiveDirectoryMsi,
        m.env("ActiveDirectoryMsi"),
    )
    .await;
    assert_eq!(sys["oid"], "0f1e2d3c-0000-4000-8000-00000000e001");
    ok(
        &m,
        "ActiveDirectoryManagedIdentity/imds",
        ActiveDirectoryManagedIdentity,
        m.env("ActiveDirectoryManagedIdentity/imds"),
    )
    .await;
    let ua = ok(
        &m,
        "ActiveDirectoryManagedIdentity/user-assigned",
        ActiveDirectoryManagedIdentity,
        m.env("ActiveDirectoryManagedIdentity/user-assigned"),
    )
    .await;
    assert_eq!(ua["appid"], "0f1e2d3c-0000-4000-8000-00000000d002");
    let arc = ok(
        &m,
        "ActiveDirectoryManagedIdentity/arc",
        ActiveDirectoryManagedIdentity,
        m.env("ActiveDirectoryManagedIdentity/arc"),
    )
    .await;
    assert_eq!(arc["oid"], sys["oid"]);
    let shell = ok(
        &m,
        "ActiveDirectoryManagedIdentity/cloudshell",
        ActiveDirectoryManagedIdentity,
        m.env("ActiveDirectoryManagedIdentity/cloudshell"),
    )
    .await;
    assert_eq!(shell["upn"], "alice@contoso.example");
}

#[tokio::test]
async fn user_assigned_identity_by_object_id_and_resource_id() {
    let m = Mock::start(None);
    let env = m.env("ActiveDirectoryManagedIdentity/imds");
    for uid in [
        "0f1e2d3c-0000-4000-8000-00000000e002",
        "object_id:0f1e2d3c-0000-4000-8000-00000000e002",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami1",
    ] {
        let mut p = m.params(
            "ActiveDirectoryManagedIdentity/imds",
            ActiveDirectoryManagedIdentity,
        );
        p.user = Some(uid.into());
        let t = get(&manager(), &p, &m.authority(), &env, T)
            .await
            .unwrap_or_else(|e| panic!("{uid}: {e}"));
        assert_eq!(
            claims(&t)["appid"],
            "0f1e2d3c-0000-4000-8000-00000000d002",
            "{uid}"
        );
    }
    let mut p = m.params(
        "ActiveDirectoryManagedIdentity/imds",
        ActiveDirectoryManagedIdentity,
    );
    p.user = Some("11111111-2222-3333-4444-555555555555".into());
    let e = get(&manager(), &p, &m.authority(), &env, T)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("neither as client id nor as object id"), "{e}");
}

#[tokio::test]
async fn workload_identity_rereads_the_rotating_file() {
    let m = Mock::start(None);
    let env = m.env("ActiveDirectoryWorkloadIdentity");
    let c = ok(
        &m,
        "ActiveDirectoryWorkloadIdentity",
        ActiveDirectoryWorkloadIdentity,
        env.clone(),
    )
    .await;
    assert_eq!(c["appid"], "0f1e2d3c-0000-4000-8000-00000000a003");
    http_post(&format!("{}/_workload/rotate", m.url()), "");
    ok(
        &m,
        "ActiveDirectoryWorkloadIdentity",
        ActiveDirectoryWorkloadIdentity,
        env.clone(),
    )
    .await;
    // A stale/garbage file is read at fetch time and rejected by the STS.
    std::fs::write(env.get("AZURE_FEDERATED_TOKEN_FILE").unwrap(), "garbage").unwrap();
    let p = m.params(
        "ActiveDirectoryWorkloadIdentity",
        ActiveDirectoryWorkloadIdentity,
    );
    assert!(get(&manager(), &p, &m.authority(), &env, T).await.is_err());
}

#[tokio::test]
async fn default_chain_environment_then_cli_and_a_full_report_when_all_fail() {
    let m = Mock::start(None);
    let c = ok(
        &m,
        "ActiveDirectoryDefault/environment",
        ActiveDirectoryDefault,
        m.env("ActiveDirectoryDefault/environment"),
    )
    .await;
    assert_eq!(c["appid"], "0f1e2d3c-0000-4000-8000-00000000a001");

    // Only a signed-in `az`: IMDS is pointed at a closed port so the probe fails fast.
    let mut env = Env::default();
    env.0.insert("PATH".into(), path_with(&fake_cli_dir()));
    env.0.insert("FAKE_CLI_MOCK_URL".into(), m.url().into());
    env.0.insert(
        "AZURE_POD_IDENTITY_AUTHORITY_HOST".into(),
        "http://127.0.0.1:9".into(),
    );
    let p = m.params("ActiveDirectoryDefault", ActiveDirectoryDefault);
    let t = get(&manager(), &p, &m.authority(), &env, T).await.unwrap();
    assert_eq!(claims(&t)["upn"], "alice@contoso.example");
    assert_eq!(m.counters()["cli:az"], 1);

    env.0.insert("FAKE_CLI_LOGGED_OUT".into(), "1".into());
    let started = Instant::now();
    let e = get(&manager(), &p, &m.authority(), &env, T)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the chain is quick when nothing is set up"
    );
    // AzureCli worked last time, so it is tried first; then the chain in its usual order.
    let order = [
        "1. AzureCli (remembered)",
        "2. Environment",
        "3. WorkloadIdentity",
        "4. ManagedIdentity (IMDS)",
        "5. AzureDeveloperCli",
    ];
    let mut at = 0;
    for o in order {
        let i = e[at..]
            .find(o)
            .unwrap_or_else(|| panic!("{o} missing or out of order in {e}"));
        at += i;
    }
    assert!(
        e.contains("Hint: Sign in with 'az login'") && e.contains("'azd auth login'"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_cold_connects_make_one_request() {
    let m = Mock::start(None);
    let mgr = manager();
    let p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (mgr, p, a) = (mgr.clone(), p.clone(), m.authority());
            tokio::spawn(async move {
                get(&mgr, &p, &a, &Env::default(), T)
                    .await
                    .map(|t| t.expires_on)
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(m.counters()["token:client_credentials"], 1);
}

#[tokio::test]
async fn throttled_twice_then_success_within_the_timeout() {
    let m = Mock::start(None);
    m.faults(
        &json!([{"endpoint": "token", "status": 429, "retry_after": 1, "times": 2}]).to_string(),
    );
    let p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    let started = Instant::now();
    get(&manager(), &p, &m.authority(), &Env::default(), T)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    assert_eq!(m.counters()["token"], 3);
}

#[tokio::test]
async fn imds_down_fails_clearly_within_the_login_timeout() {
    let m = Mock::start(None);
    m.faults(&json!([{"endpoint": "imds", "status": 503}]).to_string());
    let p = m.params(
        "ActiveDirectoryManagedIdentity/imds",
        ActiveDirectoryManagedIdentity,
    );
    let started = Instant::now();
    let e = get(
        &manager(),
        &p,
        &m.authority(),
        &m.env("ActiveDirectoryManagedIdentity/imds"),
        Duration::from_secs(5),
    )
    .await
    .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "{took:?}");
    let text = e.to_string();
    assert!(
        text.contains("ManagedIdentity (IMDS): HTTP 503") && text.contains("gave up after"),
        "{text}"
    );
    let n = m.counters()["imds"].as_u64().unwrap();
    assert!((2..=6).contains(&n), "backed off: {n} requests");
}

#[tokio::test]
async fn ten_second_tokens_stay_valid_across_refreshes() {
    let m = Mock::start(Some(10));
    let mgr = manager();
    let p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    let end = Instant::now() + Duration::from_secs(21);
    while Instant::now() < end {
        let t = get(&mgr, &p, &m.authority(), &Env::default(), T)
            .await
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(t.expires_on > now, "never an expired token");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let n = m.counters()["token"].as_u64().unwrap();
    assert!((2..=4).contains(&n), "about one request per lifetime: {n}");
}

#[tokio::test]
async fn device_code_declined_and_slow_down() {
    let m = Mock::start(None);
    m.faults(
        &json!([{"endpoint": "token:device_code", "status": 400, "error": "slow_down", "times": 1}])
            .to_string(),
    );
    let started = Instant::now();
    ok(
        &m,
        "ActiveDirectoryDeviceCode",
        ActiveDirectoryDeviceCode,
        Env::default(),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "slow_down adds 5 s to the interval"
    );

    m.faults(&json!([{"endpoint": "token:device_code", "status": 400, "error": "authorization_declined", "aadsts": 70015}]).to_string());
    let mut p = m.params("ActiveDirectoryDeviceCode", ActiveDirectoryDeviceCode);
    p.public_client_id = Some("another-public-client".into()); // a fresh cache key
    let e = get(&manager(), &p, &m.authority(), &Env::default(), T)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("the user declined the sign-in"),
        "{e}"
    );
}
