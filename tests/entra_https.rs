//! The token sources over HTTPS, trusting the mock's CA through SSL_CERT_FILE (OpenSSL's
//! default), as the testserver ready file's `env` sets it. Own test binary: the variable is
//! read once per process when the HTTP client is built.

mod entra_support;

use entra_support::*;
use sqlserver_odbc::auth::Authority;
use sqlserver_odbc::auth::mode::AuthMode::*;
use sqlserver_odbc::auth::sources::Env;
use std::time::Duration;

#[tokio::test]
async fn service_principal_and_workload_identity_over_https() {
    let m = Mock::start(None);
    // SAFETY: set before any thread of this test binary builds an HTTP client.
    unsafe { std::env::set_var("SSL_CERT_FILE", m.info["ca_file"].as_str().unwrap()) };
    let https_sts = m.info["sts_url"].as_str().unwrap();
    assert!(https_sts.starts_with("https://127.0.0.1:"));
    let authority = Authority::from_fedauth_info(https_sts, SPN).unwrap();
    let p = m.params(
        "ActiveDirectoryServicePrincipal",
        ActiveDirectoryServicePrincipal,
    );
    let t = get(
        &manager(),
        &p,
        &authority,
        &Env::default(),
        Duration::from_secs(15),
    )
    .await
    .unwrap();
    assert_eq!(claims(&t)["aud"], SPN);

    let mut env = Env::default();
    for (k, v) in m.info["env"]["ActiveDirectoryWorkloadIdentity"]
        .as_object()
        .unwrap()
    {
        env.0.insert(k.clone(), v.as_str().unwrap().into());
    }
    assert!(
        env.get("AZURE_AUTHORITY_HOST")
            .unwrap()
            .starts_with("https://")
    );
    let p = m.params(
        "ActiveDirectoryWorkloadIdentity",
        ActiveDirectoryWorkloadIdentity,
    );
    let t = get(&manager(), &p, &authority, &env, Duration::from_secs(15))
        .await
        .unwrap();
    assert_eq!(claims(&t)["appid"], "0f1e2d3c-0000-4000-8000-00000000a003");
    assert_eq!(m.counters()["token:client_credentials"], 2);
}
