//! A local webhook receiver over real HTTP: records every delivery (headers and the exact
//! body bytes), answers 500 to the next N when told to, or holds the next one without
//! answering (a delivery cut off in flight).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use stint_broker::webhook::{KIND_HEADER, Notice, SEQ_HEADER, SIGNATURE_HEADER, verify};
use tokio::sync::oneshot;

/// One POST as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: String,
    pub seq_header: Option<String>,
    pub kind_header: Option<String>,
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
    /// What the receiver answered; 0 for a delivery it held and never answered.
    pub status: u16,
}

impl Delivery {
    pub fn notice(&self) -> Notice {
        serde_json::from_slice(&self.body).expect("the body is a Notice")
    }

    /// The signature header is the HMAC of these exact bytes under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        self.signature
            .as_deref()
            .is_some_and(|s| verify(secret.as_bytes(), &self.body, s))
    }
}

#[derive(Default)]
struct Behaviour {
    deliveries: Vec<Delivery>,
    fail_next: u32,
    hold_next: bool,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Behaviour>>);

pub struct Receiver {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    shared: Shared,
    _stop: oneshot::Sender<()>,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn receive(
    State(shared): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let (status, hold) = {
        let mut b = shared.0.lock().unwrap();
        let (status, hold) = if b.hold_next {
            b.hold_next = false;
            (0, true)
        } else if b.fail_next > 0 {
            b.fail_next -= 1;
            (500, false)
        } else {
            (204, false)
        };
        b.deliveries.push(Delivery {
            path: uri.path().to_owned(),
            seq_header: header(&headers, SEQ_HEADER),
            kind_header: header(&headers, KIND_HEADER),
            signature: header(&headers, SIGNATURE_HEADER),
            content_type: header(&headers, "content-type"),
            body,
            status,
        });
        (status, hold)
    };
    if hold {
        std::future::pending::<()>().await;
    }
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Shared::default();
        let app = axum::Router::new()
            .route("/hooks/{token}", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Receiver {
            base: format!("http://{addr}"),
            shared,
            _stop: tx,
        }
    }

    /// A receiver URL with a token in its path, as chat webhooks have.
    pub fn url(&self, token: &str) -> url::Url {
        url::Url::parse(&format!("{}/hooks/{token}", self.base)).unwrap()
    }

    pub fn fail_next(&self, n: u32) {
        self.shared.0.lock().unwrap().fail_next = n;
    }

    pub fn hold_next(&self) {
        self.shared.0.lock().unwrap().hold_next = true;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.0.lock().unwrap().deliveries.clone()
    }

    /// Deliveries answered 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| (200..300).contains(&d.status))
            .collect()
    }

    /// The seqs of accepted deliveries, in arrival order.
    pub fn accepted_seqs(&self) -> Vec<i64> {
        self.accepted().iter().map(|d| d.notice().seq).collect()
    }
}
