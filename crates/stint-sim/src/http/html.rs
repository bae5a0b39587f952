//! A page frame for the simulator's few HTML pages: plain HTML forms, a little CSS, no
//! JavaScript framework.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) use super::xml::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2733;line-height:1.45}\
header{border-bottom:1px solid #d5dbe1;margin-bottom:1.5rem;padding-bottom:.5rem;color:#5a6b7b;font-size:.9rem}\
h1{font-size:1.5rem}code,.code{font-family:ui-monospace,monospace;background:#eef2f5;padding:.1rem .3rem;border-radius:3px}\
.code{font-size:1.6rem;letter-spacing:.15rem}label{display:block;margin:.8rem 0}input{font-size:1rem;padding:.3rem}\
button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem;cursor:pointer}.approve{background:#1f6feb;color:#fff;border:0;border-radius:4px}\
.deny{background:#fff;border:1px solid #b42318;color:#b42318;border-radius:4px}.error{color:#b42318}.ok{color:#137333}\
table{border-collapse:collapse}td,th{padding:.25rem .75rem .25rem 0;text-align:left;vertical-align:top}";

pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · stint-sim</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head>\
<body><header>stint-sim · a local IAM Identity Center</header>{body}</body></html>\n",
        escape(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}
