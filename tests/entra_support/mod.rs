//! Runs the Entra mock (`entra-mock`, from the testserver crate) for the auth-layer tests.

#![allow(dead_code)]

use serde_json::Value;
use sqlserver_odbc::auth::manager::{Policy, SystemClock, TokenManager};
use sqlserver_odbc::auth::sources::{self, Env};
use sqlserver_odbc::auth::{Authority, EntraParams, Token};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub const SPN: &str = "https://database.windows.net/";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `entra-mock` binary of the profile this test runs in. The test executable lives in
/// `<target>/<profile>/deps/`, so the mock is `<target>/<profile>/entra-mock`; asking cargo for
/// it with the same profile and the whole workspace's feature set is a no-op after
/// `cargo build --workspace` (as `make test` runs it), instead of a full debug build of
/// testserver inside a release test run.
fn mock_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("test executable path");
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("test executable in <target>/<profile>/deps");
            let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => "dev",
                Some(other) => other,
            };
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--workspace", "--bin", "entra-mock"])
                .args(["--profile", profile])
                .current_dir(root())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building entra-mock failed");
            let bin = profile_dir.join("entra-mock");
            assert!(bin.exists(), "{} was not built", bin.display());
            bin
        })
        .clone()
}

pub struct Mock {
    child: Child,
    pub info: Value,
    dir: PathBuf,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Mock {
    pub fn start(lifetime_secs: Option<u64>) -> Mock {
        let dir = std::env::temp_dir().join(format!(
            "entra-mock-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ready = dir.join("ready.json");
        let mut cmd = Command::new(mock_binary());
        cmd.arg("--ready-file").arg(&ready);
        if let Some(l) = lifetime_secs {
            cmd.args(["--lifetime", &l.to_string()]);
        }
        // SAFETY: prctl only; the mock dies with the test process.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("entra-mock starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "entra-mock not ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        let info: Value = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
        Mock { child, info, dir }
    }

    pub fn url(&self) -> &str {
        self.info["entra_url"].as_str().unwrap()
    }
    pub fn tenant(&self) -> &str {
        self.info["entra_tenant"].as_str().unwrap()
    }
    /// The plain-HTTP (loopback) STS URL, so the tests need no CA.
    pub fn http_sts(&self) -> String {
        format!("{}/{}", self.url(), self.tenant())
    }
    pub fn authority(&self) -> Authority {
        Authority::from_fedauth_info(&self.http_sts(), SPN).unwrap()
    }
    /// The ready file's environment for a mode, with the HTTPS authority host replaced by
    /// the HTTP one (AZURE_AUTHORITY_HOST) so no CA is needed.
    pub fn env(&self, mode: &str) -> Env {
        let mut env = Env::default();
        for (k, v) in self.info["env"][mode].as_object().unwrap() {
            env.0.insert(k.clone(), v.as_str().unwrap().to_string());
        }
        if env.0.contains_key("AZURE_AUTHORITY_HOST") {
            env.0
                .insert("AZURE_AUTHORITY_HOST".into(), self.url().to_string());
        }
        env
    }
    /// `UID`, `PWD` and `ClientCertificate` from the ready file's connection string.
    pub fn params(&self, key: &str, mode: sqlserver_odbc::auth::mode::AuthMode) -> EntraParams {
        let cs = self.info["connection_strings"][key].as_str().unwrap();
        let mut p = EntraParams::new(mode);
        for part in cs.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            let v = v.trim_start_matches('{').trim_end_matches('}').to_string();
            match k.to_ascii_lowercase().as_str() {
                "uid" => p.user = Some(v),
                "pwd" => p.secret = Some(sqlserver_odbc::auth::Secret::new(v)),
                "clientcertpath" => p.client_certificate = Some(v.into()),
                _ => {}
            }
        }
        p
    }
    pub fn counters(&self) -> Value {
        http_get(&format!("{}/_counters", self.url()))
    }
    pub fn faults(&self, json: &str) {
        http_post(&format!("{}/_faults", self.url()), json);
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// Minimal blocking HTTP for test control endpoints (no client crate needed).
fn http(method: &str, url: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

pub fn http_get(url: &str) -> Value {
    serde_json::from_str(&http("GET", url, "")).unwrap_or(Value::Null)
}

pub fn http_post(url: &str, body: &str) {
    http("POST", url, body);
}

pub fn manager() -> Arc<TokenManager> {
    Arc::new(TokenManager::new(Arc::new(SystemClock), Policy::default()))
}

/// Plans with `env` and fetches through `m` within `timeout`.
pub async fn get(
    m: &TokenManager,
    params: &EntraParams,
    authority: &Authority,
    env: &Env,
    timeout: Duration,
) -> Result<Token, sqlserver_odbc::auth::AuthError> {
    let plan = sources::plan_with_env(params, authority, env)
        .map_err(|e| sqlserver_odbc::auth::AuthError::from_source(params, e))?;
    m.get(&plan.key, plan.source.as_ref(), timeout)
        .await
        .map_err(|e| sqlserver_odbc::auth::AuthError::from_source(params, e))
}

pub fn claims(t: &Token) -> Value {
    use base64::Engine;
    let payload = t.access_token.expose().split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

pub fn fake_cli_dir() -> PathBuf {
    root().join("testserver/fake-cli")
}

pub fn path_with(dir: &Path) -> String {
    format!("{}:/usr/bin:/bin", dir.display())
}
