//! A database that takes no writes, for real: the broker says so ("database is read-only:
//! …", "database is full: …", 503 `database_read_only`) instead of a generic failure,
//! `/healthz` reports it while writes fail and recovers when they work again, and `serve`
//! refuses to start (no ready line) on a database it cannot write.
//!
//! - SQLite opened read-only (`?mode=ro`): `serve` exits 1 before its ready line.
//! - SQLite on a disk that fills up: the broker runs in its own mount namespace with its
//!   database on a small tmpfs, which the test fills through `/proc/PID/root`.
//! - PostgreSQL turned read-only under a running broker (`ALTER DATABASE … SET
//!   default_transaction_read_only`, its connections ended as a failover would).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use stint_broker::store::WriteFault;

use crate::support::client::{BrokerClient, Session, eventually};
use crate::support::databases::postgres_db;
use crate::support::full_broker::{AUDIENCE, DEMO_POLICY, FullBroker};
use crate::support::process::ProcessSetup;

const WAIT: Duration = Duration::from_secs(60);

async fn healthz(base: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the broker answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ask(k: usize) -> Value {
    json!({
        "account": "dev",
        "permissionSet": "ReadOnlyAccess",
        "durationSecs": 3600,
        "reason": format!("database fault test {k}"),
    })
}

/// Asks for access until the broker refuses because of the database (at most `tries`
/// times: a write may still fit where the database had room), and returns that answer.
async fn create_until_refused(api: &BrokerClient, who: &Session, tries: usize) -> Value {
    for k in 0..tries {
        let (status, body) = api.post(who, "/v1/requests", ask(k)).await;
        match status {
            201 => continue,
            503 if body["code"] == "database_read_only" => return body,
            // A connection the database ended may fail once before the pool reconnects.
            503 if body["code"] == "unavailable" => continue,
            _ => panic!("unexpected answer {status}: {body}"),
        }
    }
    panic!("{tries} requests were all recorded: the database never refused a write")
}

#[tokio::test]
async fn a_read_only_sqlite_connection_is_told_apart_from_other_failures() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stint.db");
    let writable = stint_broker::store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    writable
        .check_writes()
        .await
        .expect("a writable file takes the write");
    let read_only = stint_broker::store::open(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .expect("a current database opens read-only");
    read_only.audit_head().await.expect("reads work");
    let refused = read_only.check_writes().await.unwrap_err();
    match refused.write_fault() {
        Some(WriteFault::ReadOnly(detail)) => {
            assert!(
                detail.starts_with("SQLite refused the write (code 8"),
                "{detail}"
            );
        }
        other => panic!("{refused} was read as {other:?}"),
    }
    // A failure that is not about writes is not called one.
    let conflict = stint_broker::store::StoreError::Conflict;
    assert_eq!(conflict.write_fault(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_on_a_read_only_sqlite_file_before_its_ready_line() {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stint.db");
    // The database exists and is current, as after any earlier run.
    stint_broker::store::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("the database is made");
    let setup = ProcessSetup::new(
        &sim,
        &format!("sqlite://{}?mode=ro", file.display()),
        DEMO_POLICY,
        &[],
    );
    let config = setup.config();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        setup
            .command(&[
                "serve",
                "--config",
                config.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .output(),
    )
    .await
    .expect("serve exits on its own")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("\"ready\""),
        "a broker that cannot write said it was ready: {stdout}"
    );
    assert!(
        stderr.contains(
            "the broker did not start: database is read-only: SQLite refused the write (code "
        ),
        "{stderr}"
    );
}

/// `--user --map-root-user` lets a user who is not root make the namespace; root needs
/// only the mount namespace.
fn namespace_wrapper(mount_point: &Path) -> Vec<String> {
    let mut wrapper = vec!["unshare".to_owned()];
    if !is_root() {
        wrapper.extend(["--user".to_owned(), "--map-root-user".to_owned()]);
    }
    wrapper.extend([
        "--mount".to_owned(),
        "sh".to_owned(),
        "-c".to_owned(),
        // $0 is the mount point; the broker's command line follows.
        r#"mount -t tmpfs -o size=8m stint-test-db "$0" && exec "$@""#.to_owned(),
        mount_point.display().to_string(),
    ]);
    wrapper
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// Writes zeros to `path` until the file system says it is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("the filler is created");
    let chunk = vec![0u8; 64 * 1024];
    loop {
        match file.write_all(&chunk) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling the tmpfs failed otherwise: {e}"),
        }
    }
    let _ = file.sync_all();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_a_running_sqlite_broker_is_said_so_and_healthz_fails_until_freed() {
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let mount_point: PathBuf = work.path().join("db");
    std::fs::create_dir(&mount_point).unwrap();
    let db_url = format!("sqlite://{}", mount_point.join("stint.db").display());
    let setup = ProcessSetup::new(&sim, &db_url, DEMO_POLICY, &[]);
    let wrapper = namespace_wrapper(&mount_point);
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    let mut broker = setup.spawn_via(&wrapper).await;
    let api = BrokerClient::new(&broker.url);
    let alice = api.login(&sim, "alice", AUDIENCE).await;
    assert_eq!(healthz(&broker.url).await.0, 200);

    // The tmpfs is the broker's alone; the test reaches it through the broker's root.
    let filler = PathBuf::from(format!(
        "/proc/{}/root{}",
        broker.pid,
        mount_point.join("filler").display()
    ));
    fill(&filler);

    let refused = create_until_refused(&api, &alice, 50).await;
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.starts_with("database is full: SQLite refused the write (code 13"),
        "{refused}"
    );
    assert!(message.contains("free disk space"), "{message}");
    let (status, body) = healthz(&broker.url).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["code"],
        "database_read_only",
        "{body}\n{}",
        broker.output()
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("database is full:"),
        "{body}"
    );
    // Reads still work.
    assert_eq!(api.get(&alice, "/v1/requests").await.0, 200);

    std::fs::remove_file(&filler).unwrap();
    eventually("healthz to recover once space is free", WAIT, || async {
        healthz(&broker.url).await.0 == 200
    })
    .await;
    api.create(&alice, ask(1000)).await;
    let output = broker.output();
    assert_eq!(broker.terminate().await.code(), Some(0), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_turned_read_only_under_a_running_broker_is_said_so_until_it_is_writable() {
    let Some(db) = postgres_db().await else {
        eprintln!(
            "STINT_TEST_POSTGRES_URL is not set: read-only PostgreSQL test skipped (run under scripts/with-postgres.sh)"
        );
        return;
    };
    let sim = stint_sim::spawn(stint_sim::World::demo()).await.unwrap();
    let broker = FullBroker::start(&sim, &db.url, None).await;
    let api = BrokerClient::new(&broker.url);
    let alice = api.login(&sim, "alice", AUDIENCE).await;
    assert_eq!(healthz(&broker.url).await.0, 200);

    // As after a failover to a standby: new sessions are read-only, old ones are gone.
    // One connection of the test's own, made before, so it can turn writes back on.
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    read_only(&mut admin, true).await;

    let refused = create_until_refused(&api, &alice, 5).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("database is read-only: PostgreSQL refused the write (SQLSTATE 25006"),
        "{refused}"
    );
    let (status, body) = healthz(&broker.url).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "database_read_only", "{body}");
    // Signing in writes a session: refused the same way.
    let (status, body) = sign_in_status(&api, &sim).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "database_read_only", "{body}");
    // Reads still work.
    assert_eq!(api.get(&alice, "/v1/requests").await.0, 200);

    read_only(&mut admin, false).await;
    eventually("healthz to recover once writes work", WAIT, || async {
        healthz(&broker.url).await.0 == 200
    })
    .await;
    api.create(&alice, ask(1000)).await;
    broker.stop().await;
}

/// Sets or resets `default_transaction_read_only` on the connection's database and ends
/// every other connection to it, so the broker's pool reconnects with the new default.
async fn read_only(admin: &mut sqlx::PgConnection, on: bool) {
    let set = if on {
        "SET default_transaction_read_only = on"
    } else {
        "RESET default_transaction_read_only"
    };
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *admin)
        .await
        .unwrap();
    sqlx::query(&format!("ALTER DATABASE \"{name}\" {set}"))
        .execute(&mut *admin)
        .await
        .unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut *admin)
    .await
    .unwrap();
}

/// `POST /v1/auth/aws` for bob, its status and body.
async fn sign_in_status(api: &BrokerClient, sim: &stint_sim::RunningSim) -> (u16, Value) {
    use crate::support::identity::identity_request;
    let signed = identity_request(sim, "bob", AUDIENCE).await;
    let response = reqwest::Client::new()
        .post(format!("{}{}", api.base, stint_api::routes::AUTH_AWS))
        .json(&signed)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
