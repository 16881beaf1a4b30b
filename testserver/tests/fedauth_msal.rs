//! The FEDAUTH MSAL workflow at byte level (what MS18 does for Authentication=ActiveDirectory*):
//! LOGIN7 asks for FEDAUTH library MSAL, the server answers FEDAUTHINFO (STS URL + SPN), the
//! client sends the token in a FEDAUTH_TOKEN message, the server validates it and logs in.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;

const OID: &str = "22222222-2222-2222-2222-222222222222";
const STS: &str = "https://127.0.0.1:9/tenant-x";

struct Server {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(key: &PKey<Private>) -> Server {
    let dir = std::env::temp_dir().join(format!("fedauth-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let public = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
    let config = format!(
        "[fedauth]\nsts_url = \"{STS}\"\npublic_keys_pem = [\"\"\"{public}\"\"\"]\n\
         [[principals]]\nname = \"app@contoso\"\noid = \"{OID}\"\n"
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let ready = dir.join("ready.json");
    let child = Command::new(env!("CARGO_BIN_EXE_testserver"))
        .args([
            "--config".as_ref(),
            dir.join("config.toml").as_os_str(),
            "--ready-file".as_ref(),
            ready.as_os_str(),
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "testserver not ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
    Server {
        child,
        dir,
        port: info["tds_port"].as_u64().unwrap() as u16,
    }
}

fn token(key: &PKey<Private>, aud: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({"aud": aud, "exp": now + 3600, "nbf": now - 60, "oid": OID});
    let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
    signer.update(signed.as_bytes()).unwrap();
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(signer.sign_to_vec().unwrap())
    )
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn send(stream: &mut TcpStream, kind: u8, payload: &[u8]) {
    let mut packet = vec![kind, 0x01];
    packet.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    packet.extend_from_slice(&[0, 0, 1, 0]);
    packet.extend_from_slice(payload);
    stream.write_all(&packet).unwrap();
}

fn receive(stream: &mut TcpStream) -> Vec<u8> {
    let mut payload = Vec::new();
    loop {
        let mut header = [0u8; 8];
        stream.read_exact(&mut header).unwrap();
        let len = u16::from_be_bytes([header[2], header[3]]) as usize;
        let start = payload.len();
        payload.resize(start + len - 8, 0);
        stream.read_exact(&mut payload[start..]).unwrap();
        if header[1] & 0x01 != 0 {
            return payload;
        }
    }
}

fn prelogin() -> Vec<u8> {
    // VERSION, ENCRYPTION = NOT_SUP (no TLS, to read the tokens), FEDAUTHREQUIRED = 1.
    let mut p = vec![
        0x00, 0, 16, 0, 6, 0x01, 0, 22, 0, 1, 0x06, 0, 23, 0, 1, 0xFF,
    ];
    p.extend_from_slice(&[0x0F, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0x02, 0x01]);
    p
}

/// LOGIN7 with no user or password and FEDAUTH library MSAL, workflow 0x01 (password-like).
fn login7() -> Vec<u8> {
    let strings = [
        ("host", 36),
        ("", 40),
        ("", 44),
        ("msal-test", 48),
        ("127.0.0.1", 52),
    ];
    let tail = [("ODBC", 60), ("", 64), ("test", 68)];
    let mut fixed = vec![0u8; 94];
    let mut data = Vec::new();
    let place = |fixed: &mut Vec<u8>, at: usize, text: &str, data: &mut Vec<u8>| {
        let offset = 94 + data.len();
        fixed[at..at + 2].copy_from_slice(&(offset as u16).to_le_bytes());
        fixed[at + 2..at + 4].copy_from_slice(&(text.encode_utf16().count() as u16).to_le_bytes());
        data.extend_from_slice(&utf16(text));
    };
    for (text, at) in strings.iter().chain(tail.iter()) {
        place(&mut fixed, *at, text, &mut data);
    }
    // Extension: a DWORD pointing at the FeatureExt block.
    let ext_at = 94 + data.len();
    fixed[56..58].copy_from_slice(&(ext_at as u16).to_le_bytes());
    fixed[58..60].copy_from_slice(&4u16.to_le_bytes());
    let feature_at = ext_at + 4;
    data.extend_from_slice(&(feature_at as u32).to_le_bytes());
    data.extend_from_slice(&[0x02, 2, 0, 0, 0, 0x02 << 1, 0x01, 0xFF]);
    fixed[4..8].copy_from_slice(&0x7400_0004u32.to_le_bytes());
    fixed[8..12].copy_from_slice(&4096u32.to_le_bytes());
    fixed[24] = 0xE0; // OptionFlags1: USE_DB, INIT_DB_FATAL, SET_LANG
    fixed[27] = 0x10; // OptionFlags3: extension present
    fixed[32..36].copy_from_slice(&0x0409u32.to_le_bytes());
    let mut login = fixed;
    login.extend_from_slice(&data);
    let total = login.len() as u32;
    login[0..4].copy_from_slice(&total.to_le_bytes());
    login
}

fn fedauth_token_message(token: &str) -> Vec<u8> {
    let bytes = utf16(token);
    let mut m = ((bytes.len() + 4) as u32).to_le_bytes().to_vec();
    m.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    m.extend_from_slice(&bytes);
    m
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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
