//! The API's own metrics, appended to the engine's on `/metrics`: HTTP requests by route
//! template, method and status, their latency by route, and policy reloads. Labels are
//! route templates (`/v1/requests/{id}`), never raw paths, so their number stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    total: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (count, bound) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        self.sum += seconds;
        self.total += 1;
    }
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, &'static str, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    reloads: BTreeMap<&'static str, u64>,
    eligibility_rules: u64,
    approval_rules: u64,
}

/// Metrics kept elsewhere (the HTTP edge, sign-in limits) rendered after the API's own.
pub type ExtraMetrics = std::sync::Arc<dyn Fn(&mut String) + Send + Sync>;

#[derive(Default)]
pub struct ApiMetrics {
    inner: Mutex<Inner>,
    extra: Mutex<Vec<ExtraMetrics>>,
}

impl std::fmt::Debug for ApiMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiMetrics").finish_non_exhaustive()
    }
}

/// `GET`, `POST`...: a closed set, so the label cannot grow without bound.
fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

impl ApiMetrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut inner)
    }

    pub fn observe_request(&self, route: &str, method: &http::Method, status: u16, took: Duration) {
        let method = method_label(method);
        self.with(|m| {
            *m.requests
                .entry((route.to_owned(), method, status))
                .or_default() += 1;
            m.latency
                .entry(route.to_owned())
                .or_default()
                .observe(took.as_secs_f64());
        });
    }

    /// A policy load or reload: `ok` with the rule counts now in force, or `error`.
    pub fn policy_loaded(&self, rules: Option<(usize, usize)>) {
        self.with(|m| match rules {
            Some((eligibility, approval)) => {
                *m.reloads.entry("ok").or_default() += 1;
                m.eligibility_rules = eligibility as u64;
                m.approval_rules = approval as u64;
            }
            None => *m.reloads.entry("error").or_default() += 1,
        });
    }

    /// Renders `extra` after the API's own metrics from now on.
    pub fn also_render(&self, extra: ExtraMetrics) {
        self.extra
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(extra);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        self.with(|m| {
            out.push_str("# HELP stint_http_requests_total HTTP requests by route, method and status.\n# TYPE stint_http_requests_total counter\n");
            for ((route, method, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "stint_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
            out.push_str("# HELP stint_http_request_seconds HTTP request latency by route.\n# TYPE stint_http_request_seconds histogram\n");
            for (route, h) in &m.latency {
                for (count, bound) in h.counts.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "stint_http_request_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "stint_http_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.total
                );
                let _ = writeln!(
                    out,
                    "stint_http_request_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "stint_http_request_seconds_count{{route=\"{route}\"}} {}",
                    h.total
                );
            }
            out.push_str("# HELP stint_policy_loads_total Policy loads and reloads by outcome.\n# TYPE stint_policy_loads_total counter\n");
            for outcome in ["ok", "error"] {
                let n = m.reloads.get(outcome).copied().unwrap_or(0);
                let _ = writeln!(out, "stint_policy_loads_total{{outcome=\"{outcome}\"}} {n}");
            }
            out.push_str("# HELP stint_policy_rules Rules of the policy in force, by kind.\n# TYPE stint_policy_rules gauge\n");
            let _ = writeln!(
                out,
                "stint_policy_rules{{kind=\"eligibility\"}} {}",
                m.eligibility_rules
            );
            let _ = writeln!(
                out,
                "stint_policy_rules{{kind=\"approval\"}} {}",
                m.approval_rules
            );
        });
        let extra: Vec<ExtraMetrics> = self
            .extra
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        for render in extra {
            render(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_template_and_status() {
        let m = ApiMetrics::default();
        m.observe_request(
            "/v1/requests/{id}",
            &http::Method::GET,
            200,
            Duration::from_millis(3),
        );
        m.observe_request(
            "/v1/requests/{id}",
            &http::Method::GET,
            404,
            Duration::from_millis(1),
        );
        m.policy_loaded(Some((5, 1)));
        m.policy_loaded(None);
        let text = m.render();
        assert!(text.contains(
            "stint_http_requests_total{route=\"/v1/requests/{id}\",method=\"GET\",status=\"404\"} 1"
        ));
        assert!(text.contains(
            "stint_http_request_seconds_bucket{route=\"/v1/requests/{id}\",le=\"0.0025\"} 1"
        ));
        assert!(text.contains(
            "stint_http_request_seconds_bucket{route=\"/v1/requests/{id}\",le=\"0.005\"} 2"
        ));
        assert!(text.contains("stint_policy_loads_total{outcome=\"error\"} 1"));
        assert!(text.contains("stint_policy_rules{kind=\"eligibility\"} 5"));
    }
}
