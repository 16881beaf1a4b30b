//! testserver: a loopback SQL Server stand-in (TDS 7.4 and 8.0 over SQLite) and an Entra ID mock.
//!
//! `testserver [--config FILE] [--ready-file PATH]`: binds its listeners (free ephemeral ports
//! unless configured), then writes the ready file (JSON: ports, CA file, credentials, a
//! connection string) and serves until SIGTERM/SIGINT.

mod config;
mod entra;
mod jwt;
mod sql;
mod tds;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::net::TcpListener;

use config::Config;
use tds::{Listener, Server};

struct Args {
    config: Option<PathBuf>,
    ready_file: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        config: None,
        ready_file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => args.config = Some(it.next().context("--config needs a file")?.into()),
            "--ready-file" => {
                args.ready_file = Some(it.next().context("--ready-file needs a path")?.into())
            }
            "-h" | "--help" => {
                println!(
                    "usage: testserver [--config FILE] [--ready-file PATH]\nRUST_LOG sets the log filter (default: info,testserver=debug)."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(args)
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,testserver=debug")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let result = runtime.context("starting the runtime").and_then(|rt| {
        let result = rt.block_on(run());
        // Sessions still open at SIGTERM are not waited for: their sockets close with the
        // process, which clients see as a dropped connection (08S01), as with a stopped server.
        rt.shutdown_timeout(std::time::Duration::from_millis(200));
        result
    });
    if let Err(e) = result {
        tracing::error!("testserver: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let work_dir = scratch_dir(args.ready_file.as_deref())?;
    let data_dir = config
        .data_dir
        .clone()
        .unwrap_or_else(|| work_dir.join("data"));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;

    let certs = tds::tls::Certificates::generate().context("generating certificates")?;
    let ca_file = config
        .ca_file
        .clone()
        .unwrap_or_else(|| work_dir.join("testserver-ca.pem"));
    std::fs::write(&ca_file, certs.ca.to_pem()?)
        .with_context(|| format!("writing {}", ca_file.display()))?;
    let cert_file = ca_file.with_file_name("testserver-cert.pem");
    std::fs::write(&cert_file, certs.leaf.to_pem()?)?;

    let bind = |port: u16| TcpListener::bind((config.host.clone(), port));
    let tds = bind(config.tds_port)
        .await
        .context("binding the TDS port")?;
    let strict = bind(config.strict_port)
        .await
        .context("binding the strict port")?;
    let redirect = bind(config.redirect_port)
        .await
        .context("binding the redirect port")?;
    let (tds_port, strict_port, redirect_port) = (
        tds.local_addr()?.port(),
        strict.local_addr()?.port(),
        redirect.local_addr()?.port(),
    );

    let databases = tds::engine::Databases::open(&config.databases, &data_dir)
        .context("opening the databases")?;
    let keys = config.trusted_keys()?;
    let entra = start_entra(&mut config, &certs, &keys, &work_dir).await?;
    let server = Arc::new(Server::new(
        config.clone(),
        keys,
        databases,
        &certs,
        redirect_port,
    )?);
    tokio::spawn(tds::serve(server.clone(), tds, Listener::Tds));
    tokio::spawn(tds::serve(server.clone(), strict, Listener::Strict));
    tokio::spawn(tds::serve(server.clone(), redirect, Listener::Redirect));

    let ready = ready_json(
        &config,
        tds_port,
        strict_port,
        redirect_port,
        &ca_file,
        &cert_file,
    );
    let mut ready = ready;
    if let Some(r) = ready.as_object_mut() {
        for (k, v) in entra.ready_fields(&entra_base_connection_string(&config, tds_port)) {
            r.entry(k).or_insert(v);
        }
    }
    tracing::info!(tds_port, strict_port, redirect_port, ca_file = %ca_file.display(), "testserver ready");
    if let Some(path) = &args.ready_file {
        write_atomically(path, &serde_json::to_vec_pretty(&ready)?)?;
    } else {
        println!("{}", serde_json::to_string_pretty(&ready)?);
    }

    wait_for_shutdown().await?;
    tracing::info!("testserver: shutting down");
    // Clean: the ready file and every file this process generated go with it.
    if let Some(path) = &args.ready_file {
        let _ = std::fs::remove_file(path);
    }
    if let Err(e) = std::fs::remove_dir_all(&work_dir) {
        tracing::debug!("removing {}: {e}", work_dir.display());
    }
    Ok(())
}

/// Where generated files go: next to the ready file, else a fresh temporary directory.
fn scratch_dir(ready_file: Option<&Path>) -> Result<PathBuf> {
    let dir = match ready_file
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
    {
        Some(parent) => parent.join(format!("testserver-{}", std::process::id())),
        None => std::env::temp_dir().join(format!("testserver-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn ready_json(
    config: &Config,
    tds_port: u16,
    strict_port: u16,
    redirect_port: u16,
    ca: &Path,
    cert: &Path,
) -> serde_json::Value {
    let login = config.logins.first();
    let user = login.map(|l| l.name.as_str()).unwrap_or("");
    let password = login.map(|l| l.password.as_str()).unwrap_or("");
    let database = config.default_database();
    let host = &config.host;
    json!({
        "host": host,
        "tds_port": tds_port,
        "strict_port": strict_port,
        "redirect_port": redirect_port,
        "ca_file": ca,
        "server_cert_file": cert,
        "server_name": config.server_name,
        "sql_user": user,
        "sql_password": password,
        "database": database,
        "databases": config.databases,
        "sts_url": config.fedauth.sts_url,
        "spn": config.fedauth.spn,
        "connection_string": format!(
            "Server={host},{tds_port};Database={database};UID={user};PWD={{{}}};Encrypt=yes;TrustServerCertificate=yes",
            password.replace('}', "}}")
        ),
        "connection_string_strict": format!(
            "Server={host},{strict_port};Database={database};UID={user};PWD={{{}}};Encrypt=strict;HostNameInCertificate=localhost",
            password.replace('}', "}}")
        ),
        "pid": std::process::id(),
    })
}

/// The Entra ID mock: signs tokens with a key the TDS listener trusts, serves HTTPS with the
/// listener's CA, and becomes the STS that FEDAUTHINFO announces (unless the config names one).
async fn start_entra(
    config: &mut Config,
    certs: &tds::tls::Certificates,
    keys: &config::TrustedKeys,
    work_dir: &Path,
) -> Result<entra::EntraHandle> {
    let ca = entra::CaPem::new(&certs.ca, &certs.ca_key)?;
    let entra_config = entra::EntraConfig {
        dir: Some(work_dir.join("entra")),
        ..Default::default()
    };
    let entra = entra::start(entra_config, Some(ca)).await?;
    keys.add_pem(entra.jwt_public_key_pem.as_bytes())?;
    let trusted = keys.clone();
    entra.on_signing_key_rotation(Box::new(move |retired, new| trusted.replace(retired, new)));
    // The default (or "entra-https") announces the mock over HTTPS; "entra-http" over plain
    // HTTP on loopback (for clients that only trust the system store, e.g. MS18's libcurl).
    let sts = config.fedauth.sts_url.as_str();
    if sts == config::FedAuthConfig::default().sts_url || sts.starts_with("entra-") {
        let http = sts == "entra-http";
        config.fedauth.sts_url = if http {
            entra.http_sts_url()
        } else {
            entra.sts_url()
        };
        config.fedauth.tenant = Some(entra.tenant.clone());
    }
    config
        .principals
        .extend(entra.principals().into_iter().map(|p| config::Principal {
            name: p.name,
            oid: p.oid,
            appid: p.appid,
            upn: p.upn,
            database: None,
        }));
    Ok(entra)
}

fn entra_base_connection_string(config: &Config, tds_port: u16) -> String {
    format!(
        "Server={},{tds_port};Database={};Encrypt=yes;TrustServerCertificate=yes",
        config.host,
        config.default_database()
    )
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

async fn wait_for_shutdown() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
