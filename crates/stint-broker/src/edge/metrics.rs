//! What the edge counts, rendered on `/metrics`: connections open, shed at the cap, ended
//! by the header timeout, failed TLS handshakes, and bodies refused (too large, too slow).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use stint_api::ErrorCode;

#[derive(Debug, Default)]
pub struct EdgeMetrics {
    open: AtomicU64,
    accepted: AtomicU64,
    shed: AtomicU64,
    header_timeouts: AtomicU64,
    tls_failures: AtomicU64,
    too_large: AtomicU64,
    body_timeouts: AtomicU64,
}

impl EdgeMetrics {
    pub(super) fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    pub(super) fn shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn header_timeout(&self) {
        self.header_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn tls_failed(&self) {
        self.tls_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn body_refused(&self, code: ErrorCode) {
        match code {
            ErrorCode::TooLarge => self.too_large.fetch_add(1, Ordering::Relaxed),
            ErrorCode::TimedOut => self.body_timeouts.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }

    /// Connections open now.
    pub fn open_connections(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    pub fn render(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP stint_http_connections_open Connections open now.\n# TYPE stint_http_connections_open gauge\nstint_http_connections_open {}",
            get(&self.open)
        );
        let _ = writeln!(
            out,
            "# HELP stint_http_connections_total Connections by what became of them.\n# TYPE stint_http_connections_total counter"
        );
        for (outcome, counter) in [
            ("accepted", &self.accepted),
            ("shed", &self.shed),
            ("header_timeout", &self.header_timeouts),
            ("tls_failed", &self.tls_failures),
        ] {
            let _ = writeln!(
                out,
                "stint_http_connections_total{{outcome=\"{outcome}\"}} {}",
                get(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP stint_http_bodies_refused_total Request bodies refused before any handler.\n# TYPE stint_http_bodies_refused_total counter"
        );
        for (reason, counter) in [
            ("too_large", &self.too_large),
            ("timed_out", &self.body_timeouts),
        ] {
            let _ = writeln!(
                out,
                "stint_http_bodies_refused_total{{reason=\"{reason}\"}} {}",
                get(counter)
            );
        }
    }
}
