//! The client core against the simulator, over real HTTP with the real AWS SDK clients:
//! device login, silent renewal, one login and one renewal per machine (`login`); the
//! browser sign-in with PKCE (`browser_login`); role
//! credentials and their cache, the signed identity request, console links, logout and the
//! AWS CLI's files (`access`).

#[path = "../support/mod.rs"]
mod support;

mod access;
mod browser_login;
mod login;

use stint_client::Target;

fn target(s: &str) -> Target {
    s.parse().unwrap()
}
