//! Integration tests: the simulator in-process on a free port, driven over real HTTP by
//! the real AWS SDK clients (and the binary, for the ready line and signals).

mod activity;
mod authorize;
mod authorize_refusals;
mod binary;
mod control;
mod faults;
mod federation;
mod identitystore;
mod logs;
mod memberships;
mod memberships_faults;
mod oidc;
mod organizations;
mod portal;
mod signed;
mod sso_admin;
mod sso_admin_policies;
mod story;
mod sts;
mod support;
mod world_errors;
