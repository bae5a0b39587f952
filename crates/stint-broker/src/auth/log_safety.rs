//! Log levels at which dependencies write secrets. At TRACE the AWS SDK prints every
//! request it sends with its headers (the broker's own `Authorization` and
//! `x-amz-security-token`) and `aws-sigv4` prints canonical requests; neither may reach a
//! log, whatever `RUST_LOG` asks for. The server builds its filter with
//! [`secret_safe_filter`].

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::combinator::And;
use tracing_subscriber::filter::{FilterExt, Targets};
use tracing_subscriber::registry::LookupSpan;

/// Each target, and the most verbose level at which it writes nothing secret.
pub const SECRET_BEARING_TARGETS: &[(&str, LevelFilter)] = &[
    // `signing request` and `calculated signing parameters`: headers and canonical requests.
    ("aws_sigv4", LevelFilter::INFO),
    // `transmitting request` / `received response from service`: headers and bodies.
    ("aws_smithy_runtime", LevelFilter::DEBUG),
    ("aws_smithy_runtime_api", LevelFilter::DEBUG),
    ("aws_smithy_http_client", LevelFilter::DEBUG),
];

/// The caps alone: everything passes except the secret-bearing targets above their level.
pub fn secret_caps() -> Targets {
    SECRET_BEARING_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |t, (target, level)| t.with_target(*target, *level),
    )
}

/// A per-layer filter: what `directives` (`RUST_LOG` syntax) lets through, never more than
/// [`secret_caps`] allows. Use it as `fmt::layer().with_filter(secret_safe_filter(..)?)`.
pub fn secret_safe_filter<S>(directives: &str) -> Result<And<EnvFilter, Targets, S>, String>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let filter = EnvFilter::try_new(directives)
        .map_err(|e| format!("the log filter \"{directives}\" is not valid: {e}"))?;
    Ok(filter.and(secret_caps()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    fn logged(directives: &str) -> String {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt as _;

        let buf = Buf::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(buf.clone())
                .with_filter(secret_safe_filter(directives).unwrap()),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "aws_sigv4::http_request::sign", "sigv4-trace");
            tracing::info!(target: "aws_sigv4::http_request::sign", "sigv4-info");
            tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "smithy-trace");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "smithy-debug");
            tracing::trace!(target: "stint_broker::auth", "broker-trace");
        });
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn caps_hold_whatever_the_filter_asks() {
        for asked in [
            "trace",
            "trace,aws_sigv4=trace,aws_smithy_runtime=trace",
            "aws_sigv4::http_request=trace,trace",
        ] {
            let out = logged(asked);
            assert!(out.contains("broker-trace"), "{asked}: {out}");
            assert!(
                out.contains("sigv4-info") && out.contains("smithy-debug"),
                "{asked}: {out}"
            );
            assert!(
                !out.contains("sigv4-trace") && !out.contains("smithy-trace"),
                "{asked}: {out}"
            );
        }
        let quiet = logged("warn");
        assert!(
            !quiet.contains("broker-trace") && !quiet.contains("sigv4-info"),
            "{quiet}"
        );
        assert!(secret_safe_filter::<tracing_subscriber::Registry>("stint_broker=loud").is_err());
    }
}
