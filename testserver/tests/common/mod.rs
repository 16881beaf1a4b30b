//! Byte-level TDS helpers shared by the integration tests: a testserver child process and
//! plain (no TLS) packet exchange, so tests can read the exact token stream.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts testserver with `config` (TOML) in a fresh directory named after `name`.
pub fn start(name: &str, config: &str) -> Server {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    std::thread::sleep(Duration::from_millis(50));
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
    Server {
        child,
        dir,
        port: info["tds_port"].as_u64().unwrap() as u16,
    }
}

pub fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub fn send(stream: &mut TcpStream, kind: u8, payload: &[u8]) {
    let mut packet = vec![kind, 0x01];
    packet.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    packet.extend_from_slice(&[0, 0, 1, 0]);
    packet.extend_from_slice(payload);
    stream.write_all(&packet).unwrap();
}

/// One whole message (packets up to EOM).
pub fn receive(stream: &mut TcpStream) -> Vec<u8> {
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

/// PRELOGIN: VERSION, ENCRYPTION = NOT_SUP (no TLS, to read the tokens), FEDAUTHREQUIRED = 1.
pub fn prelogin() -> Vec<u8> {
    let mut p = vec![
        0x00, 0, 16, 0, 6, 0x01, 0, 22, 0, 1, 0x06, 0, 23, 0, 1, 0xFF,
    ];
    p.extend_from_slice(&[0x0F, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0x02, 0x01]);
    p
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// LOGIN7 for TDS 7.4: `user`/`password` (empty for token logins), database `test`, and
/// `extension` (a FeatureExt block, already terminated) when given.
pub fn login7(user: &str, password: &str, extension: Option<&[u8]>) -> Vec<u8> {
    // Password obfuscation (MS-TDS 2.2.6.4): swap nibbles, then XOR 0xA5.
    let scrambled: Vec<u8> = utf16(password)
        .iter()
        .map(|b| b.rotate_left(4) ^ 0xA5)
        .collect();
    let mut fixed = vec![0u8; 94];
    let mut data: Vec<u8> = Vec::new();
    let mut place = |fixed: &mut Vec<u8>, at: usize, bytes: &[u8], chars: usize| {
        let offset = 94 + data.len();
        fixed[at..at + 2].copy_from_slice(&(offset as u16).to_le_bytes());
        fixed[at + 2..at + 4].copy_from_slice(&(chars as u16).to_le_bytes());
        data.extend_from_slice(bytes);
    };
    let text = |s: &str| (utf16(s), s.encode_utf16().count());
    for (at, (bytes, chars)) in [
        (36, text("host")),
        (40, text(user)),
        (44, (scrambled.clone(), password.encode_utf16().count())),
        (48, text("byte-test")),
        (52, text("127.0.0.1")),
        (60, text("ODBC")),
        (64, text("")),
        (68, text("test")),
    ] {
        place(&mut fixed, at, &bytes, chars);
    }
    if let Some(ext) = extension {
        // Extension: a DWORD pointing at the FeatureExt block.
        let ext_at = 94 + data.len();
        fixed[56..58].copy_from_slice(&(ext_at as u16).to_le_bytes());
        fixed[58..60].copy_from_slice(&4u16.to_le_bytes());
        data.extend_from_slice(&((ext_at + 4) as u32).to_le_bytes());
        data.extend_from_slice(ext);
        fixed[27] = 0x10; // OptionFlags3: extension present
    }
    fixed[4..8].copy_from_slice(&0x7400_0004u32.to_le_bytes());
    fixed[8..12].copy_from_slice(&4096u32.to_le_bytes());
    fixed[24] = 0xE0; // OptionFlags1: USE_DB, INIT_DB_FATAL, SET_LANG
    fixed[32..36].copy_from_slice(&0x0409u32.to_le_bytes());
    let mut login = fixed;
    login.extend_from_slice(&data);
    let total = login.len() as u32;
    login[0..4].copy_from_slice(&total.to_le_bytes());
    login
}

/// A SQL batch payload: ALL_HEADERS (transaction descriptor 0, one outstanding request) + text.
pub fn sql_batch(sql: &str) -> Vec<u8> {
    let mut p = 22u32.to_le_bytes().to_vec();
    p.extend_from_slice(&18u32.to_le_bytes());
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&[0; 8]);
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&utf16(sql));
    p
}

/// The ERROR token's (number, state, class), when the stream starts with one.
pub fn first_error(stream: &[u8]) -> Option<(i32, u8, u8)> {
    (stream.first() == Some(&0xAA)).then(|| {
        let number = i32::from_le_bytes(stream[3..7].try_into().unwrap());
        (number, stream[7], stream[8])
    })
}
