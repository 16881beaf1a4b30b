//! TLS: a CA and a localhost certificate made at start, the two acceptors (TLS inside PRELOGIN
//! packets for TDS 7.x, TLS first with ALPN `tds/8.0` for strict), and the stream adapter that
//! wraps handshake records in PRELOGIN packets.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use anyhow::Result;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{AlpnError, SslAcceptor, SslMethod, SslVersion, select_next_proto};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509NameBuilder};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::packet::{HEADER_LEN, PRELOGIN};

/// The certificates the server presents.
pub struct Certificates {
    pub ca: X509,
    /// Kept so other loopback services (the Entra mock's HTTPS) can get certificates the same
    /// CA file vouches for.
    pub ca_key: PKey<Private>,
    pub leaf: X509,
    pub leaf_key: PKey<Private>,
}

impl Certificates {
    /// A fresh CA and a leaf for `localhost` / `127.0.0.1` (valid from a day ago for 30 days).
    pub fn generate() -> Result<Certificates> {
        let ca_key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let ca = build_cert("testserver CA", &ca_key, None, true)?;
        let leaf_key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let leaf = build_cert("localhost", &leaf_key, Some((&ca, &ca_key)), false)?;
        Ok(Certificates {
            ca,
            ca_key,
            leaf,
            leaf_key,
        })
    }

    /// Another `localhost`/`127.0.0.1` certificate and key signed by the same CA.
    #[allow(dead_code)] // for the Entra mock's HTTPS listener
    pub fn issue_localhost(&self) -> Result<(X509, PKey<Private>)> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let cert = build_cert("localhost", &key, Some((&self.ca, &self.ca_key)), false)?;
        Ok((cert, key))
    }

    /// TLS inside PRELOGIN (TDS 7.x). SQL Server negotiates TLS 1.2 there: TLS 1.3's
    /// post-handshake tickets would arrive after the client stopped expecting PRELOGIN framing.
    pub fn prelogin_acceptor(&self) -> Result<SslAcceptor> {
        let mut builder = self.acceptor_builder()?;
        builder.set_max_proto_version(Some(SslVersion::TLS1_2))?;
        Ok(builder.build())
    }

    /// TDS 8.0 strict: TLS 1.2 or 1.3 before any TDS byte, ALPN `tds/8.0`.
    pub fn strict_acceptor(&self) -> Result<SslAcceptor> {
        let mut builder = self.acceptor_builder()?;
        builder.set_alpn_select_callback(|_, client| {
            select_next_proto(b"\x07tds/8.0", client).ok_or(AlpnError::NOACK)
        });
        Ok(builder.build())
    }

    fn acceptor_builder(&self) -> Result<openssl::ssl::SslAcceptorBuilder> {
        let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        builder.set_private_key(&self.leaf_key)?;
        builder.set_certificate(&self.leaf)?;
        builder.add_extra_chain_cert(self.ca.clone())?;
        builder.check_private_key()?;
        Ok(builder)
    }
}

fn build_cert(
    common_name: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    is_ca: bool,
) -> Result<X509> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", common_name)?;
    name.append_entry_by_text("O", "sqlserver-odbc testserver")?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(120, MsbOption::MAYBE_ZERO, false)?;
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map(|(c, _)| c.subject_name()).unwrap_or(&name))?;
    b.set_pubkey(key)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let (not_before, not_after) = (
        Asn1Time::from_unix(now - 86_400)?,
        Asn1Time::from_unix(now + 30 * 86_400)?,
    );
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    if is_ca {
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
    } else {
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()?,
        )?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let ctx = b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None);
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip(&IpAddr::V4(Ipv4Addr::LOCALHOST).to_string())
            .build(&ctx)?;
        b.append_extension(san)?;
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(
        issuer.map(|(_, k)| k).unwrap_or(key),
        MessageDigest::sha256(),
    )?;
    Ok(b.build())
}

/// The socket under TLS for TDS 7.x. During the handshake, TLS records travel as the payload of
/// PRELOGIN packets; afterwards they go raw. The socket can be taken back out for
/// login-only encryption (the server answers LOGIN7 in clear).
pub struct PreloginFramed {
    socket: Option<TcpStream>,
    framing: bool,
    header: [u8; HEADER_LEN],
    header_filled: usize,
    payload_left: usize,
    pending: Vec<u8>,
    outgoing: Vec<u8>,
    written: usize,
}

impl PreloginFramed {
    pub fn new(socket: TcpStream) -> Self {
        PreloginFramed {
            socket: Some(socket),
            framing: true,
            header: [0; HEADER_LEN],
            header_filled: 0,
            payload_left: 0,
            pending: Vec::new(),
            outgoing: Vec::new(),
            written: 0,
        }
    }

    /// Handshake over: TLS records go raw from now on.
    pub fn stop_framing(&mut self) {
        self.framing = false;
    }

    pub fn take_socket(&mut self) -> Option<TcpStream> {
        self.socket.take()
    }

    fn socket(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.socket
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "socket taken"))
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.outgoing.len() {
            let (start, out) = (self.written, std::mem::take(&mut self.outgoing));
            let res = self.socket()?.poll_write(cx, &out[start..]);
            self.outgoing = out;
            match ready!(res) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.written += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        self.outgoing.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for PreloginFramed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.framing {
            return this.socket()?.poll_read(cx, buf);
        }
        while this.payload_left == 0 {
            let mut header = this.header;
            let mut rb = ReadBuf::new(&mut header[this.header_filled..]);
            ready!(this.socket()?.poll_read(cx, &mut rb))?;
            let got = rb.filled().len();
            if got == 0 {
                return Poll::Ready(Ok(())); // EOF
            }
            this.header[this.header_filled..this.header_filled + got]
                .copy_from_slice(&header[this.header_filled..this.header_filled + got]);
            this.header_filled += got;
            if this.header_filled == HEADER_LEN {
                let len = u16::from_be_bytes([this.header[2], this.header[3]]) as usize;
                this.payload_left = len.saturating_sub(HEADER_LEN);
                this.header_filled = 0;
            }
        }
        let dst = buf.initialize_unfilled();
        let n = dst.len().min(this.payload_left);
        let mut rb = ReadBuf::new(&mut dst[..n]);
        ready!(this.socket()?.poll_read(cx, &mut rb))?;
        let got = rb.filled().len();
        this.payload_left -= got;
        buf.advance(got);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for PreloginFramed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.framing {
            this.pending.extend_from_slice(data);
            return Poll::Ready(Ok(data.len()));
        }
        ready!(this.poll_drain(cx))?;
        this.socket()?.poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.pending.is_empty() {
            let pending = std::mem::take(&mut this.pending);
            let mut id = 0u8;
            super::packet::frame(
                PRELOGIN,
                &pending,
                4096,
                true,
                0,
                &mut id,
                &mut this.outgoing,
            );
        }
        ready!(this.poll_drain(cx))?;
        this.socket()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        self.socket()?.poll_shutdown(cx)
    }
}
