//! One connection up to the end of login: PRELOGIN, TLS, LOGIN7, authentication, login response.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use openssl::ssl::Ssl;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::jwt;
use crate::sql::{ConnectionFacts, DoneKind};

use super::engine::{Session, SessionInfo};

use super::login::{self, FedAuth, Login7};
use super::packet::{self, Message, invalid};
use super::prelogin::{self, Negotiated};
use super::tls::PreloginFramed;
use super::tokens::{self, MessageToken};
use super::{Listener, Server, session};

/// The byte stream under TDS packets.
pub enum Transport {
    Plain(TcpStream),
    Prelogin(Box<SslStream<PreloginFramed>>),
    Strict(Box<SslStream<TcpStream>>),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Transport::Plain($s) => $e,
            Transport::Prelogin($s) => $e,
            Transport::Strict($s) => $e,
        }
    };
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write(cx, data))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// Highest TDS version we speak: 7.4.
const TDS_74: u32 = 0x7400_0004;
/// Login packets larger than this are not a real client.
const MAX_LOGIN_BYTES: usize = 1 << 20;

pub async fn run(
    server: Arc<Server>,
    socket: TcpStream,
    kind: Listener,
    spid: u16,
) -> io::Result<()> {
    let (client_addr, local_port) = (
        socket.peer_addr().ok(),
        socket.local_addr().map(|a| a.port()).unwrap_or(0),
    );
    let mut transport = match kind {
        Listener::Strict => strict_handshake(&server, socket).await?,
        _ => Transport::Plain(socket),
    };
    let prelogin = expect(
        read(&mut transport, MAX_LOGIN_BYTES).await?,
        packet::PRELOGIN,
    )?;
    let client = prelogin::parse(&prelogin.payload)?;
    let client_encryption = client.encryption.unwrap_or(prelogin::ENCRYPT_OFF);
    let (answer, negotiated) = if kind == Listener::Strict {
        (client_encryption, Negotiated::None) // TLS is already up; the option is ignored
    } else {
        prelogin::negotiate(server.config.encryption, client_encryption)
    };
    let fedauth_required = server.config.fedauth.required || client.fedauth_required;
    let nonce = client.fedauth_required.then(rand_nonce).transpose()?;
    let response = prelogin::response(answer, fedauth_required, nonce.as_ref());
    send(&mut transport, &response, spid).await?;
    tracing::debug!(spid, client_encryption, answer, ?negotiated, "prelogin");

    if negotiated == Negotiated::Refuse {
        return Ok(());
    }
    if matches!(negotiated, Negotiated::LoginOnly | Negotiated::Full) {
        transport = prelogin_handshake(&server, transport).await?;
    }
    let login_message = expect(read(&mut transport, MAX_LOGIN_BYTES).await?, packet::LOGIN7)?;
    if negotiated == Negotiated::LoginOnly {
        transport = downgrade(transport)?;
    }
    let login = login::parse(&login_message.payload).map_err(invalid)?;
    tracing::debug!(
        spid,
        user = %login.user_name,
        app = %login.app_name,
        host = %login.host_name,
        database = %login.database,
        interface = %login.client_interface,
        tds_version = format!("{:08X}", login.tds_version),
        packet_size = login.packet_size,
        features = ?login.features.iter().map(|f| f.0).collect::<Vec<_>>(),
        "login7"
    );
    if server.config.faults.login_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(server.config.faults.login_delay_ms)).await;
    }

    let fedauth = login.fedauth().map_err(invalid)?;
    let authenticated = authenticate(&server, &mut transport, &login, &fedauth, spid).await?;
    let (user, default_db) = match authenticated {
        Ok(who) => who,
        Err(failure) => {
            tracing::debug!(spid, "login refused: {}", failure.text);
            return refuse(&server, &mut transport, &[failure], spid).await;
        }
    };
    let database = if login.database.is_empty() {
        default_db
    } else {
        login.database.clone()
    };
    let info = SessionInfo {
        user: user.clone(),
        spid,
        app: login.app_name.clone(),
        host: login.host_name.clone(),
        server_name: server.config.server_name.clone(),
        babelfish: false,
    };
    let dbs = server.databases.clone();
    let db = database.clone();
    let session = tokio::task::spawn_blocking(move || Session::new(dbs, &db, info))
        .await
        .map_err(|e| io::Error::other(e.to_string()))?;
    let tds_version = login.tds_version.clamp(0x7200_0000, TDS_74);
    let facts = ConnectionFacts {
        encrypted: kind == Listener::Strict || negotiated == Negotiated::Full,
        auth_scheme: "SQL".into(),
        client_address: client_addr.map(|a| a.ip().to_string()).unwrap_or_default(),
        client_port: client_addr.map(|a| a.port()).unwrap_or(0),
        local_port,
        tds_version,
    };
    let session = match session {
        Ok(mut s) => {
            // sys.dm_exec_connections tells a test which listener and encryption it got.
            s.set_connection_facts(facts.clone());
            s
        }
        Err(e) => {
            tracing::debug!(spid, "cannot open database {database}: {e:#}");
            let open_failed = Failure {
                number: 4060,
                state: 1,
                class: 11,
                text: format!(
                    "Cannot open database \"{database}\" requested by the login. The login failed."
                ),
            };
            return refuse(
                &server,
                &mut transport,
                &[open_failed, Failure::login(&user, 1)],
                spid,
            )
            .await;
        }
    };

    let packet_size = match login.packet_size {
        0 => 4096,
        n => n.clamp(512, 32767),
    } as usize;
    let route = server.config.faults.route_logins && kind == Listener::Tds;
    let response = login_response(
        &server,
        &login,
        &fedauth,
        &database,
        tds_version,
        packet_size,
        route,
    );
    let mut out = Vec::new();
    let mut id = 0;
    packet::frame(
        packet::TABULAR_RESULT,
        &response,
        4096,
        true,
        spid,
        &mut id,
        &mut out,
    );
    transport.write_all(&out).await?;
    transport.flush().await?;
    tracing::debug!(spid, %user, %database, route, "login ok");
    if route {
        return Ok(()); // the client reconnects to the redirect listener
    }
    let initial = session::Initial {
        database,
        user,
        app: login.app_name.clone(),
        host: login.host_name.clone(),
        packet_size,
        spid,
        facts,
    };
    session::run(server, transport, session, initial).await
}

async fn read(transport: &mut Transport, max: usize) -> io::Result<Message> {
    packet::read_message(transport, max)
        .await?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "client closed the connection"))
}

fn expect(message: Message, kind: u8) -> io::Result<Message> {
    if message.kind == kind {
        Ok(message)
    } else {
        Err(invalid(format!(
            "expected packet type 0x{kind:02X}, got 0x{:02X}",
            message.kind
        )))
    }
}

async fn send(transport: &mut Transport, payload: &[u8], spid: u16) -> io::Result<()> {
    let mut out = Vec::new();
    let mut id = 0;
    packet::frame(
        packet::TABULAR_RESULT,
        payload,
        4096,
        true,
        spid,
        &mut id,
        &mut out,
    );
    transport.write_all(&out).await?;
    transport.flush().await
}

fn rand_nonce() -> io::Result<[u8; 32]> {
    let mut nonce = [0u8; 32];
    openssl::rand::rand_bytes(&mut nonce).map_err(io::Error::other)?;
    Ok(nonce)
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS handshake: {e}"))
}

async fn strict_handshake(server: &Server, socket: TcpStream) -> io::Result<Transport> {
    let ssl = Ssl::new(server.strict_tls.context()).map_err(tls_error)?;
    let mut stream = SslStream::new(ssl, socket).map_err(tls_error)?;
    Pin::new(&mut stream).accept().await.map_err(tls_error)?;
    Ok(Transport::Strict(Box::new(stream)))
}

async fn prelogin_handshake(server: &Server, transport: Transport) -> io::Result<Transport> {
    let Transport::Plain(socket) = transport else {
        return Err(io::Error::other("TLS requested twice"));
    };
    let ssl = Ssl::new(server.prelogin_tls.context()).map_err(tls_error)?;
    let mut stream = SslStream::new(ssl, PreloginFramed::new(socket)).map_err(tls_error)?;
    Pin::new(&mut stream).accept().await.map_err(tls_error)?;
    stream.get_mut().stop_framing();
    Ok(Transport::Prelogin(Box::new(stream)))
}

/// Login-only encryption: the login response and everything after go in clear.
fn downgrade(transport: Transport) -> io::Result<Transport> {
    match transport {
        Transport::Prelogin(mut tls) => tls
            .get_mut()
            .take_socket()
            .map(Transport::Plain)
            .ok_or_else(|| io::Error::other("socket already taken")),
        other => Ok(other),
    }
}

/// A login failure as the client will see it.
pub struct Failure {
    pub number: i32,
    pub state: u8,
    pub class: u8,
    pub text: String,
}

impl Failure {
    fn login(user: &str, state: u8) -> Failure {
        Failure {
            number: 18456,
            state,
            class: 14,
            text: format!("Login failed for user '{user}'."),
        }
    }
}

type Authenticated = Result<(String, String), Failure>;

async fn authenticate(
    server: &Server,
    transport: &mut Transport,
    login: &Login7,
    fedauth: &Option<FedAuth>,
    spid: u16,
) -> io::Result<Authenticated> {
    let config = &server.config;
    if config.faults.reject_logins {
        return Ok(Err(Failure::login(&login.user_name, 8)));
    }
    let token = match fedauth {
        None => {
            let known = config
                .logins
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(&login.user_name));
            return Ok(match known {
                Some(l) if l.password == login.password => Ok((
                    l.name.clone(),
                    l.database
                        .clone()
                        .unwrap_or_else(|| config.default_database().into()),
                )),
                _ => Err(Failure::login(&login.user_name, 8)),
            });
        }
        Some(FedAuth::SecurityToken { token, .. }) => token.clone(),
        Some(FedAuth::Msal { workflow }) => {
            let mut info = Vec::new();
            tokens::fedauth_info(&mut info, &config.fedauth.sts_url, &config.fedauth.spn);
            send(transport, &info, spid).await?;
            tracing::debug!(spid, workflow, sts = %config.fedauth.sts_url, "fedauthinfo sent");
            let message = expect(
                read(transport, MAX_LOGIN_BYTES).await?,
                packet::FEDAUTH_TOKEN,
            )?;
            login::parse_fedauth_token(&message.payload).map_err(invalid)?
        }
    };
    let keys = server.keys.snapshot();
    Ok(
        match jwt::validate(&token, &keys, &config.fedauth, &config.principals) {
            Ok(identity) => {
                tracing::debug!(spid, principal = %identity.principal, oid = ?identity.oid, upn = ?identity.upn, "token accepted");
                let db = identity
                    .database
                    .unwrap_or_else(|| config.default_database().into());
                Ok((identity.principal, db))
            }
            Err(e) => {
                tracing::debug!(spid, "token refused: {e:?}");
                Err(Failure {
                    number: 18456,
                    state: e.state(),
                    class: 14,
                    text: e.login_message(),
                })
            }
        },
    )
}

/// ERROR tokens then DONE(ERROR), and the connection ends (SQL Server closes it).
async fn refuse(
    server: &Server,
    transport: &mut Transport,
    failures: &[Failure],
    spid: u16,
) -> io::Result<()> {
    let mut buf = Vec::new();
    for f in failures {
        tokens::message(
            &mut buf,
            &MessageToken {
                number: f.number,
                state: f.state,
                class: f.class,
                text: &f.text,
                server: &server.config.server_name,
                procedure: "",
                line: 1,
            },
        );
    }
    tokens::done(&mut buf, DoneKind::Done, tokens::DONE_ERROR, 0, 0);
    send(transport, &buf, spid).await?;
    let _ = transport.shutdown().await;
    Ok(())
}

fn login_response(
    server: &Server,
    login: &Login7,
    fedauth: &Option<FedAuth>,
    database: &str,
    tds_version: u32,
    packet_size: usize,
    route: bool,
) -> Vec<u8> {
    let name = &server.config.server_name;
    let info = |buf: &mut Vec<u8>, number: i32, state: u8, text: &str| {
        tokens::message(
            buf,
            &MessageToken {
                number,
                state,
                class: 0,
                text,
                server: name,
                procedure: "",
                line: 1,
            },
        );
    };
    let mut buf = Vec::new();
    tokens::env_string(&mut buf, tokens::ENV_DATABASE, database, "master");
    info(
        &mut buf,
        5701,
        2,
        &format!("Changed database context to '{database}'."),
    );
    tokens::env_bytes(
        &mut buf,
        tokens::ENV_COLLATION,
        &super::types::COLLATION,
        &[],
    );
    tokens::env_string(&mut buf, tokens::ENV_LANGUAGE, "us_english", "");
    info(&mut buf, 5703, 1, "Changed language setting to us_english.");
    tokens::login_ack(&mut buf, tds_version);
    if !login.features.is_empty() {
        let mut acks = Vec::new();
        if let Some(fa) = fedauth {
            let data = match fa {
                FedAuth::SecurityToken {
                    nonce: Some(nonce), ..
                } => nonce.clone(),
                _ => Vec::new(),
            };
            acks.push((login::FEATURE_FEDAUTH, data));
        }
        tokens::feature_ext_ack(&mut buf, &acks);
    }
    let size = packet_size.to_string();
    tokens::env_string(&mut buf, tokens::ENV_PACKET_SIZE, &size, &size);
    if route {
        tokens::env_routing(&mut buf, server.redirect_port, "127.0.0.1");
    }
    tokens::done(&mut buf, DoneKind::Done, 0, 0, 0);
    buf
}
