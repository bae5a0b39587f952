//! One module per resource; each handler authenticates, asks the policy, calls the engine
//! and converts to the wire types. `before_policy` is what creating a request and a
//! request set check alike before the policy is asked.

pub mod actions;
pub mod activity;
pub mod admin;
pub mod audit;
pub mod before_policy;
pub mod explain;
pub mod grants;
pub mod me;
pub mod ops;
pub mod request_sets;
pub mod requests;
