//! The Identity Center login: device authorization with SSO OIDC, silent renewal, the
//! machine-wide lock, and the shared AWS CLI token cache.

pub mod aws_cache;
mod oidc;
mod session;
pub mod token;

pub use session::{
    BrowserOpener, BrowserOutcome, DevicePrompt, LoginHooks, LoginProgress, REFRESH_BEFORE,
    REGISTRATION_SCOPE, SsoSession,
};
pub use token::{ClientRegistration, LoginStatus, SsoToken};
