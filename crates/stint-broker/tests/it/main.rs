//! The broker's integration tests, in one binary so the AWS SDK, axum and sqlx are linked
//! once. Each module is one subject, over real HTTP against `stint-sim` (or moto), real
//! processes of `stint-broker serve`, and SQLite — plus PostgreSQL when
//! `STINT_TEST_POSTGRES_URL` names a server (`scripts/with-postgres.sh`). Tests that change
//! process-wide state (the tracing subscriber, environment variables) run alone in a child
//! process: see `support::own_process`.

mod activity;
mod api_authz;
mod api_authz_not_found;
mod api_contract;
mod api_events;
mod api_explain_groups;
mod api_free_text;
mod api_groups;
mod api_lifecycle;
mod api_lifecycle_assignments;
mod api_logs;
mod api_openapi;
mod api_policy;
mod api_request_sets;
mod api_serve;
mod api_stream_cap;
mod audit_tamper;
mod auth_limits;
mod auth_login;
mod auth_login_sts;
mod auth_logs;
mod auth_store;
mod crash_kill9;
mod crash_kill9_groups;
mod crash_kill9_groups_ending;
mod database_faults;
mod doctor;
mod edge_http;
mod engine_assignments;
mod engine_decisions;
mod engine_groups;
mod engine_listings;
mod engine_revoke_extend;
mod engine_sim;
mod engine_sim_faults;
mod engine_sim_sets;
mod faults;
mod idc_error_mapping;
mod idc_memberships;
mod idc_moto;
mod idc_sim;
mod logs_story;
mod policy_cli;
mod policy_demo;
mod replicas;
mod replicas_process;
mod run_loop;
mod start_throttled;
mod store_story;
mod story_login;
mod support;
mod tls_reload_process;
mod webhook;
