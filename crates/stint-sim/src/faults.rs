//! Fault injection: per API, a throttling rate, a 5xx rate, added latency, for sso-admin
//! a provisioning delay override and forced FAILED statuses, and for identitystore a
//! conflict rate and a held answer to membership writes. The same shape is
//! the world file's `[faults]` table and the body of `GET`/`PUT /_sim/faults`.
//!
//! Randomness comes from one seeded RNG ([`Faults::seed`]), so a test that sets a seed
//! sees the same sequence of throttles and errors on every run.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The APIs faults can target, by the names the world file and the control API use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    SsoAdmin,
    IdentityStore,
    Organizations,
    SsoOidc,
    Sso,
    Sts,
    /// CloudWatch Logs (the trail's Logs Insights queries).
    Logs,
}

impl Api {
    pub const ALL: [Api; 7] = [
        Api::SsoAdmin,
        Api::IdentityStore,
        Api::Organizations,
        Api::SsoOidc,
        Api::Sso,
        Api::Sts,
        Api::Logs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Api::SsoAdmin => "sso_admin",
            Api::IdentityStore => "identitystore",
            Api::Organizations => "organizations",
            Api::SsoOidc => "sso_oidc",
            Api::Sso => "sso",
            Api::Sts => "sts",
            Api::Logs => "logs",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every API's faults, plus the RNG seed. `Default` is "no faults".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Seeds the RNG that decides which calls are throttled or fail. Setting faults with a
    /// seed restarts the sequence; without one the simulator uses seed 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub sso_admin: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub identitystore: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub organizations: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub sso_oidc: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub sso: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub sts: ApiFaults,
    #[serde(default, skip_serializing_if = "ApiFaults::is_none")]
    pub logs: ApiFaults,
}

impl Faults {
    pub fn api(&self, api: Api) -> &ApiFaults {
        match api {
            Api::SsoAdmin => &self.sso_admin,
            Api::IdentityStore => &self.identitystore,
            Api::Organizations => &self.organizations,
            Api::SsoOidc => &self.sso_oidc,
            Api::Sso => &self.sso,
            Api::Sts => &self.sts,
            Api::Logs => &self.logs,
        }
    }

    pub fn api_mut(&mut self, api: Api) -> &mut ApiFaults {
        match api {
            Api::SsoAdmin => &mut self.sso_admin,
            Api::IdentityStore => &mut self.identitystore,
            Api::Organizations => &mut self.organizations,
            Api::SsoOidc => &mut self.sso_oidc,
            Api::Sso => &mut self.sso,
            Api::Sts => &mut self.sts,
            Api::Logs => &mut self.logs,
        }
    }

    /// What is wrong with these faults, per API, if anything.
    pub fn problems(&self) -> Vec<(Api, String)> {
        Api::ALL
            .iter()
            .flat_map(|&api| {
                self.api(api)
                    .problems(api)
                    .into_iter()
                    .map(move |p| (api, p))
            })
            .collect()
    }
}

/// One API's faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFaults {
    /// Fraction of calls (0.0 to 1.0) answered with the API's throttling error.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub throttle_rate: f64,
    /// Fraction of calls (0.0 to 1.0) answered with the API's 5xx error.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub error_rate: f64,
    /// Added to every call before it is answered.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub latency_ms: u64,
    /// identitystore only: the fraction of membership writes answered ConflictException
    /// (`CONCURRENT_MODIFICATION`), as AWS does when another write to the group is in flight.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub conflict_rate: f64,
    /// identitystore only: a membership write that succeeds (CreateGroupMembership,
    /// DeleteGroupMembership) changes the membership and is logged at once, but its answer
    /// is held this long. `latency_ms` delays a call before it is carried out, so a client
    /// that dies meanwhile changes nothing; this is the other half: a client that dies now
    /// never learns that its change was made.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub write_answer_delay_ms: u64,
    /// sso_admin only: how long assignment creation and deletion stay IN_PROGRESS,
    /// instead of the world's `timing.provisioning_delay`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_humantime"
    )]
    pub provisioning_delay: Option<Duration>,
    /// sso_admin only: the next N (a number) or every (`"all"`) creation and deletion ends
    /// FAILED instead of SUCCEEDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_failed: Option<ForceFailed>,
}

impl ApiFaults {
    pub fn is_none(&self) -> bool {
        *self == ApiFaults::default()
    }

    fn problems(&self, api: Api) -> Vec<String> {
        let mut out = Vec::new();
        for (name, rate) in [
            ("throttle_rate", self.throttle_rate),
            ("error_rate", self.error_rate),
            ("conflict_rate", self.conflict_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                out.push(format!(
                    "{name} must be between 0.0 and 1.0 (a fraction of calls), not {rate}"
                ));
            }
        }
        if api != Api::IdentityStore && self.conflict_rate != 0.0 {
            out.push(format!(
                "conflict_rate only applies to identitystore, not {api}"
            ));
        }
        if api != Api::IdentityStore && self.write_answer_delay_ms != 0 {
            out.push(format!(
                "write_answer_delay_ms only applies to identitystore, not {api}"
            ));
        }
        if api != Api::SsoAdmin {
            if self.provisioning_delay.is_some() {
                out.push(format!(
                    "provisioning_delay only applies to sso_admin, not {api}"
                ));
            }
            if self.force_failed.is_some() {
                out.push(format!("force_failed only applies to sso_admin, not {api}"));
            }
        }
        out
    }
}

fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

/// Which asynchronous assignment operations are forced to end FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceFailed {
    /// The next N operations (counts down as they are started).
    Next(u32),
    /// Every operation until faults change.
    All,
}

impl Serialize for ForceFailed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ForceFailed::Next(n) => s.serialize_u32(*n),
            ForceFailed::All => s.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for ForceFailed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ForceFailed;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of operations, or \"all\"")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ForceFailed, E> {
                u32::try_from(v)
                    .map(ForceFailed::Next)
                    .map_err(|_| E::custom("force_failed is too large"))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ForceFailed, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("force_failed cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ForceFailed, E> {
                if v == "all" {
                    Ok(ForceFailed::All)
                } else {
                    Err(E::custom(format!(
                        "force_failed is a number of operations or \"all\", not \"{v}\""
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Durations as humantime strings ("1s", "2m 30s"), the world file's convention.
pub(crate) mod optional_humantime {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        humantime::parse_duration(&text).map(Some).map_err(|e| {
            serde::de::Error::custom(format!(
                "\"{text}\" is not a duration ({e}); write it like \"500ms\", \"2s\" or \"1m\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_uses_the_world_file_shape() {
        let json = r#"{"seed":7,"sso_admin":{"throttle_rate":0.5,"provisioning_delay":"3s","force_failed":"all"},"sts":{"latency_ms":20}}"#;
        let faults: Faults = serde_json::from_str(json).unwrap();
        assert_eq!(faults.seed, Some(7));
        assert_eq!(faults.sso_admin.throttle_rate, 0.5);
        assert_eq!(
            faults.sso_admin.provisioning_delay,
            Some(Duration::from_secs(3))
        );
        assert_eq!(faults.sso_admin.force_failed, Some(ForceFailed::All));
        assert_eq!(faults.sts.latency_ms, 20);
        let back: Faults = serde_json::from_value(serde_json::to_value(&faults).unwrap()).unwrap();
        assert_eq!(back, faults);
    }

    #[test]
    fn force_failed_takes_a_count() {
        let f: ApiFaults = serde_json::from_str(r#"{"force_failed":2}"#).unwrap();
        assert_eq!(f.force_failed, Some(ForceFailed::Next(2)));
        assert!(serde_json::from_str::<ApiFaults>(r#"{"force_failed":"some"}"#).is_err());
    }

    #[test]
    fn problems_name_the_field() {
        let mut faults = Faults::default();
        faults.sts.throttle_rate = 1.5;
        faults.sso.force_failed = Some(ForceFailed::All);
        faults.sso_admin.write_answer_delay_ms = 500;
        let problems = faults.problems();
        assert_eq!(problems.len(), 3);
        assert!(
            problems
                .iter()
                .any(|(api, p)| *api == Api::Sts && p.contains("throttle_rate"))
        );
        assert!(
            problems
                .iter()
                .any(|(api, p)| *api == Api::Sso && p.contains("only applies to sso_admin"))
        );
        assert!(problems.iter().any(|(api, p)| *api == Api::SsoAdmin
            && p.contains("write_answer_delay_ms only applies to identitystore")));
        faults.sso_admin.write_answer_delay_ms = 0;
        faults.identitystore.write_answer_delay_ms = 500;
        assert_eq!(faults.problems().len(), 2);
    }
}

/// What fault injection decided for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    Throttle,
    ServerError,
}

/// The running fault configuration and its seeded RNG.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    faults: Faults,
    rng: rand::rngs::StdRng,
}

impl FaultEngine {
    pub fn new(faults: Faults) -> Self {
        use rand::SeedableRng;
        let rng = rand::rngs::StdRng::seed_from_u64(faults.seed.unwrap_or(0));
        Self { faults, rng }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults and restarts the RNG from their seed.
    pub fn set(&mut self, faults: Faults) {
        *self = Self::new(faults);
    }

    /// The latency to add and whether to refuse one call to `api`.
    pub fn roll(&mut self, api: Api) -> (Duration, Option<Injected>) {
        use rand::Rng;
        let f = self.faults.api(api).clone();
        let latency = Duration::from_millis(f.latency_ms);
        // Draw only for a configured rate, so one API's faults do not shift another's
        // sequence.
        if f.throttle_rate > 0.0 && self.rng.gen_bool(f.throttle_rate.clamp(0.0, 1.0)) {
            return (latency, Some(Injected::Throttle));
        }
        if f.error_rate > 0.0 && self.rng.gen_bool(f.error_rate.clamp(0.0, 1.0)) {
            return (latency, Some(Injected::ServerError));
        }
        (latency, None)
    }

    /// Whether this identitystore write meets an injected ConflictException.
    pub fn roll_conflict(&mut self, api: Api) -> bool {
        use rand::Rng;
        let rate = self.faults.api(api).conflict_rate;
        rate > 0.0 && self.rng.gen_bool(rate.clamp(0.0, 1.0))
    }

    /// How long to hold the answer to a membership write that was carried out.
    pub fn write_answer_delay(&self) -> Duration {
        Duration::from_millis(self.faults.identitystore.write_answer_delay_ms)
    }

    pub fn provisioning_delay(&self, default: Duration) -> Duration {
        self.faults.sso_admin.provisioning_delay.unwrap_or(default)
    }

    /// Whether the operation being started must end FAILED; counts `Next(n)` down.
    pub fn take_forced_failure(&mut self) -> bool {
        match &mut self.faults.sso_admin.force_failed {
            None => false,
            Some(ForceFailed::All) => true,
            Some(ForceFailed::Next(0)) => {
                self.faults.sso_admin.force_failed = None;
                false
            }
            Some(ForceFailed::Next(n)) => {
                *n -= 1;
                if *n == 0 {
                    self.faults.sso_admin.force_failed = None;
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod engine_tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut faults = Faults {
            seed: Some(42),
            ..Faults::default()
        };
        faults.sso_admin.throttle_rate = 0.5;
        let run = || {
            let mut e = FaultEngine::new(faults.clone());
            (0..32).map(|_| e.roll(Api::SsoAdmin).1).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.contains(&Some(Injected::Throttle)));
        assert!(first.contains(&None));
    }

    #[test]
    fn forced_failures_count_down() {
        let mut faults = Faults::default();
        faults.sso_admin.force_failed = Some(ForceFailed::Next(2));
        let mut e = FaultEngine::new(faults);
        assert!(e.take_forced_failure());
        assert!(e.take_forced_failure());
        assert!(!e.take_forced_failure());
        assert_eq!(e.faults().sso_admin.force_failed, None);
    }
}
