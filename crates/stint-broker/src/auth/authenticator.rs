//! Turning a signed `sts:GetCallerIdentity` request into a broker session, bearer tokens
//! back into callers, and signing out.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stint_api::{AuthAwsRequest, AuthConfig};

use super::caller_arn::{self, Baseline};
use super::limits::{SignInLimiter, claimed_access_key};
use super::refusal_tally::{RefusalTally, Refused};
use super::settings::AuthSettings;
use super::signed_request::{self, CheckedRequest};
use super::sts::{StsClient, StsFailure};
use super::token::SessionToken;
use super::{AuthError, Caller, CallerResolver, audit_events};
use crate::clock::SharedClock;
use crate::idc::{DirectoryUser, IdentityCenter};
use crate::model::{NewEvent, Person};
use crate::store::{AuthPurge, SessionRecord, Store, StoreError, time_truncate};

/// How long past the signing-time window a used signature is still remembered, so a
/// replica whose clock runs a little behind the one that purges still refuses a replay.
const REPLICA_CLOCK_MARGIN: Duration = Duration::from_secs(60);

const SIGN_IN_AGAIN: &str = "sign in again (stint login)";

pub struct Authenticator {
    settings: AuthSettings,
    store: Arc<dyn Store>,
    idc: Arc<dyn IdentityCenter>,
    clock: SharedClock,
    sts: StsClient,
    limiter: SignInLimiter,
    tally: RefusalTally,
}

/// The source of a sign-in whose client address is not known (no edge in front).
pub const UNKNOWN_SOURCE: &str = "unknown";

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("audience", &self.settings.audience)
            .finish_non_exhaustive()
    }
}

/// A refused sign-in, with what is known of who tried, for the audit event.
struct Refusal {
    error: AuthError,
    user_name: Option<String>,
}

impl From<AuthError> for Refusal {
    fn from(error: AuthError) -> Self {
        Refusal {
            error,
            user_name: None,
        }
    }
}

impl Authenticator {
    pub fn new(
        settings: AuthSettings,
        store: Arc<dyn Store>,
        idc: Arc<dyn IdentityCenter>,
        clock: SharedClock,
        sts: StsClient,
    ) -> Self {
        let limiter = SignInLimiter::new(&settings.sign_in_limits, clock.clone());
        let tally = RefusalTally::new(settings.sign_in_limits.refusal_interval);
        Self {
            settings,
            store,
            idc,
            clock,
            sts,
            limiter,
            tally,
        }
    }

    /// The sign-in rate limits, for their metrics.
    pub fn limiter(&self) -> &SignInLimiter {
        &self.limiter
    }

    /// Takes a sign-in token for the client address and the claimed identity, or refuses
    /// (counted with the other refusals).
    pub async fn throttle(&self, source: &str, req: &AuthAwsRequest) -> Result<(), AuthError> {
        let identity = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("authorization"))
            .and_then(|h| claimed_access_key(&h.value));
        let Err(throttled) = self.limiter.check(source, identity) else {
            return Ok(());
        };
        let error = AuthError::RateLimited {
            // No seconds in the text: refusals are audited by kind, and the wait is in
            // the Retry-After header.
            message: format!(
                "too many sign-in attempts from this {}; try again after the seconds in Retry-After",
                throttled.by
            ),
            retry_after: throttled.retry_after,
        };
        let now = self.now();
        for event in self.tally.note(&Refused {
            error: &error,
            source,
            user_name: None,
            endpoint: None,
            at: now,
        }) {
            self.append(event).await;
        }
        Err(error)
    }

    /// Writes the repeated refusals of an interval that has ended.
    pub async fn flush_refusals(&self) {
        for event in self.tally.flush(self.now()) {
            self.append(event).await;
        }
    }

    /// Flushes every `every` until `shutdown`, then writes whatever was counted.
    pub async fn flush_refusals_periodically(
        &self,
        every: Duration,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let next = self.clock.now() + chrono_duration(every);
            tokio::select! {
                () = &mut shutdown => break,
                () = self.clock.sleep_until(next) => {}
            }
            self.flush_refusals().await;
        }
        for event in self.tally.flush_all(self.now()) {
            self.append(event).await;
        }
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    /// What `GET /v1/auth/config` answers.
    pub fn client_config(&self) -> AuthConfig {
        self.settings.client_config()
    }

    /// Checks a signed identity request, has STS say who signed it, and opens a session
    /// for that Identity Center user. Every outcome is an audit event.
    pub async fn login(&self, req: &AuthAwsRequest) -> Result<(SessionToken, Caller), AuthError> {
        self.login_from(req, UNKNOWN_SOURCE).await
    }

    /// [`Authenticator::login`] for a client at `source` (its address), which refusals
    /// are audited under.
    pub async fn login_from(
        &self,
        req: &AuthAwsRequest,
        source: &str,
    ) -> Result<(SessionToken, Caller), AuthError> {
        let now = self.now();
        let checked = match signed_request::check(req, &self.settings, now) {
            Ok(checked) => checked,
            Err(reason) => {
                let refusal = Refusal::from(AuthError::IdentityRejected(reason));
                return Err(self.refused(refusal, now, None, source).await);
            }
        };
        match self.login_checked(&checked, now).await {
            Ok(done) => Ok(done),
            Err(refusal) => Err(self
                .refused(refusal, now, Some(&checked.endpoint), source)
                .await),
        }
    }

    async fn login_checked(
        &self,
        req: &CheckedRequest,
        now: DateTime<Utc>,
    ) -> Result<(SessionToken, Caller), Refusal> {
        let until =
            req.signed_at + chrono_duration(self.settings.max_signing_skew + REPLICA_CLOCK_MARGIN);
        let fresh = self
            .store
            .remember_signature(&req.replay_key, until)
            .await
            .map_err(|e| store_unavailable("checking for a replayed request", &e))?;
        if !fresh {
            return Err(AuthError::IdentityRejected(
                "this signed identity request was already used; sign a new one for each sign-in"
                    .to_owned(),
            )
            .into());
        }

        let arn = self
            .sts
            .get_caller_identity(req)
            .await
            .map_err(|failure| sts_error(failure, &req.endpoint))?;
        let baseline = Baseline {
            partition: &self.settings.partition,
            account: &self.settings.baseline_account,
            permission_set: &self.settings.baseline_permission_set,
        };
        let user_name =
            caller_arn::baseline_user(&arn, baseline).map_err(AuthError::IdentityRejected)?;
        let known = |error: AuthError| Refusal {
            error,
            user_name: Some(user_name.to_owned()),
        };

        let user = self
            .idc
            .find_user(user_name)
            .await
            .map_err(|e| {
                known(AuthError::Unavailable(format!(
                    "Identity Center could not be asked who {user_name} is ({e}); try again shortly"
                )))
            })?
            .ok_or_else(|| {
                known(AuthError::IdentityRejected(format!(
                    "STS says {user_name} signed the request, but Identity Center has no user named {user_name}; ask a Stint administrator"
                )))
            })?;
        let mut groups: Vec<String> = self
            .idc
            .user_groups(&user.user_id)
            .await
            .map_err(|e| {
                known(AuthError::Unavailable(format!(
                    "Identity Center could not list {user_name}'s groups ({e}); try again shortly"
                )))
            })?
            .into_iter()
            .map(|g| g.display_name)
            .collect();
        groups.sort();
        groups.dedup();

        let token = SessionToken::generate();
        let caller = self.new_caller(user, groups, now);
        let session = SessionRecord {
            id: caller.session_id.clone(),
            token_hash: token.hash(),
            person: caller.person.clone(),
            email: caller.email.clone(),
            groups: caller.groups.clone(),
            created_at: now,
            expires_at: caller.session_expires_at,
            revoked_at: None,
        };
        let event = audit_events::login(&caller, now, &req.endpoint);
        self.store
            .insert_session(&session, vec![event])
            .await
            .map_err(|e| known(store_unavailable("saving the session", &e)))?;
        tracing::info!(
            user = %caller.person.user_name,
            session_id = %caller.session_id,
            groups = caller.groups.len(),
            "signed in"
        );
        Ok((token, caller))
    }

    fn new_caller(&self, user: DirectoryUser, groups: Vec<String>, now: DateTime<Utc>) -> Caller {
        Caller {
            person: Person {
                user_id: user.user_id,
                user_name: user.user_name,
                display_name: user.display_name,
            },
            email: user.email,
            groups,
            session_id: uuid::Uuid::new_v4().to_string(),
            session_expires_at: now + chrono_duration(self.settings.session_ttl),
        }
    }

    /// Logs a refused sign-in, audits it (in aggregate, see `refusal_tally`), and returns
    /// its error.
    async fn refused(
        &self,
        refusal: Refusal,
        now: DateTime<Utc>,
        endpoint: Option<&str>,
        source: &str,
    ) -> AuthError {
        let Refusal { error, user_name } = refusal;
        tracing::info!(
            code = %error.code(),
            reason = %error,
            user = user_name.as_deref().unwrap_or(audit_events::ANONYMOUS),
            sts_endpoint = endpoint.unwrap_or("-"),
            "sign-in refused"
        );
        let events = self.tally.note(&Refused {
            error: &error,
            source,
            user_name: user_name.as_deref(),
            endpoint,
            at: now,
        });
        for event in events {
            self.append(event).await;
        }
        error
    }

    /// Appends an audit event that belongs to no other write. A failure is logged, not
    /// returned: the caller's answer does not depend on it.
    async fn append(&self, event: NewEvent) {
        let change = crate::store::Change {
            at: event.at,
            events: vec![event],
            ..Default::default()
        };
        if let Err(e) = self.store.commit(&change).await {
            tracing::warn!(error = %redacted(&e), "could not append an authentication audit event");
        }
    }

    /// Ends the session the bearer token belongs to.
    pub async fn logout(&self, bearer_token: &str) -> Result<Caller, AuthError> {
        let caller = self.resolve(bearer_token).await?;
        let Some(token) = SessionToken::parse(bearer_token) else {
            return Err(not_a_token());
        };
        let now = self.now();
        let event = audit_events::logout(&caller, now);
        let revoked = self
            .store
            .revoke_session(&token.hash(), now, vec![event])
            .await
            .map_err(|e| store_unavailable("ending the session", &e))?;
        if !revoked {
            return Err(AuthError::Unauthenticated(format!(
                "this session has already ended; {SIGN_IN_AGAIN}"
            )));
        }
        tracing::info!(user = %caller.person.user_name, session_id = %caller.session_id, "signed out");
        Ok(caller)
    }

    /// Deletes expired and revoked sessions, and used signatures that could no longer
    /// pass the signing-time check. The server calls this on a timer
    /// ([`Authenticator::purge_periodically`]).
    pub async fn purge_expired(&self) -> Result<AuthPurge, AuthError> {
        let purged = self
            .store
            .purge_auth(self.now())
            .await
            .map_err(|e| store_unavailable("purging expired sessions", &e))?;
        tracing::debug!(
            sessions = purged.sessions,
            signatures = purged.signatures,
            "purged expired authentication records"
        );
        Ok(purged)
    }

    /// Purges every `every` on the broker's clock until `shutdown` completes.
    pub async fn purge_periodically(&self, every: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let next = self.clock.now() + chrono_duration(every);
            tokio::select! {
                () = &mut shutdown => return,
                () = self.clock.sleep_until(next) => {}
            }
            // Failures were logged; the next round tries again.
            let _ = self.purge_expired().await;
        }
    }

    fn now(&self) -> DateTime<Utc> {
        time_truncate(self.clock.now())
    }
}

#[async_trait]
impl CallerResolver for Authenticator {
    async fn resolve(&self, bearer_token: &str) -> Result<Caller, AuthError> {
        let token = SessionToken::parse(bearer_token).ok_or_else(not_a_token)?;
        let session = self
            .store
            .session_by_token_hash(&token.hash())
            .await
            .map_err(|e| store_unavailable("looking up the session", &e))?
            .ok_or_else(|| {
                AuthError::Unauthenticated(format!(
                    "this session token is not known to the broker (it may have expired); {SIGN_IN_AGAIN}"
                ))
            })?;
        let now = self.now();
        if session.revoked_at.is_some() {
            return Err(AuthError::Unauthenticated(format!(
                "this session was signed out; {SIGN_IN_AGAIN}"
            )));
        }
        if !session.is_live(now) {
            return Err(AuthError::Unauthenticated(format!(
                "your Stint session expired at {}; {SIGN_IN_AGAIN}",
                session.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            )));
        }
        Ok(Caller {
            person: session.person,
            email: session.email,
            groups: session.groups,
            session_id: session.id,
            session_expires_at: session.expires_at,
        })
    }
}

fn not_a_token() -> AuthError {
    AuthError::Unauthenticated(format!(
        "this is not a Stint session token; {SIGN_IN_AGAIN}"
    ))
}

fn sts_error(failure: StsFailure, endpoint: &str) -> AuthError {
    match failure {
        StsFailure::Refused { status, code } => AuthError::IdentityRejected(format!(
            "STS refused the signed identity request with {code} (HTTP {status}); sign a new request with fresh baseline role credentials"
        )),
        StsFailure::Unavailable(why) => AuthError::Unavailable(format!(
            "STS could not confirm who signed the request: {why}; try again shortly"
        )),
        StsFailure::NotSts(why) => {
            tracing::warn!(sts_endpoint = endpoint, problem = %why, "an allowed STS endpoint did not answer as STS");
            AuthError::Unavailable(format!(
                "STS could not confirm who signed the request: {why}; try again shortly"
            ))
        }
    }
}

fn store_unavailable(doing: &str, e: &StoreError) -> AuthError {
    tracing::warn!(error = %redacted(e), "database error while {doing}");
    if let Some(fault) = e.write_fault() {
        return AuthError::DatabaseReadOnly(format!("{fault} (while {doing})"));
    }
    AuthError::Unavailable(format!(
        "the broker's database failed while {doing}; try again shortly"
    ))
}

/// A database error without the database's own message, which can quote the values of a
/// failed statement (a token hash, for one).
fn redacted(e: &StoreError) -> String {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) => format!(
            "database error {}",
            db.code().as_deref().unwrap_or("(no code)")
        ),
        other => other.to_string(),
    }
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
