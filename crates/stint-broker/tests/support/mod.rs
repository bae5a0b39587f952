//! Helpers shared by the broker's integration tests that run against `stint-sim`.
#![allow(dead_code)] // each test binary uses a different part

pub mod auth_broker;
pub mod client;
pub mod full_broker;
pub mod identity;
pub mod jump_clock;
pub mod process;
pub mod webhook_receiver;
