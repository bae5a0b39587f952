//! Every AWS call the adapter makes goes through [`Calls::run`]: it times the call, maps its
//! error, logs it inside the caller's span, and tells the engine's metrics (through a
//! [`CallObserver`]) which operation ran, how long it took and how it ended.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ssoadmin::config::http::HttpResponse;
use aws_sdk_ssoadmin::error::{ProvideErrorMetadata, SdkError};

use super::IdcError;
use super::aws_errors::{error_kind, map_sdk_error};

/// One finished AWS call, as the engine's metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct AwsCall<'a> {
    /// `sso-admin`, `identitystore` or `organizations`.
    pub service: &'static str,
    /// The AWS operation, e.g. `CreateAccountAssignment`.
    pub operation: &'static str,
    /// Wall time from sending the request to the mapped result, one attempt.
    pub elapsed: Duration,
    /// `None` when the call succeeded.
    pub error: Option<&'a IdcError>,
}

impl AwsCall<'_> {
    /// `ok`, or the error's kind (`throttled`, `conflict`, ...): a bounded label set.
    pub fn outcome(&self) -> &'static str {
        self.error.map_or("ok", error_kind)
    }
}

/// Receives every call the adapter makes. The engine implements it to feed its metrics
/// (side-effect latency, throttling counts); the adapter keeps no numbers of its own.
pub trait CallObserver: Send + Sync + 'static {
    fn observe(&self, call: &AwsCall<'_>);
}

impl<F> CallObserver for F
where
    F: Fn(&AwsCall<'_>) + Send + Sync + 'static,
{
    fn observe(&self, call: &AwsCall<'_>) {
        self(call)
    }
}

#[derive(Clone, Default)]
pub(crate) struct Calls {
    observer: Option<Arc<dyn CallObserver>>,
}

impl fmt::Debug for Calls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calls")
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// A runaway `NextToken` (a service that keeps returning the same token) must not spin
/// forever; no Identity Center listing comes near this many pages.
pub(crate) const MAX_PAGES: usize = 10_000;

impl Calls {
    pub(crate) fn with_observer(observer: Arc<dyn CallObserver>) -> Self {
        Self {
            observer: Some(observer),
        }
    }

    /// Runs one AWS call once. Latency is measured on the monotonic clock: it is a
    /// measurement, not a decision, so it does not go through the injected broker clock.
    pub(crate) async fn run<T, E>(
        &self,
        service: &'static str,
        operation: &'static str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, IdcError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let started = Instant::now();
        let result = call.await.map_err(|e| map_sdk_error(operation, e));
        let elapsed = started.elapsed();
        let elapsed_ms = elapsed.as_secs_f64() * 1_000.0;
        match &result {
            Ok(_) => tracing::debug!(service, operation, elapsed_ms, "aws call"),
            Err(error @ IdcError::NotFound(_)) => {
                tracing::debug!(service, operation, elapsed_ms, %error, "aws call: not found")
            }
            Err(error) => tracing::info!(
                service,
                operation,
                elapsed_ms,
                outcome = error_kind(error),
                %error,
                "aws call failed"
            ),
        }
        if let Some(observer) = &self.observer {
            observer.observe(&AwsCall {
                service,
                operation,
                elapsed,
                error: result.as_ref().err(),
            });
        }
        result
    }
}

/// Follows `NextToken` until the service says there is no more. `page` sends one request
/// with the given token and returns its items and the next token. One attempt per page.
pub(crate) async fn paginate<T, F, Fut>(
    operation: &'static str,
    mut page: F,
) -> Result<Vec<T>, IdcError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), IdcError>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (mut batch, next) = page(token.take()).await?;
        items.append(&mut batch);
        match next.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
    Err(too_many_pages(operation))
}

fn too_many_pages(operation: &str) -> IdcError {
    IdcError::Other(format!(
        "{operation}: still paging after {MAX_PAGES} pages; the service keeps returning a NextToken"
    ))
}

/// [`paginate`] for the directory reads (organization tree, permission sets, group
/// members): a page that is throttled or fails transiently is asked again, up to
/// [`READ_ATTEMPTS`] times within about five seconds. A directory read is dozens of calls
/// in a row, each needed; with one attempt each, 60 % throttling would let almost none
/// complete (0.4 to the power of the number of calls), and the broker would stay without a
/// directory. Reads change nothing, so asking again is safe; side effects and their status
/// polls stay single attempts, retried durably by the workflow.
pub(crate) async fn paginate_read<T, F, Fut>(
    operation: &'static str,
    mut page: F,
) -> Result<Vec<T>, IdcError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), IdcError>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (mut batch, next) = read_retrying(|| page(token.clone())).await?;
        items.append(&mut batch);
        match next.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
    Err(too_many_pages(operation))
}

/// How many times a directory read is tried (see [`paginate_read`]).
pub const READ_ATTEMPTS: u32 = 8;
const READ_RETRY_FIRST: Duration = Duration::from_millis(100);
const READ_RETRY_CAP: Duration = Duration::from_secs(1);

/// One directory read, asked again while it is throttled or fails transiently, up to
/// [`READ_ATTEMPTS`] times (see [`paginate_read`] for why).
pub(crate) async fn read_retrying<T, F, Fut>(mut attempt: F) -> Result<T, IdcError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, IdcError>>,
{
    let mut pause = READ_RETRY_FIRST;
    for _ in 1..READ_ATTEMPTS {
        match attempt().await {
            Err(e) if e.is_retryable() => {
                // A short pause on the monotonic clock: this is pacing, not a decision.
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(READ_RETRY_CAP);
            }
            done => return done,
        }
    }
    attempt().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn a_directory_read_asks_a_throttled_page_again_and_gives_up_in_the_end() {
        let tries = Mutex::new(0u32);
        let items = paginate_read("ListThings", |_| {
            *tries.lock().unwrap() += 1;
            let n = *tries.lock().unwrap();
            async move {
                if n < 3 {
                    Err(IdcError::Throttled("slow down".into()))
                } else {
                    Ok((vec![n], None))
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(items, [3]);

        *tries.lock().unwrap() = 0;
        let always: Result<Vec<u8>, _> = paginate_read("ListThings", |_| {
            *tries.lock().unwrap() += 1;
            async { Err(IdcError::Throttled("slow down".into())) }
        })
        .await;
        assert!(matches!(always, Err(IdcError::Throttled(_))));
        assert_eq!(*tries.lock().unwrap(), READ_ATTEMPTS);

        // A side effect's listing is one attempt: the workflow retries it durably.
        *tries.lock().unwrap() = 0;
        let once: Result<Vec<u8>, _> = paginate("ListThings", |_| {
            *tries.lock().unwrap() += 1;
            async { Err(IdcError::Throttled("slow down".into())) }
        })
        .await;
        assert!(once.is_err());
        assert_eq!(*tries.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn pagination_follows_tokens_to_the_end() {
        let pages = [("a", Some("t1")), ("b", Some("t2")), ("c", None)];
        let seen = Mutex::new(Vec::new());
        let items = paginate("ListThings", |token| {
            seen.lock().unwrap().push(token.clone());
            let index = seen.lock().unwrap().len() - 1;
            let (item, next) = pages[index];
            async move { Ok((vec![item], next.map(str::to_owned))) }
        })
        .await
        .unwrap();
        assert_eq!(items, ["a", "b", "c"]);
        assert_eq!(
            *seen.lock().unwrap(),
            [None, Some("t1".to_owned()), Some("t2".to_owned())]
        );
    }

    #[tokio::test]
    async fn an_empty_token_ends_the_listing() {
        let items = paginate("ListThings", |_| async {
            Ok((vec![1], Some(String::new())))
        })
        .await
        .unwrap();
        assert_eq!(items, [1]);
    }

    #[tokio::test]
    async fn a_token_that_never_ends_is_an_error() {
        let err = paginate::<u8, _, _>("ListThings", |_| async {
            Ok((vec![], Some("again".to_owned())))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(err, IdcError::Other(ref m) if m.contains("ListThings")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_observer_sees_operation_and_outcome() {
        use aws_sdk_ssoadmin::operation::list_instances::ListInstancesError;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let calls = Calls::with_observer(Arc::new(move |call: &AwsCall<'_>| {
            sink.lock()
                .unwrap()
                .push((call.service, call.operation, call.outcome()));
        }));
        let ok: Result<u8, SdkError<ListInstancesError, HttpResponse>> = Ok(1);
        assert_eq!(
            calls.run("sso-admin", "ListInstances", async { ok }).await,
            Ok(1)
        );
        let failed: Result<u8, SdkError<ListInstancesError, HttpResponse>> =
            Err(SdkError::timeout_error("slow"));
        assert!(
            calls
                .run("sso-admin", "ListInstances", async { failed })
                .await
                .is_err()
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [
                ("sso-admin", "ListInstances", "ok"),
                ("sso-admin", "ListInstances", "unavailable")
            ]
        );
    }
}
