//! The Stint broker: authenticates people, evaluates policies, runs the request workflow,
//! creates and deletes Identity Center account assignments on schedule, and keeps the
//! hash-chained audit log.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod activity;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backoff;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod edge;
pub mod idc;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod server;
pub mod store;
pub mod webhook;
pub mod workflow;
