//! The TDS listener: PRELOGIN, TLS (in PRELOGIN packets and TDS 8.0 strict), LOGIN7 with SQL
//! logins and FEDAUTH, token encoding, RPC decoding, ATTENTION, faults.

mod connection;
pub mod engine;
mod faults;
pub mod login;
pub mod packet;
pub mod prelogin;
pub mod requests;
pub mod session;
pub mod tls;
pub mod tokens;
pub mod types;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use openssl::ssl::SslAcceptor;
use tokio::net::TcpListener;

use crate::config::{Config, TrustedKeys};
use engine::Databases;

/// Which listener a connection arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    /// TDS 7.x: PRELOGIN first, TLS negotiated inside PRELOGIN packets.
    Tds,
    /// TDS 8.0 strict: TLS first with ALPN tds/8.0.
    Strict,
    /// The target of routing ENVCHANGEs (TDS 7.x, never routes again).
    Redirect,
}

/// Everything connections share.
pub struct Server {
    pub config: Config,
    pub keys: TrustedKeys,
    pub databases: Arc<Databases>,
    pub prelogin_tls: SslAcceptor,
    pub strict_tls: SslAcceptor,
    /// Port of the redirect listener (routing target).
    pub redirect_port: u16,
    next_spid: AtomicU16,
}

impl Server {
    pub fn new(
        config: Config,
        keys: TrustedKeys,
        databases: Arc<Databases>,
        certs: &tls::Certificates,
        redirect_port: u16,
    ) -> anyhow::Result<Server> {
        Ok(Server {
            config,
            keys,
            databases,
            prelogin_tls: certs.prelogin_acceptor()?,
            strict_tls: certs.strict_acceptor()?,
            redirect_port,
            next_spid: AtomicU16::new(51),
        })
    }

    /// Session ids as SQL Server numbers user sessions: from 51 up.
    fn allocate_spid(&self) -> u16 {
        let spid = self.next_spid.fetch_add(1, Ordering::Relaxed);
        if spid < 51 { 51 } else { spid }
    }
}

/// Accepts connections until the process ends.
pub async fn serve(server: Arc<Server>, listener: TcpListener, kind: Listener) {
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                let _ = socket.set_nodelay(true);
                let server = server.clone();
                let spid = server.allocate_spid();
                tokio::spawn(async move {
                    tracing::debug!(spid, %peer, ?kind, "connection");
                    if let Err(e) = connection::run(server, socket, kind, spid).await {
                        tracing::debug!(spid, "connection ended: {e}");
                    }
                });
            }
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// At most `max` characters, for log lines.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s.to_string(),
    }
}
