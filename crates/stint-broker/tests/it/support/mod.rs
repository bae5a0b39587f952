//! Helpers shared by the broker's integration tests: databases, the engine harness on a
//! manual clock, the API served in-process, real processes against `stint-sim`, a
//! webhook receiver, and the Identity Center adapter's contract.

pub mod api;
pub mod api_calls;
pub mod auth_broker;
pub mod authz_matrix;
pub mod client;
pub mod databases;
pub mod engine;
pub mod engine_sim;
pub mod event_stream;
pub mod full_broker;
pub mod group_scene;
pub mod idc_contract;
pub mod idc_contract_lifecycle;
pub mod identity;
pub mod jump_clock;
pub mod moto;
pub mod own_process;
pub mod process;
pub mod webhook_receiver;

/// The demo world, where each assignment takes half a second to be provisioned, as
/// Identity Center's do: the broker has to poll the creation and deletion status.
pub async fn slow_provisioning_sim() -> stint_sim::RunningSim {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    sim.set_faults(stint_sim::Faults {
        sso_admin: stint_sim::ApiFaults {
            provisioning_delay: Some(std::time::Duration::from_millis(500)),
            ..stint_sim::ApiFaults::default()
        },
        ..stint_sim::Faults::default()
    })
    .unwrap();
    sim
}
