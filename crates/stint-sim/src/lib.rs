//! `stint-sim`: a local IAM Identity Center that speaks the real AWS wire protocols, so
//! the real AWS SDK clients (Rust, Python, the AWS CLI) run against it unchanged, with
//! only an endpoint override.
//!
//! One port serves everything: SSO OIDC (device and browser sign-in), the SSO access
//! portal API, SSO Admin, Identity Store, Organizations, STS `GetCallerIdentity`,
//! CloudWatch Logs (Logs Insights over the organization trail), a few S3/EC2/DynamoDB read
//! calls, the federation sign-in endpoint, the device verification and browser sign-in
//! pages, an access portal page, and the `/_sim` control API for tests.
//! `worlds/FORMAT.md` describes the world file and each addition in detail.
//!
//! # Starting it in a test
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let sim = stint_sim::spawn(stint_sim::World::demo()).await?;
//! // Point every AWS SDK client at `sim.url()` with region `sim.region()`; sign admin
//! // calls with `sim.operator_credentials()`.
//! println!("serving {} for {}", sim.url(), sim.instance_arn());
//!
//! // Act as the person on the verification page, move time, inject faults:
//! # let user_code = "BCDF-GHJK";
//! sim.approve_device(user_code, "alice").expect("a pending device authorization");
//! sim.advance_clock(std::time::Duration::from_secs(3600));
//! let calls = sim.calls_since(0);
//! # let _ = calls;
//! # Ok(()) }
//! ```
//!
//! With the AWS SDK for Rust:
//!
//! ```ignore
//! let creds = sim.operator_credentials();
//! let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
//!     .region(aws_config::Region::new(sim.region().to_owned()))
//!     .endpoint_url(sim.url())
//!     .credentials_provider(aws_credential_types::Credentials::new(
//!         creds.access_key_id,
//!         creds.secret_access_key.expose(),
//!         None,
//!         None,
//!         "stint-sim",
//!     ))
//!     .load()
//!     .await;
//! let admin = aws_sdk_ssoadmin::Client::new(&config);
//! ```
//!
//! **Signing after moving the clock.** SigV4-signed calls (admin APIs, STS) must be
//! signed within 15 minutes of the simulator's clock, as AWS requires of its own. After
//! [`RunningSim::advance_clock`] by more than that, sign with the simulator's time: give
//! the SDK config a time source that reads [`RunningSim::clock`]
//! (`impl aws_smithy_async::time::TimeSource for SimTime { fn now(&self) -> SystemTime {
//! self.0.now().into() } }`). Unsigned APIs (OIDC, the portal) need nothing.
//!
//! # Behaviour worth knowing
//!
//! - Account assignment creation and deletion are asynchronous: `IN_PROGRESS` for the
//!   world's `timing.provisioning_delay` (or the fault override), then `SUCCEEDED` (or
//!   `FAILED` when forced). The change lands when the delay has passed on the sim clock,
//!   so tests wait or advance the clock. A second create or delete on the same account
//!   and permission set while one is in progress gets `ConflictException`.
//! - Creating an assignment that already exists succeeds without a duplicate; deleting
//!   one that does not exist is refused with `ResourceNotFoundException`.
//! - `GetRoleCredentials` works only for an assignment held at that moment (directly or
//!   through a group), else `ForbiddenException` (HTTP 403, "No access"), as AWS answers.
//!   Issued credentials stay valid until their own expiry, even after the assignment is
//!   deleted: AWS has no way to end them, and Stint must be honest about that.
//! - CreateToken issues a refresh token only if the client registration or the request
//!   asked for scope `sso:account:access`; a refresh rotates it, and refreshing stops
//!   at the end of the sign-in session (`timing.session_ttl`). Logout ends the session.
//! - Admin APIs accept only the world's `[[operators]]` keys; role credentials get
//!   `AccessDeniedException` there. STS `GetCallerIdentity` and the S3/EC2/DynamoDB read
//!   calls accept both, signed for any region.
//! - Browser sign-in: `/authorize` checks the client and its registered redirect URI,
//!   then a person (or [`RunningSim::approve_authorization`]) approves; CreateToken with
//!   `authorization_code` checks the code (single use, `timing.authorization_code_ttl`),
//!   the redirect URI and the PKCE S256 verifier.
//! - Group memberships change with identitystore's write calls, synchronously; the portal
//!   reflects them at once.
//! - Every call made with issued role credentials, and every console sign-in, is a
//!   CloudTrail record, visible to Logs Insights queries `[cloudtrail] delivery_delay`
//!   after the event ([`RunningSim::trail`] shows them all).
//! - Ids the world file does not give (user, group, OU, root, permission set ARNs, role
//!   suffixes) are derived from names, so they are the same on every start.
//!
//! # Control API (`/_sim`)
//!
//! `POST /_sim/device/approve {"userCode"|"deviceCode", "userName", "deny"}`,
//! `POST /_sim/authorize/approve {"authorizeUrl", "userName", "deny"}`
//! ([`AuthorizeDecision`]), `GET /_sim/memberships`, `GET /_sim/cloudtrail`,
//! `GET /_sim/clock`, `POST /_sim/clock/advance {"seconds"}`, `GET|PUT /_sim/faults`
//! (the world file's `[faults]` shape, see [`Faults`]), `GET /_sim/assignments`,
//! `GET /_sim/calls?since=<seq>` ([`CallPage`]), `GET /_sim/world` (ids included).
//! The JSON shapes are the types in [`control`].
#![forbid(unsafe_code)]

mod calls;
mod clock;
pub mod control;
mod faults;
mod http;
mod insights;
mod secret;
mod server;
mod sigv4;
mod sim;
mod state;
mod world;

pub use clock::SimClock;
pub use control::{
    AssignmentView, AssignmentsSnapshot, AuthorizeApproval, AuthorizeDecision, CallPage,
    CallRecord, ClockState, ControlError, DeviceApproval, DeviceDecision, MembershipView,
    MembershipsSnapshot, OperationView, TrailRecordView, TrailSnapshot,
};
pub use faults::{Api, ApiFaults, Faults, ForceFailed};
pub use secret::Secret;
pub use server::{
    Endpoints, OperatorCredentials, Ready, RunningSim, base_url, serve, spawn, spawn_on,
};
pub use world::{
    Account, Assignment, CloudTrail, DEMO_WORLD_TOML, ExternalId, Group, Instance, Operator,
    OrgUnit, Organization, PermissionSet, PermissionSetPolicies, PrincipalType, Problem, Timing,
    User, World, WorldError,
};
