//! A TCP proxy in front of the broker, for tests and the benchmark: it records the HTTP
//! request lines that pass through (what the broker was asked), can add latency each way
//! (a network's round trip), can terminate TLS (so a client reaches a plain-HTTP server
//! over TLS, as through a load balancer), and can turn into a listener that accepts
//! connections and never answers (a hung broker, a stalled load balancer).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pass bytes on (after the one-way delay).
    Forward,
    /// Accept, then hold the connection without reading or answering.
    Hang,
}

struct Shared {
    upstream: SocketAddr,
    mode: Mutex<Mode>,
    one_way: Mutex<Duration>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    requests: Mutex<Vec<String>>,
    held: Mutex<Vec<TcpStream>>,
}

pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `upstream` adding `rtt` to every round trip (half each way).
    pub async fn start(upstream: SocketAddr, rtt: Duration) -> Proxy {
        Self::start_with(upstream, rtt, None).await
    }

    /// The same, with clients speaking TLS to the proxy (`tls` holds its certificate).
    pub async fn start_with(
        upstream: SocketAddr,
        rtt: Duration,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream,
            mode: Mutex::new(Mode::Forward),
            one_way: Mutex::new(rtt / 2),
            tls,
            requests: Mutex::new(Vec::new()),
            held: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((conn, _)) = listener.accept().await {
                    let _ = conn.set_nodelay(true);
                    let mode = *shared.mode.lock().unwrap();
                    match mode {
                        Mode::Hang => shared.held.lock().unwrap().push(conn),
                        Mode::Forward => {
                            tokio::spawn(forward(shared.clone(), conn));
                        }
                    }
                }
            }
        });
        Proxy { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The round trip added from now on (connections already open keep theirs).
    pub fn set_rtt(&self, rtt: Duration) {
        *self.shared.one_way.lock().unwrap() = rtt / 2;
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// The request lines seen so far (`GET /v1/grants HTTP/1.1`), oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests so far had `path` (without the query) as their target.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|line| {
                let mut parts = line.split(' ');
                parts.next() == Some(method)
                    && parts
                        .next()
                        .is_some_and(|target| target.split('?').next() == Some(path))
            })
            .count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(shared: Arc<Shared>, client: TcpStream) {
    let one_way = *shared.one_way.lock().unwrap();
    let Ok(server) = TcpStream::connect(shared.upstream).await else {
        return;
    };
    let _ = server.set_nodelay(true);
    let (server_read, server_write) = tokio::io::split(server);
    match shared.tls.clone() {
        None => {
            let (client_read, client_write) = tokio::io::split(client);
            let up = pump(client_read, server_write, one_way, Some(shared.clone()));
            let down = pump(server_read, client_write, one_way, None);
            let _ = tokio::join!(up, down);
        }
        Some(acceptor) => {
            // The handshake's round trips pay the delay too, as on a real network.
            tokio::time::sleep(one_way * 2).await;
            let Ok(client) = acceptor.accept(client).await else {
                return;
            };
            let (client_read, client_write) = tokio::io::split(client);
            let up = pump(client_read, server_write, one_way, Some(shared.clone()));
            let down = pump(server_read, client_write, one_way, None);
            let _ = tokio::join!(up, down);
        }
    }
}

/// Copies one direction, each chunk `delay` late but without holding up the next read
/// (so a slow link adds latency, not a bandwidth limit).
async fn pump<R, W>(mut from: R, mut to: W, delay: Duration, record: Option<Arc<Shared>>)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut pending = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(shared) = &record {
            pending.extend_from_slice(&buf[..n]);
            record_request_lines(&mut pending, &shared.requests);
        }
        if tx
            .send((tokio::time::Instant::now() + delay, buf[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// Finds HTTP/1.1 request lines in what the client sent (plain HTTP only).
fn record_request_lines(pending: &mut Vec<u8>, requests: &Mutex<Vec<String>>) {
    while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
        let line = String::from_utf8_lossy(&pending[..end]).into_owned();
        if line.ends_with(" HTTP/1.1") {
            requests.lock().unwrap().push(line);
        }
        pending.drain(..end + 2);
    }
    // A body without line breaks must not grow the buffer for ever.
    if pending.len() > 64 * 1024 {
        pending.clear();
    }
}

/// A TLS acceptor with a fresh self-signed certificate for `localhost` and `127.0.0.1`,
/// and that certificate in PEM for clients to trust (`STINT_CA_FILE`, `AWS_CA_BUNDLE`).
pub fn self_signed_tls() -> (tokio_rustls::TlsAcceptor, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("a certificate");
    let chain = vec![rustls_pki_types::CertificateDer::from(
        certified.cert.der().to_vec(),
    )];
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("a usable certificate");
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        certified.cert.pem(),
    )
}
