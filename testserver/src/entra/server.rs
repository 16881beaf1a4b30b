//! HTTP/1.1 and HTTPS listeners on loopback; each request is read whole and handed to the
//! router as a plain [`Req`].

use super::routes::{self, Req, Resp};
use super::state::Mock;
use anyhow::Result;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use openssl::ssl::{SslAcceptor, SslMethod};
use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::TcpListener;

pub fn tls_acceptor(
    cert: &openssl::x509::X509,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
    ca: &openssl::x509::X509,
) -> Result<Arc<SslAcceptor>> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    b.set_certificate(cert)?;
    b.add_extra_chain_cert(ca.clone())?;
    b.set_private_key(key)?;
    b.check_private_key()?;
    Ok(Arc::new(b.build()))
}

pub fn spawn_http(listener: TcpListener, mock: Arc<Mock>) {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let mock = mock.clone();
            tokio::spawn(async move { serve(TokioIo::new(stream), mock, "http").await });
        }
    });
}

pub fn spawn_https(listener: TcpListener, mock: Arc<Mock>, acceptor: Arc<SslAcceptor>) {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (mock, acceptor) = (mock.clone(), acceptor.clone());
            tokio::spawn(async move {
                let Ok(ssl) = openssl::ssl::Ssl::new(acceptor.context()) else {
                    return;
                };
                let Ok(mut tls) = tokio_openssl::SslStream::new(ssl, stream) else {
                    return;
                };
                if Pin::new(&mut tls).accept().await.is_err() {
                    return; // a client that does not trust the CA: nothing to serve
                }
                serve(TokioIo::new(tls), mock, "https").await
            });
        }
    });
}

async fn serve<I>(io: I, mock: Arc<Mock>, scheme: &'static str)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mock = mock.clone();
        async move {
            let resp = match to_req(req, scheme).await {
                Ok(req) => routes::handle(&mock, req).await,
                Err(e) => Resp::text(400, &format!("bad request: {e}")),
            };
            Ok::<_, Infallible>(from_resp(resp))
        }
    });
    let _ = http1::Builder::new().serve_connection(io, service).await;
}

async fn to_req(req: hyper::Request<hyper::body::Incoming>, scheme: &str) -> Result<Req> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    let headers: HashMap<String, String> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into(),
            )
        })
        .collect();
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let host = headers.get("host").cloned().unwrap_or_default();
    Ok(Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query,
        headers,
        body,
        base_url: format!("{scheme}://{host}"),
    })
}

fn from_resp(resp: Resp) -> hyper::Response<Full<Bytes>> {
    let mut b = hyper::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(Bytes::from(resp.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::from_static(b"bad response"))))
}
