//! SSO OIDC as Identity Center runs it: registered public clients, device authorizations
//! a person approves in the browser, and sign-in sessions holding an access token and,
//! when the `sso:account:access` scope was asked for, a rotating refresh token.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::random;
use crate::secret::Secret;
use crate::world::Timing;

/// The scope that makes Identity Center issue refresh tokens.
pub const REFRESH_SCOPE: &str = "sso:account:access";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const REFRESH_GRANT: &str = "refresh_token";
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

#[derive(Debug)]
pub struct Client {
    pub client_id: String,
    pub client_name: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    /// The grant types the client registered; empty for a client that named none, which
    /// AWS lets use the device code and refresh token grants (its original behaviour).
    pub grant_types: Vec<String>,
    /// Where the authorize endpoint may send the browser back to, compared exactly.
    pub redirect_uris: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Client {
    pub fn allows_grant(&self, grant: &str) -> bool {
        if self.grant_types.is_empty() {
            grant == DEVICE_GRANT || grant == REFRESH_GRANT
        } else {
            self.grant_types.iter().any(|g| g == grant)
        }
    }
}

/// What a client asks for when it registers.
#[derive(Debug, Default)]
pub struct Registration {
    pub name: String,
    pub scopes: Vec<String>,
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Approved {
        user_id: String,
    },
    Denied,
    /// Exchanged for a token; a device code works once.
    Redeemed,
}

#[derive(Debug)]
pub struct DeviceAuth {
    pub device_code: Secret,
    pub user_code: String,
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
    pub interval: Duration,
    last_poll: Option<DateTime<Utc>>,
    pub decision: Decision,
}

// No Debug: it holds a raw refresh token.
pub(super) struct Session {
    pub(super) user_id: String,
    pub(super) client_id: String,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) refresh_token: Option<String>,
    pub(super) ended: bool,
}

#[derive(Debug)]
struct AccessToken {
    session: usize,
    expires_at: DateTime<Utc>,
}

/// What CreateToken hands back.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: Secret,
    pub expires_in: u64,
    pub refresh_token: Option<Secret>,
}

/// The errors of CreateToken and StartDeviceAuthorization, as AWS names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcError {
    InvalidClient(String),
    InvalidGrant(String),
    InvalidRequest(String),
    /// The client did not register the grant type it is using.
    UnauthorizedClient(String),
    UnsupportedGrantType(String),
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    AccessDenied,
}

/// Why a device authorization could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideError {
    NotFound,
    Expired,
    AlreadyDecided,
}

/// No `Debug` derive: the maps are keyed by raw tokens. Its `Debug` prints counts.
#[derive(Default)]
pub struct Oidc {
    clients: HashMap<String, Client>,
    devices: Vec<DeviceAuth>,
    pub(super) sessions: Vec<Session>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, usize>,
    /// Browser sign-ins (the authorization code flow), see `authorize.rs`.
    pub(super) authorizations: Vec<super::authorize::Authorization>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("clients", &self.clients.len())
            .field("device_authorizations", &self.devices.len())
            .field("sessions", &self.sessions.len())
            .field("access_tokens", &self.access_tokens.len())
            .finish_non_exhaustive()
    }
}

fn seconds_until(at: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((at - now).num_seconds()).unwrap_or(0)
}

pub(super) fn add(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// User codes are compared the way a person types them: any case, hyphen optional.
fn normalise_user_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Oidc {
    pub fn register_client(
        &mut self,
        registration: Registration,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> &Client {
        let client_id = random::alphanumeric(22);
        tracing::info!(client_name = %registration.name, client_id = %client_id, "client registered");
        let client = Client {
            client_id: client_id.clone(),
            client_name: registration.name,
            client_secret: Secret::new(format!("eyJraWQi{}", random::alphanumeric(120))),
            scopes: registration.scopes,
            grant_types: registration.grant_types,
            redirect_uris: registration.redirect_uris,
            issued_at: now,
            expires_at: add(now, ttl),
        };
        self.clients.entry(client_id).or_insert(client)
    }

    /// A registered client by id alone (the authorize endpoint has no secret), if its
    /// registration has not expired.
    pub fn public_client(&self, client_id: &str, now: DateTime<Utc>) -> Option<&Client> {
        self.clients.get(client_id).filter(|c| now < c.expires_at)
    }

    pub(super) fn client(
        &self,
        client_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<&Client, OidcError> {
        let client = self
            .clients
            .get(client_id)
            .ok_or_else(|| OidcError::InvalidClient("Invalid client provided".into()))?;
        // Both are ours; comparing in constant time still costs nothing.
        if !constant_time_eq(client.client_secret.expose(), secret) {
            return Err(OidcError::InvalidClient("Invalid client provided".into()));
        }
        if now >= client.expires_at {
            return Err(OidcError::InvalidClient(
                "Client registration has expired; register the client again".into(),
            ));
        }
        Ok(client)
    }

    pub fn start_device_authorization(
        &mut self,
        client_id: &str,
        client_secret: &str,
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> Result<&DeviceAuth, OidcError> {
        if !self
            .client(client_id, client_secret, now)?
            .allows_grant(DEVICE_GRANT)
        {
            return Err(unauthorized(DEVICE_GRANT));
        }
        let mut user_code = random::user_code();
        while self
            .devices
            .iter()
            .any(|d| d.user_code == user_code && d.expires_at > now)
        {
            user_code = random::user_code();
        }
        self.devices.push(DeviceAuth {
            device_code: Secret::new(random::alphanumeric(64)),
            user_code,
            client_id: client_id.to_owned(),
            expires_at: add(now, timing.device_code_ttl),
            interval: timing.device_poll_interval,
            last_poll: None,
            decision: Decision::Pending,
        });
        let last = self.devices.len() - 1;
        Ok(&self.devices[last])
    }

    /// A person approves or denies a device authorization, found by its user code or
    /// device code.
    pub fn decide(
        &mut self,
        code: &str,
        approve_as: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<&DeviceAuth, DecideError> {
        let wanted = normalise_user_code(code);
        let device = self
            .devices
            .iter_mut()
            .rev()
            .find(|d| {
                constant_time_eq(d.device_code.expose(), code)
                    || (!wanted.is_empty() && normalise_user_code(&d.user_code) == wanted)
            })
            .ok_or(DecideError::NotFound)?;
        if now >= device.expires_at {
            return Err(DecideError::Expired);
        }
        if device.decision != Decision::Pending {
            return Err(DecideError::AlreadyDecided);
        }
        device.decision = match approve_as {
            Some(user_id) => Decision::Approved { user_id },
            None => Decision::Denied,
        };
        Ok(device)
    }

    /// A pending authorization by user code, for the verification page.
    pub fn pending_by_user_code(&self, code: &str, now: DateTime<Utc>) -> Option<&DeviceAuth> {
        let wanted = normalise_user_code(code);
        self.devices.iter().rev().find(|d| {
            normalise_user_code(&d.user_code) == wanted
                && d.decision == Decision::Pending
                && now < d.expires_at
        })
    }

    pub fn create_token_from_device_code(
        &mut self,
        client_id: &str,
        client_secret: &str,
        device_code: &str,
        requested_scopes: &[String],
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> Result<TokenGrant, OidcError> {
        let client = self.client(client_id, client_secret, now)?;
        if !client.allows_grant(DEVICE_GRANT) {
            return Err(unauthorized(DEVICE_GRANT));
        }
        let client_scopes = client.scopes.clone();
        let device = self
            .devices
            .iter_mut()
            .find(|d| constant_time_eq(d.device_code.expose(), device_code))
            .ok_or_else(|| OidcError::InvalidGrant("Invalid device code provided".into()))?;
        if device.client_id != client_id {
            return Err(OidcError::InvalidGrant(
                "Device code was issued to another client".into(),
            ));
        }
        if now >= device.expires_at {
            return Err(OidcError::ExpiredToken);
        }
        let polled_too_soon = device.last_poll.is_some_and(|last| {
            chrono::Duration::from_std(device.interval).is_ok_and(|interval| now - last < interval)
        });
        device.last_poll = Some(now);
        let user_id = match &device.decision {
            Decision::Redeemed => {
                return Err(OidcError::InvalidGrant(
                    "Device code has already been used".into(),
                ));
            }
            Decision::Denied => return Err(OidcError::AccessDenied),
            Decision::Pending if polled_too_soon => return Err(OidcError::SlowDown),
            Decision::Pending => return Err(OidcError::AuthorizationPending),
            Decision::Approved { user_id } => user_id.clone(),
        };
        device.decision = Decision::Redeemed;
        let wants_refresh = client_scopes
            .iter()
            .chain(requested_scopes)
            .any(|s| s == REFRESH_SCOPE);
        self.sessions.push(Session {
            user_id,
            client_id: client_id.to_owned(),
            expires_at: add(now, timing.session_ttl),
            refresh_token: None,
            ended: false,
        });
        let session = self.sessions.len() - 1;
        Ok(self.issue(session, wants_refresh, now, timing))
    }

    pub fn create_token_from_refresh_token(
        &mut self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> Result<TokenGrant, OidcError> {
        if !self
            .client(client_id, client_secret, now)?
            .allows_grant(REFRESH_GRANT)
        {
            return Err(unauthorized(REFRESH_GRANT));
        }
        let invalid = || OidcError::InvalidGrant("Invalid refresh token provided".into());
        let &session_index = self.refresh_tokens.get(refresh_token).ok_or_else(invalid)?;
        let session = &self.sessions[session_index];
        if session.client_id != client_id {
            return Err(invalid());
        }
        if session.ended || now >= session.expires_at {
            return Err(OidcError::InvalidGrant(
                "The sign-in session has ended; sign in again".into(),
            ));
        }
        // Rotation: the presented refresh token dies with this use.
        self.refresh_tokens.remove(refresh_token);
        Ok(self.issue(session_index, true, now, timing))
    }

    pub(super) fn issue(
        &mut self,
        session_index: usize,
        with_refresh: bool,
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> TokenGrant {
        let session = &mut self.sessions[session_index];
        let expires_at = add(now, timing.access_token_ttl).min(session.expires_at);
        let access = format!("aoa{}", random::alphanumeric(180));
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                session: session_index,
                expires_at,
            },
        );
        let refresh = with_refresh.then(|| format!("aor{}", random::alphanumeric(180)));
        if let Some(old) = session.refresh_token.take() {
            self.refresh_tokens.remove(&old);
        }
        if let Some(token) = &refresh {
            session.refresh_token = Some(token.clone());
            self.refresh_tokens.insert(token.clone(), session_index);
        }
        TokenGrant {
            access_token: Secret::new(access),
            expires_in: seconds_until(expires_at, now),
            refresh_token: refresh.map(Secret::new),
        }
    }

    /// The user an access token belongs to, if it is still good.
    pub fn user_for_access_token(&self, token: &str, now: DateTime<Utc>) -> Option<&str> {
        let access = self.access_tokens.get(token)?;
        let session = &self.sessions[access.session];
        (!session.ended && now < access.expires_at).then_some(session.user_id.as_str())
    }

    /// Ends the session an access token belongs to: every access token and the refresh
    /// token of that sign-in stop working. False if the token was not good.
    pub fn logout(&mut self, token: &str, now: DateTime<Utc>) -> bool {
        if self.user_for_access_token(token, now).is_none() {
            return false;
        }
        let Some(index) = self.access_tokens.get(token).map(|a| a.session) else {
            return false;
        };
        self.end_session(index);
        true
    }
}

fn unauthorized(grant: &str) -> OidcError {
    OidcError::UnauthorizedClient(format!(
        "The client is not authorized to use grant type {grant}; register it with that grant type"
    ))
}

/// Ends a session and everything issued in it (a reused authorization code does this to
/// the session the code first opened, as RFC 6749 section 4.1.2 asks).
impl Oidc {
    pub(super) fn end_session(&mut self, index: usize) {
        let Some(session) = self.sessions.get_mut(index) else {
            return;
        };
        session.ended = true;
        if let Some(refresh) = session.refresh_token.take() {
            self.refresh_tokens.remove(&refresh);
        }
        self.access_tokens.retain(|_, a| a.session != index);
    }
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[path = "oidc_tests.rs"]
mod tests;
