//! Which log events must never be written, whatever `STINT_LOG` asks for: the AWS SDK's
//! and the HTTP stack's TRACE events print request headers and bodies, which carry the
//! SSO token and credentials. Every Stint client program (the CLI, the tray) filters its
//! log with [`bears_secrets`].

/// Crates whose TRACE events print request or response contents.
pub const SECRET_BEARING_TARGETS: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_sigv4",
    "aws_sdk_sso",
    "aws_sdk_ssooidc",
    "aws_sdk_sts",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
];

/// Whether an event of `level` from `target` may carry a secret (and so is dropped).
pub fn bears_secrets(level: &tracing::Level, target: &str) -> bool {
    *level == tracing::Level::TRACE
        && SECRET_BEARING_TARGETS.iter().any(|t| {
            target == *t
                || target
                    .strip_prefix(t)
                    .is_some_and(|rest| rest.starts_with("::"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn only_trace_events_of_the_http_and_aws_crates_are_dropped() {
        assert!(bears_secrets(&Level::TRACE, "hyper"));
        assert!(bears_secrets(&Level::TRACE, "aws_sigv4::http_request"));
        assert!(!bears_secrets(&Level::DEBUG, "aws_sigv4::http_request"));
        assert!(!bears_secrets(&Level::TRACE, "hyperlocal"));
        assert!(!bears_secrets(&Level::TRACE, "stint_client::broker"));
    }
}
