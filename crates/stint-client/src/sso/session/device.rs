//! The device-code login (RFC 8628): a code the person confirms on a page that may be on
//! another device, and the polling that waits for their answer.

use chrono::Duration;

use super::{BrowserOutcome, DevicePrompt, LoginHooks, LoginProgress, SsoSession};
use crate::error::{Error, Result};
use crate::sso::oidc::{DeviceAuthorization, IssuedToken, Poll};
use crate::sso::token::ClientRegistration;
use crate::store::keys;

/// RFC 8628 §3.5: on `slow_down`, the interval grows by 5 seconds.
const SLOW_DOWN_STEP: Duration = Duration::seconds(5);

impl SsoSession {
    /// Shows the code, opens the verification page if asked, and waits for the person.
    pub(super) async fn device_sign_in(
        &self,
        hooks: LoginHooks<'_>,
    ) -> Result<(ClientRegistration, IssuedToken)> {
        let mut registration = self.registration(false).await?;
        let device = match self
            .oidc
            .start_device_authorization(&registration, &self.settings.start_url)
            .await?
        {
            Some(device) => device,
            None => {
                registration = self.registration(true).await?;
                self.oidc
                    .start_device_authorization(&registration, &self.settings.start_url)
                    .await?
                    .ok_or_else(|| {
                        Error::protocol("SSO OIDC", "a new client registration was refused at once")
                    })?
            }
        };

        let browser = match hooks.open_browser {
            None => BrowserOutcome::NotRequested,
            Some(open) => match open(&device.verification_uri_complete) {
                Ok(()) => BrowserOutcome::Opened,
                Err(why) => BrowserOutcome::Failed(why),
            },
        };
        (hooks.on_progress)(LoginProgress::Prompt(DevicePrompt {
            user_code: device.user_code.clone(),
            verification_uri: device.verification_uri.clone(),
            verification_uri_complete: device.verification_uri_complete.clone(),
            expires_at: self.clock.now() + device.expires_in,
            browser,
        }));

        let issued = self.wait_for_approval(&registration, &device).await?;
        Ok((registration, issued))
    }

    async fn wait_for_approval(
        &self,
        registration: &ClientRegistration,
        device: &DeviceAuthorization,
    ) -> Result<IssuedToken> {
        let outcome = poll_until_decided(
            device.interval,
            device.expires_in,
            || self.oidc.poll(registration, device),
            tokio::time::sleep,
        )
        .await;
        match outcome {
            Ok(token) => Ok(token),
            Err(PollEnd::Expired) => Err(Error::DeviceCodeExpired {
                user_code: device.user_code.clone(),
            }),
            Err(PollEnd::Denied) => Err(Error::LoginDenied),
            Err(PollEnd::ClientRejected) => {
                self.vault
                    .delete(&keys::sso_registration(&self.settings.session_name))
                    .await?;
                Err(Error::protocol(
                    "SSO OIDC",
                    "the client registration was revoked during the login: run `stint login` again",
                ))
            }
            Err(PollEnd::Failed(e)) => Err(e),
        }
    }
}

/// Why polling stopped without a token.
#[derive(Debug)]
enum PollEnd {
    Expired,
    Denied,
    ClientRejected,
    Failed(Error),
}

/// Polls CreateToken every `interval` (RFC 8628 §3.5: plus 5 seconds after each
/// `slow_down`) until the person decides, the code expires, or `expires_in` (plus a
/// little grace, in case the service never says `expired_token`) has passed.
async fn poll_until_decided<P, PF, S, SF>(
    mut interval: Duration,
    expires_in: Duration,
    mut poll: P,
    mut sleep: S,
) -> std::result::Result<IssuedToken, PollEnd>
where
    P: FnMut() -> PF,
    PF: std::future::Future<Output = Result<Poll>>,
    S: FnMut(std::time::Duration) -> SF,
    SF: std::future::Future<Output = ()>,
{
    let budget = expires_in + Duration::seconds(30);
    let mut waited = Duration::zero();
    loop {
        if waited + interval > budget {
            return Err(PollEnd::Expired);
        }
        sleep(
            interval
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(5)),
        )
        .await;
        waited += interval;
        match poll().await {
            Ok(Poll::Issued(token)) => return Ok(token),
            Ok(Poll::Pending) => {}
            Ok(Poll::SlowDown) => interval += SLOW_DOWN_STEP,
            Ok(Poll::Expired) => return Err(PollEnd::Expired),
            Ok(Poll::Denied) => return Err(PollEnd::Denied),
            Ok(Poll::ClientRejected) => return Err(PollEnd::ClientRejected),
            Err(e) => return Err(PollEnd::Failed(e)),
        }
    }
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
