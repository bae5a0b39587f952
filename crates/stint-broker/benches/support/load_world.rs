//! What `broker_load` runs against: the generated world (people, accounts, permission sets)
//! served by `stint-sim`, the policy that lets it grant, and the knobs that size the run.

use std::fmt::Write as _;

pub const GRANT_SETS: [&str; 4] = [
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AdministratorAccess",
    "BillingReadOnly",
];

/// Requests made during the load go here, so they never share an assignment with the
/// 10,000 whose revocation is measured.
pub const LOAD_SET: &str = "SupportUser";

pub struct Knobs {
    pub grants: usize,
    pub users: usize,
    pub accounts: usize,
    pub rate: u32,
    pub api_secs: u64,
    pub lead_secs: Option<u64>,
    pub spread_secs: u64,
}

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Knobs {
    pub fn from_env() -> Knobs {
        // `cargo bench` passes `--bench`; `cargo test --benches` runs a quick smoke test.
        let benching = std::env::args().any(|a| a == "--bench");
        let grants: usize = env_or("STINT_BENCH_GRANTS", if benching { 10_000 } else { 200 });
        let users = 40;
        let accounts = grants.div_ceil(users * GRANT_SETS.len()).max(2);
        Knobs {
            grants,
            users,
            accounts,
            rate: env_or("STINT_BENCH_RATE", if benching { 500 } else { 50 }),
            api_secs: env_or("STINT_BENCH_API_SECS", if benching { 30 } else { 3 }),
            lead_secs: std::env::var("STINT_BENCH_LEAD_SECS")
                .ok()
                .and_then(|v| v.parse().ok()),
            spread_secs: env_or("STINT_BENCH_SPREAD_SECS", if benching { 180 } else { 10 }),
        }
    }
}

pub fn account_id(i: usize) -> String {
    format!("{:012}", 700_000_000_000_u64 + i as u64)
}

pub fn user_name(i: usize) -> String {
    format!("user{i:03}")
}

/// The world: people in `everyone`, who all hold the baseline permission set in the
/// identity account; accounts in one OU; assignment changes complete at once.
pub fn world_toml(k: &Knobs) -> String {
    let mut w = String::from(
        r#"
[instance]
instance_arn = "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
identity_store_id = "d-9067a1b2c3"
region = "us-east-1"

[timing]
access_token_ttl = "8h"
session_ttl = "8h"
device_code_ttl = "10m"
device_poll_interval = "1s"
client_registration_ttl = "90d"
provisioning_delay = "0s"

[[operators]]
name = "stint-broker"
account = "111111111111"
role = "StintBrokerRole"
access_key_id = "AKIASTINTBROKERDEMO1"
secret_access_key = "demo-broker-secret-key-not-a-real-secret-000"

[organization]
management_account = "111111111111"

[[organization.ous]]
name = "Security"
parent = "Root"

[[organization.ous]]
name = "Workloads"
parent = "Root"

[[accounts]]
id = "111111111111"
name = "management"
email = "aws-management@example.com"
parent = "Root"

[[accounts]]
id = "222222222222"
name = "identity"
email = "aws-identity@example.com"
parent = "Security"

[[permission_sets]]
name = "StintBaseline"
session_duration = "1h"

[[assignments]]
account = "identity"
permission_set = "StintBaseline"
group = "everyone"
"#,
    );
    for set in GRANT_SETS.iter().chain([&LOAD_SET]) {
        let _ = write!(
            w,
            "\n[[permission_sets]]\nname = \"{set}\"\nsession_duration = \"1h\"\n"
        );
    }
    for i in 0..k.accounts {
        let _ = write!(
            w,
            "\n[[accounts]]\nid = \"{id}\"\nname = \"workload-{i:03}\"\nemail = \"aws-{i:03}@example.com\"\nparent = \"Workloads\"\n",
            id = account_id(i)
        );
    }
    let mut members = Vec::new();
    for i in 0..k.users {
        let name = user_name(i);
        let _ = write!(
            w,
            "\n[[users]]\nuser_name = \"{name}\"\ndisplay_name = \"User {i}\"\nemail = \"{name}@example.com\"\n"
        );
        members.push(format!("\"{name}\""));
    }
    let _ = write!(
        w,
        "\n[[groups]]\nname = \"everyone\"\nmembers = [{}]\n",
        members.join(", ")
    );
    w
}

pub const POLICY: &str = r#"
[settings]
max_duration = "8h"
approval_timeout = "1h"

[[eligibility]]
name = "self-service"
groups = ["everyone"]
ous = ["Workloads"]
nested_ous = true
permission_sets = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess", "BillingReadOnly", "SupportUser"]
max_duration = "8h"
approval_required = false
"#;
