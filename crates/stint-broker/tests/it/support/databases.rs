//! The databases a test runs on: a SQLite file in a temp dir always, and a fresh
//! PostgreSQL database when `STINT_TEST_POSTGRES_URL` names a server.

/// A database for one test: a SQLite file in a temp dir, or a fresh PostgreSQL database.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stint.db").display());
    TestDb {
        name: "sqlite",
        url,
        _dir: Some(dir),
    }
}

/// A new, empty database on the server `STINT_TEST_POSTGRES_URL` names, if it is set.
pub async fn postgres_db() -> Option<TestDb> {
    let server = std::env::var("STINT_TEST_POSTGRES_URL").ok()?;
    let name = format!("stint_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&name);
    Some(TestDb {
        name: "postgres",
        url: url.to_string(),
        _dir: None,
    })
}

/// SQLite always; PostgreSQL too when the environment names a server.
pub async fn databases() -> Vec<TestDb> {
    let mut dbs = vec![sqlite_db().await];
    match postgres_db().await {
        Some(db) => dbs.push(db),
        None => eprintln!(
            "STINT_TEST_POSTGRES_URL is not set: PostgreSQL skipped (run under scripts/with-postgres.sh)"
        ),
    }
    dbs
}
