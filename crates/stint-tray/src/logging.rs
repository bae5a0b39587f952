//! The tray's log: stderr, filtered by `STINT_LOG` (info for the tray, warnings for the
//! rest by default), never the AWS SDK's or HTTP stack's TRACE events, which print
//! tokens and credentials (`stint_client::log_safety`).

pub fn init() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{Layer, filter};

    let env = filter::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| filter::EnvFilter::new("warn,stint_tray=info"));
    let no_secret_traces = filter::filter_fn(|meta| {
        !stint_client::log_safety::bears_secrets(meta.level(), meta.target())
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(env)
        .with_filter(no_secret_traces);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
