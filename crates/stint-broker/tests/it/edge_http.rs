//! The HTTP edge over real TCP, in front of a small router: slow and half-sent requests are
//! shed after their timeouts while a well-behaved client is still served, a body over the
//! cap gets 413, connections past the cap are closed at once, the client address comes
//! from `X-Forwarded-For` only through a trusted proxy, and HTTPS is served and reloaded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Extension;
use axum::routing::{get, post};
use stint_broker::config::IpRange;
use stint_broker::edge::{self, ClientAddr, Edge, EdgeMetrics, EdgeSettings, TlsFiles};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

fn app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route(
            "/echo",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        .route(
            "/whoami",
            get(|Extension(client): Extension<ClientAddr>| async move { client.to_string() }),
        )
}

fn settings() -> EdgeSettings {
    EdgeSettings {
        header_read_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(20),
        max_connections: 5000,
        max_body_bytes: 64 * 1024,
        trusted_proxies: Vec::new(),
    }
}

struct Served {
    addr: SocketAddr,
    metrics: Arc<EdgeMetrics>,
    stop: CancellationToken,
}

async fn serve(settings: EdgeSettings, tls: Option<Arc<TlsFiles>>) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = Arc::new(EdgeMetrics::default());
    let stop = CancellationToken::new();
    let edge = Edge {
        settings,
        tls,
        metrics: metrics.clone(),
    };
    tokio::spawn(edge::serve(
        listener,
        app(),
        edge,
        stop.clone().cancelled_owned(),
    ));
    Served {
        addr,
        metrics,
        stop,
    }
}

/// Reads until the server closes; what it sent.
async fn until_closed(mut stream: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn slow_and_half_sent_requests_are_shed_while_others_are_served() {
    let served = serve(settings(), None).await;
    let addr = served.addr;

    // Trickling headers: one byte every 200 ms, never finishing.
    let mut tricklers = Vec::new();
    for _ in 0..100 {
        tricklers.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
            let started = tokio::time::Instant::now();
            for byte in
                b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter()
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return started.elapsed();
                }
            }
            panic!(
                "a trickling connection was still open after {:?}",
                started.elapsed()
            );
        }));
    }
    // Half-sent bodies: headers promise 1,000 bytes, 10 come.
    let mut half = Vec::new();
    for _ in 0..1000 {
        half.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(
                    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789",
                )
                .await
                .unwrap();
            until_closed(stream).await
        }));
    }

    // Meanwhile a normal client is served.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let http = reqwest::Client::new();
    let hello = http
        .get(format!("http://{addr}/hello"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(hello.status(), 200);

    for t in tricklers {
        let took = t.await.unwrap();
        assert!(took < Duration::from_secs(10), "closed only after {took:?}");
    }
    for h in half {
        let answer = h.await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "a half-sent body is answered 408 and closed: {answer:?}"
        );
        assert!(answer.contains("timed_out"), "{answer}");
    }
    // Every one of them is gone from the server's side too.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while served.metrics.open_connections() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} connections still open",
            served.metrics.open_connections()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut text = String::new();
    served.metrics.render(&mut text);
    assert!(
        text.contains("stint_http_bodies_refused_total{reason=\"timed_out\"} 1000"),
        "{text}"
    );
    served.stop.cancel();
}

#[tokio::test]
async fn an_oversized_body_gets_413_with_the_api_error_shape() {
    let served = serve(settings(), None).await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/echo", served.addr);

    let small = http.post(&url).body(vec![b'a'; 1000]).send().await.unwrap();
    assert_eq!(small.status(), 200);
    assert_eq!(small.text().await.unwrap(), "1000");

    // Declared too large: refused before reading.
    let big = http
        .post(&url)
        .body(vec![b'a'; 65 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    let error: serde_json::Value = big.json().await.unwrap();
    assert_eq!(error["code"], "too_large");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("max_body_bytes")
    );

    // Chunked, without a length: refused when the cap is passed.
    let chunks = futures::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 8 * 1024]))),
    );
    let streamed = http
        .post(&url)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    served.stop.cancel();
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once() {
    let served = serve(
        EdgeSettings {
            max_connections: 20,
            header_read_timeout: Duration::from_secs(30),
            ..settings()
        },
        None,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(TcpStream::connect(served.addr).await.unwrap());
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while served.metrics.open_connections() < 20 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let extra = TcpStream::connect(served.addr).await.unwrap();
    let started = tokio::time::Instant::now();
    let answer = until_closed(extra).await;
    assert_eq!(answer, "");
    assert!(started.elapsed() < Duration::from_secs(1));
    let mut text = String::new();
    served.metrics.render(&mut text);
    assert!(
        text.contains("stint_http_connections_total{outcome=\"shed\"} 1"),
        "{text}"
    );
    drop(held);
    served.stop.cancel();
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let untrusted = serve(settings(), None).await;
    let trusted = serve(
        EdgeSettings {
            trusted_proxies: vec![IpRange::parse("127.0.0.0/8").unwrap()],
            ..settings()
        },
        None,
    )
    .await;
    let http = reqwest::Client::new();
    let whoami = |addr: SocketAddr| {
        http.get(format!("http://{addr}/whoami"))
            .header("x-forwarded-for", "203.0.113.50, 198.51.100.4")
            .send()
    };
    let seen = whoami(untrusted.addr).await.unwrap().text().await.unwrap();
    assert_eq!(seen, "127.0.0.1");
    let seen = whoami(trusted.addr).await.unwrap().text().await.unwrap();
    assert_eq!(seen, "198.51.100.4");
}

/// A CA and a certificate for 127.0.0.1 signed by it, as PEM.
fn ca_and_leaf(name: &str) -> (String, String, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} test CA"));
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

fn client_trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_is_served_and_a_reload_takes_the_new_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("broker.crt");
    let key = dir.path().join("broker.key");
    let (first_ca, first_leaf, first_key) = ca_and_leaf("first");
    std::fs::write(&cert, &first_leaf).unwrap();
    std::fs::write(&key, &first_key).unwrap();
    let tls = TlsFiles::load(&cert, &key).unwrap();
    let served = serve(settings(), Some(tls.clone())).await;
    let url = format!("https://{}/hello", served.addr);

    let first = client_trusting(&first_ca);
    let answer = first.get(&url).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), "hello");
    // Plain HTTP on the TLS port is not served.
    assert!(
        reqwest::get(format!("http://{}/hello", served.addr))
            .await
            .is_err()
    );

    let (second_ca, second_leaf, second_key) = ca_and_leaf("second");
    let second = client_trusting(&second_ca);
    assert!(second.get(&url).send().await.is_err(), "not yet reloaded");

    // A broken pair is refused and the old certificate stays.
    std::fs::write(&cert, "not a certificate").unwrap();
    let err = tls.reload().unwrap_err();
    assert!(err.to_string().contains("broker.crt"), "{err}");
    let answer = client_trusting(&first_ca).get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200);

    std::fs::write(&cert, &second_leaf).unwrap();
    std::fs::write(&key, &second_key).unwrap();
    tls.reload().unwrap();
    let answer = client_trusting(&second_ca).get(&url).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), "hello");
    assert!(
        client_trusting(&first_ca).get(&url).send().await.is_err(),
        "the old certificate is no longer served"
    );
    served.stop.cancel();
}
