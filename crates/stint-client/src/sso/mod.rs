//! The Identity Center login: the browser sign-in (authorization code with PKCE) or
//! device authorization with SSO OIDC, silent renewal, the
//! machine-wide lock, and the shared AWS CLI token cache.

pub mod aws_cache;
mod loopback;
mod oidc;
mod pkce;
mod session;
pub mod token;

pub use session::{
    BROWSER_WAIT, BrowserOpener, BrowserOutcome, BrowserPrompt, DevicePrompt, LoginFlow,
    LoginHooks, LoginProgress, REFRESH_BEFORE, REGISTRATION_SCOPE, SsoSession,
};
pub use token::{ClientRegistration, LoginStatus, SsoToken};
