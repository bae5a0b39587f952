//! `stint-broker serve` with `http.tls_cert_file` and `http.tls_key_file`, as a process:
//! HTTPS is served with the configured certificate; after the files are replaced and the
//! process gets SIGHUP, a new connection is handed the new certificate, while a
//! connection opened before the signal keeps the one it was made with and goes on being
//! served.

use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::support::client::eventually;
use crate::support::full_broker::DEMO_POLICY;
use crate::support::process::ProcessSetup;

/// A CA and a certificate for 127.0.0.1 with the given serial number, signed by it: the CA
/// and the leaf as PEM, the leaf's key as PEM.
fn ca_and_leaf(name: &str, serial: u64) -> (String, String, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} test CA"));
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let mut leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf_params.serial_number = Some(rcgen::SerialNumber::from(serial));
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

/// A TLS client trusting both CAs, so it connects whichever certificate is served.
fn connector(cas: &[&str]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots.add(der(ca)).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect(
    connector: &TlsConnector,
    port: u16,
) -> (TlsStream<TcpStream>, CertificateDer<'static>) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let stream = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp))
        .await
        .expect("the handshake ends")
        .expect("the handshake succeeds");
    let served = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    (stream, served)
}

/// One `GET /healthz` on an open keep-alive connection: its status line.
async fn healthz_on(stream: &mut TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .expect("the answer comes")
            .unwrap();
        assert!(n > 0, "the connection was closed");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a content length");
            if body.len() >= length {
                return head.lines().next().unwrap().to_owned();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_serves_the_new_certificate_to_new_connections_and_keeps_old_ones() {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    let db = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", db.path().join("stint.db").display());
    let setup = ProcessSetup::new(&sim, &db_url, DEMO_POLICY, &[]);
    let cert = setup.dir.path().join("broker.crt");
    let key = setup.dir.path().join("broker.key");
    let (first_ca, first_leaf, first_key) = ca_and_leaf("first", 1001);
    let (second_ca, second_leaf, second_key) = ca_and_leaf("second", 2002);
    std::fs::write(&cert, &first_leaf).unwrap();
    std::fs::write(&key, &first_key).unwrap();
    let mut config = std::fs::read_to_string(setup.config()).unwrap();
    config.push_str("\n[http]\ntls_cert_file = \"broker.crt\"\ntls_key_file = \"broker.key\"\n");
    std::fs::write(setup.config(), config).unwrap();

    let mut broker = setup.spawn().await;
    assert!(broker.url.starts_with("https://"), "{}", broker.url);
    let port: u16 = broker.url.rsplit(':').next().unwrap().parse().unwrap();
    let tls = connector(&[&first_ca, &second_ca]);

    let (mut old, served) = connect(&tls, port).await;
    assert_eq!(
        served,
        der(&first_leaf),
        "the configured certificate is served"
    );
    assert_eq!(healthz_on(&mut old).await, "HTTP/1.1 200 OK");

    std::fs::write(&cert, &second_leaf).unwrap();
    std::fs::write(&key, &second_key).unwrap();
    // Not before the signal: the files are read at start and on SIGHUP only.
    assert_eq!(connect(&tls, port).await.1, der(&first_leaf));
    let status = std::process::Command::new("kill")
        .args(["-HUP", &broker.pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    eventually(
        "a new connection to be handed the new certificate (serial 2002)",
        Duration::from_secs(30),
        || async { connect(&tls, port).await.1 == der(&second_leaf) },
    )
    .await;
    // The connection made before the signal is still served, on its old certificate.
    assert_eq!(healthz_on(&mut old).await, "HTTP/1.1 200 OK");
    assert_eq!(
        old.get_ref().1.peer_certificates().unwrap()[0],
        der(&first_leaf)
    );
    let output = broker.output();
    assert!(
        output.contains("TLS certificate reloaded"),
        "the reload is logged: {output}"
    );
    assert_eq!(broker.terminate().await.code(), Some(0), "{output}");
}
