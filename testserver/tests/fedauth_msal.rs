//! The FEDAUTH MSAL workflow at byte level (what MS18 does for Authentication=ActiveDirectory*):
//! LOGIN7 asks for FEDAUTH library MSAL, the server answers FEDAUTHINFO (STS URL + SPN), the
//! client sends the token in a FEDAUTH_TOKEN message, the server validates it and logs in.

mod common;

use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;

use common::{Server, contains, first_error, prelogin, receive, send, utf16};

const OID: &str = "22222222-2222-2222-2222-222222222222";
const STS: &str = "https://127.0.0.1:9/tenant-x";

fn start(key: &PKey<Private>) -> Server {
    let public = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
    common::start(
        "fedauth-test",
        &format!(
            "[fedauth]\nsts_url = \"{STS}\"\npublic_keys_pem = [\"\"\"{public}\"\"\"]\n\
             [[principals]]\nname = \"app@contoso\"\noid = \"{OID}\"\n"
        ),
    )
}

fn token(key: &PKey<Private>, aud: &str) -> String {
    token_for(key, aud, 3600, OID)
}

/// A signed token for `oid`, valid `lifetime` seconds from now (negative: already expired).
fn token_for(key: &PKey<Private>, aud: &str, lifetime: i64, oid: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims =
        serde_json::json!({"aud": aud, "exp": now as i64 + lifetime, "nbf": now - 60, "oid": oid});
    let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
    signer.update(signed.as_bytes()).unwrap();
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(signer.sign_to_vec().unwrap())
    )
}

/// LOGIN7 with no user or password and FEDAUTH library MSAL, workflow 0x01 (password-like).
fn login7() -> Vec<u8> {
    // FeatureExt: FEDAUTH (0x02), 2 bytes: library MSAL (0x02 << 1) + echo 0, workflow 0x01.
    common::login7("", "", Some(&[0x02, 2, 0, 0, 0, 0x02 << 1, 0x01, 0xFF]))
}

fn fedauth_token_message(token: &str) -> Vec<u8> {
    let bytes = utf16(token);
    let mut m = ((bytes.len() + 4) as u32).to_le_bytes().to_vec();
    m.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    m.extend_from_slice(&bytes);
    m
}

/// Runs the workflow up to the login response.
fn msal_login(server: &Server, token: &str) -> (Vec<u8>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    send(&mut stream, 0x12, &prelogin());
    let pre = receive(&mut stream);
    assert!(!pre.is_empty());
    send(&mut stream, 0x10, &login7());
    let info = receive(&mut stream);
    send(&mut stream, 0x08, &fedauth_token_message(token));
    (info, receive(&mut stream))
}

#[test]
fn msal_workflow_logs_in_with_a_valid_token_and_refuses_a_wrong_audience() {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let server = start(&key);

    let (info, response) = msal_login(&server, &token(&key, "https://database.windows.net/"));
    assert_eq!(info[0], 0xEE, "FEDAUTHINFO expected first");
    assert!(
        contains(&info, &utf16(STS)),
        "FEDAUTHINFO carries the STS URL"
    );
    assert!(
        contains(&info, &utf16("https://database.windows.net/")),
        "and the SPN"
    );
    assert!(
        contains(&response, &utf16("Microsoft SQL Server")),
        "LOGINACK expected"
    );
    assert!(!contains(&response, &utf16("Login failed")));

    let (_, refused) = msal_login(&server, &token(&key, "https://vault.azure.net/"));
    assert_eq!(refused[0], 0xAA, "ERROR token expected");
    assert!(contains(
        &refused,
        &utf16("Login failed for user '<token-identified principal>'.")
    ));
}

#[test]
fn refused_tokens_carry_azure_states() {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let server = start(&key);
    let aud = "https://database.windows.net/";

    let (_, expired) = msal_login(&server, &token_for(&key, aud, -3600, OID));
    assert_eq!(
        first_error(&expired),
        Some((18456, 233, 14)),
        "expired: state 233"
    );
    assert!(contains(
        &expired,
        &utf16("Login failed for user '<token-identified principal>'. Token is expired.")
    ));

    let (_, stranger) = msal_login(&server, &token_for(&key, aud, 3600, "someone-else"));
    assert_eq!(
        first_error(&stranger),
        Some((18456, 1, 14)),
        "unknown principal: state 1"
    );
}
