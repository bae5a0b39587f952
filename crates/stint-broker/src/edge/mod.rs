//! The HTTP edge: accepting connections, TLS, and the limits that keep a hostile or broken
//! client from holding the broker's memory or connections. Below the router, per
//! connection: a cap on connections open at once (more are closed on accept), an idle
//! timeout ([`idle`]), the TLS handshake within the header timeout ([`tls`]), HTTP/1.1 with
//! hyper's header-read timeout, and per request: the client address ([`client_addr`]) and
//! the body read whole within a size cap (413) and a total deadline (408) before the
//! router sees it.

pub mod client_addr;
mod idle;
mod metrics;
pub mod tls;

pub use client_addr::ClientAddr;
pub use metrics::EdgeMetrics;
pub use tls::{TlsError, TlsFiles};

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{Request, StatusCode};
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use stint_api::{ApiError, ErrorCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{HttpConfig, IpRange};
use idle::IdleTimeout;

/// The limits the edge enforces; see `[http]` in the config.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    pub header_read_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_body_bytes: usize,
    pub trusted_proxies: Vec<IpRange>,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self::from_config(&HttpConfig::default())
    }
}

impl EdgeSettings {
    pub fn from_config(http: &HttpConfig) -> Self {
        Self {
            header_read_timeout: http.header_read_timeout,
            body_timeout: http.body_timeout,
            idle_timeout: http.idle_timeout,
            max_connections: http.max_connections,
            max_body_bytes: http.max_body_bytes,
            trusted_proxies: http.trusted_proxy_ranges(),
        }
    }
}

/// How one listener is served.
#[derive(Debug, Clone, Default)]
pub struct Edge {
    pub settings: EdgeSettings,
    /// HTTPS when set.
    pub tls: Option<Arc<TlsFiles>>,
    pub metrics: Arc<EdgeMetrics>,
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and lets the
/// requests in flight finish (idle connections are closed at once).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    edge: Edge,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let edge = Arc::new(edge);
    let slots = Arc::new(Semaphore::new(edge.settings.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: the next accept may work once
                    // connections close; do not spin meanwhile.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            edge.metrics.shed();
            drop(stream);
            continue;
        };
        let watcher = graceful.watcher();
        let edge = edge.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let _slot = slot;
            edge.metrics.opened();
            serve_connection(stream, peer, app, &edge, watcher).await;
            edge.metrics.closed();
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    edge: &Arc<Edge>,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let _ = stream.set_nodelay(true);
    let io = IdleTimeout::new(stream, edge.settings.idle_timeout);
    let service = {
        let edge = edge.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            handle(req, peer, app.clone(), edge.clone())
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(edge.settings.header_read_timeout);
    let result = match &edge.tls {
        None => {
            let conn = http.serve_connection(TokioIo::new(io), service);
            watcher.watch(conn).await
        }
        Some(tls) => {
            let handshake = tls.acceptor().accept(io);
            let stream =
                match tokio::time::timeout(edge.settings.header_read_timeout, handshake).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        edge.metrics.tls_failed();
                        return;
                    }
                    Err(_) => {
                        edge.metrics.tls_failed();
                        return;
                    }
                };
            let conn = http.serve_connection(TokioIo::new(stream), service);
            watcher.watch(conn).await
        }
    };
    if let Err(e) = result {
        if e.is_timeout() {
            edge.metrics.header_timeout();
        }
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

async fn handle(
    req: Request<Incoming>,
    peer: SocketAddr,
    app: Router,
    edge: Arc<Edge>,
) -> Result<Response, Infallible> {
    let client = client_addr::resolve(peer.ip(), req.headers(), &edge.settings.trusted_proxies);
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(client);
    let body = match read_body(body, &parts.headers, &edge.settings).await {
        Ok(body) => body,
        Err(refused) => {
            edge.metrics.body_refused(refused.code);
            return Ok(refused.into_response());
        }
    };
    let req = Request::from_parts(parts, body);
    app.oneshot(req).await
}

struct BodyRefused {
    code: ErrorCode,
    message: String,
}

impl IntoResponse for BodyRefused {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response =
            (status, axum::Json(ApiError::new(self.code, self.message))).into_response();
        // The rest of the body was not read: the connection cannot carry another request.
        response.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
        response
    }
}

/// The whole body, or why not. Read before the router so no handler ever waits on a slow
/// sender and no extractor buffers more than the cap.
async fn read_body(
    body: Incoming,
    headers: &http::HeaderMap,
    settings: &EdgeSettings,
) -> Result<Body, BodyRefused> {
    if body.is_end_stream() {
        return Ok(Body::empty());
    }
    let limit = settings.max_body_bytes;
    let too_large = || BodyRefused {
        code: ErrorCode::TooLarge,
        message: format!(
            "the request body is larger than the {limit} bytes the broker accepts (http.max_body_bytes)"
        ),
    };
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut stream = Body::new(body).into_data_stream();
        let mut buffer = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk: Bytes = chunk.map_err(|e| BodyRefused {
                code: ErrorCode::InvalidInput,
                message: format!("the request body could not be read: {e}"),
            })?;
            if buffer.len() + chunk.len() > limit {
                return Err(too_large());
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(Body::from(buffer))
    };
    match tokio::time::timeout(settings.body_timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(BodyRefused {
            code: ErrorCode::TimedOut,
            message: format!(
                "the request body did not arrive within {} (http.body_timeout); send it at once",
                crate::policy::human_duration(settings.body_timeout)
            ),
        }),
    }
}
