//! Helpers for whole-system tests: the `stint` binary run as a person would run it, against an in-process simulator,
//! with a throw-away HOME. The keyring is the real Secret Service: run these tests
//! inside `scripts/with-keyring.sh`; without one they say so loudly and do nothing.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

pub mod agent_world;
pub mod broker;
pub mod proxy;

use serde_json::Value;
use stint_sim::{RunningSim, World};
use tokio::process::Command;

/// The `stint` binary, built by the same `cargo test` run (or `cargo build -p stint-cli`).
pub static BIN: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| binary("stint"));

/// A binary of this workspace: `STINT_<NAME>_BIN` if set, else in the folder above the test
/// executable's (`target/<profile>/`), where `cargo test` puts every workspace binary.
pub fn binary(name: &str) -> PathBuf {
    let var = format!("STINT_{}_BIN", name.to_uppercase().replace('-', "_"));
    if let Some(path) = std::env::var_os(&var) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test knows where it runs from");
    // target/<profile>/deps/<test>-<hash> → target/<profile>/<name>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    profile_dir.join(name)
}

#[derive(Clone)]
pub struct Env {
    pub sim: Arc<RunningSim>,
    home: Arc<tempfile::TempDir>,
    /// Distinct per test (and person), so parallel tests do not share keyring entries.
    pub session: String,
    /// Give the Identity Center settings as `STINT_*` overrides (no broker, no config).
    overrides: bool,
    /// `STINT_CA_FILE` for every command: a broker behind a test certificate.
    ca_file: Option<PathBuf>,
}

/// `None` (after a loud message) when no Secret Service is reachable.
pub async fn env() -> Option<Env> {
    env_in(World::demo()).await
}

/// [`env`] in another world (the demo's with a change, say).
pub async fn env_in(world: World) -> Option<Env> {
    if !keyring_available() {
        return None;
    }
    let sim = stint_sim::spawn(world).await.expect("simulator starts");
    let home = tempfile::tempdir().unwrap();
    let session = format!(
        "t{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    Some(Env {
        sim: Arc::new(sim),
        home: Arc::new(home),
        session,
        overrides: true,
        ca_file: None,
    })
}

fn keyring_available() -> bool {
    let probe = stint_client::store::KeyringStore::with_service("stint-test-probe").probe();
    match probe {
        Ok(()) => true,
        Err(e) if std::env::var_os("STINT_TEST_KEYRING").is_some() => {
            panic!("scripts/with-keyring.sh started a keyring, but it does not answer: {e}")
        }
        // In CI a missing prerequisite is a failure, not a skip.
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("no Secret Service in CI ({e}): run the tests inside scripts/with-keyring.sh")
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: no Secret Service reachable ({e}).\n*** Run: scripts/with-keyring.sh cargo test -p stint-e2e\n"
            );
            false
        }
    }
}

impl Env {
    /// Another person on another machine, against the same simulator.
    pub fn sharing(other: &Env, name: &str) -> Env {
        Env {
            sim: other.sim.clone(),
            home: Arc::new(tempfile::tempdir().unwrap()),
            session: format!("{}-{name}", other.session),
            overrides: other.overrides,
            ca_file: other.ca_file.clone(),
        }
    }

    /// The same person, relying on the configuration file (`stint configure`) instead of
    /// `STINT_*` overrides.
    pub fn without_overrides(&self) -> Env {
        Env {
            overrides: false,
            ..self.clone()
        }
    }

    /// The same person, trusting the certificates in `ca_file` (`STINT_CA_FILE`) in every
    /// command, the login included.
    pub fn trusting(&self, ca_file: &Path) -> Env {
        Env {
            ca_file: Some(ca_file.to_owned()),
            ..self.clone()
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `stint ARGS` with this test's HOME, the simulator's endpoints (as the AWS SDKs
    /// read them), and the Identity Center settings as environment overrides.
    pub fn stint(&self, args: &[&str]) -> Command {
        let mut cmd = self.program(&BIN);
        cmd.args(args);
        cmd
    }

    /// `program` (another Stint binary: the tray, say) with the environment `stint`
    /// gets, so it serves or reads the same login.
    pub fn program(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_CACHE_HOME", self.home().join(".cache"))
            .env("XDG_RUNTIME_DIR", self.home().join("run"))
            .env_remove("STINT_AGENT_SOCKET")
            .env_remove("STINT_AGENT")
            .env_remove("STINT_CONFIG")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("AWS_ENDPOINT_URL_SSO", self.sim.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.sim.url())
            .env("AWS_ENDPOINT_URL_STS", self.sim.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", self.sim.url())
            .env("STINT_SSO_SESSION", &self.session)
            .env("STINT_LOG", "trace")
            .env("STINT_BROWSER", self.browser_script())
            .kill_on_drop(true);
        if let Some(ca_file) = &self.ca_file {
            cmd.env("STINT_CA_FILE", ca_file);
        }
        if self.overrides {
            cmd.env("STINT_START_URL", self.sim.start_url())
                .env("STINT_SSO_REGION", self.sim.region())
                .env("STINT_BASELINE_ACCOUNT_ID", "222222222222")
                .env("STINT_BASELINE_ROLE", "StintBaseline");
        }
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let out = tokio::time::timeout(Duration::from_secs(120), self.stint(args).output())
            .await
            .expect("stint finishes within two minutes")
            .expect("stint runs");
        self.remember_stderr(&out);
        out
    }

    /// `stint ARGS` (which must print JSON) succeeded; what it printed.
    pub async fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args).await;
        assert!(out.status.success(), "stint {args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("stint {args:?} printed no JSON ({e}): {}", stdout(&out)))
    }

    /// Polls `stint ls --json` until `check` holds (60 s at most); `what` names it if not.
    pub async fn until_ls(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let ls = self.json(&["ls", "--json"]).await;
            if check(&ls) {
                return ls;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what} never happened: {ls}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A "browser" that records the URL it was asked to open.
    pub fn browser_script(&self) -> PathBuf {
        let path = self.home().join("browser.sh");
        if !path.exists() {
            let log = self.home().join("opened-urls");
            std::fs::write(
                &path,
                format!("#!/bin/sh\necho \"$1\" >> '{}'\n", log.display()),
            )
            .unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        path
    }

    pub fn opened_urls(&self) -> Vec<String> {
        std::fs::read_to_string(self.home().join("opened-urls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `stint login` as `user`, through the browser sign-in: the recorder "browser"
    /// (`STINT_BROWSER`) writes down the authorize URL; this follows it as the person
    /// would, approving on the simulator's sign-in page and letting the browser follow
    /// the redirect to the login's loopback listener.
    pub async fn login(&self, user: &str) -> Output {
        self.login_with(&["login"], user).await
    }

    /// `stint login --use-device-code` as `user`: approves the code on the verification
    /// page the recorder was sent to.
    pub async fn login_with_device_code(&self, user: &str) -> Output {
        self.login_with(&["login", "--use-device-code"], user).await
    }

    /// Runs `stint ARGS`, waits for it to open the recorder browser, and acts as `user`
    /// on whichever page it opened.
    pub async fn login_with(&self, args: &[&str], user: &str) -> Output {
        let before = self.opened_urls().len();
        // Output goes to files, not pipes: nobody reads a pipe until the login ends, and
        // trace logs would fill it and block the process.
        let out_path = self.home().join("login.stdout");
        let err_path = self.home().join("login.stderr");
        let mut child = self
            .stint(args)
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .unwrap();
        let collect = |status: std::process::ExitStatus| Output {
            status,
            stdout: std::fs::read(&out_path).unwrap_or_default(),
            stderr: std::fs::read(&err_path).unwrap_or_default(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Some(url) = self.opened_urls().get(before).cloned() {
                break url;
            }
            if child.try_wait().unwrap().is_some() || tokio::time::Instant::now() > deadline {
                let _ = child.start_kill();
                let out = collect(child.wait().await.unwrap());
                panic!("stint login never opened the browser: {}", stderr(&out));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        self.act_on_sign_in_page(&url, user).await;
        let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
            .await
            .expect("login finishes")
            .unwrap();
        let out = collect(status);
        self.remember_stderr(&out);
        out
    }

    /// What the person does on the page a login opened: allow Stint on the browser
    /// sign-in page (the browser then follows the redirect to the loopback listener and
    /// must be told it can close the tab), or approve the device code.
    pub async fn act_on_sign_in_page(&self, url: &str, user: &str) {
        if url.contains("/authorize?") {
            let decision = self
                .sim
                .approve_authorization(url, user)
                .expect("the simulator accepts the authorize URL");
            let page = reqwest::get(&decision.redirect_to)
                .await
                .expect("the loopback listener answers");
            assert!(page.status().is_success(), "{}", page.status());
            let text = page.text().await.unwrap();
            assert!(text.contains("close this tab"), "{text}");
        } else {
            let code = url
                .split("user_code=")
                .nth(1)
                .expect("the URL carries the code")
                .to_owned();
            self.sim
                .approve_device(&code, user)
                .expect("a pending code");
        }
    }

    fn remember_stderr(&self, out: &Output) {
        use std::io::Write;
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.stderr_log())
            .unwrap();
        log.write_all(&out.stderr).unwrap();
    }

    /// Every stderr (trace-level logs included) of every command this test ran.
    pub fn stderr_log(&self) -> PathBuf {
        std::env::temp_dir().join(format!("stint-cli-test-{}.stderr", self.session))
    }

    pub fn aws_cache_file(&self) -> PathBuf {
        self.home()
            .join(".aws/sso/cache")
            .join(stint_client::sso::aws_cache::file_name(&self.session))
    }
}

/// Polls `f` until it returns something (30 s at most).
pub async fn wait_for<T>(f: impl Fn() -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(v) = f() {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("condition reached within 30 s")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Files under `dir` (recursively) whose bytes contain `needle`. Symbolic links are not
/// followed and only regular files are read: a Wine prefix links `z:` to `/` and `com1` to
/// `/dev/ttyS0`, where a read blocks for ever (what made the Wine smoke test hang).
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && std::fs::read(&path).is_ok_and(|bytes| finder.find(&bytes).is_some())
            {
                found.push(path);
            }
        }
    }
    found
}

/// GetCallerIdentity with the AWS SDK for Rust, signed with these credentials, against the
/// simulator's STS: the ARN AWS sees.
pub async fn caller_arn(env: &Env, key: &str, secret: &str, token: &str) -> String {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(env.sim.region().to_owned()))
        .endpoint_url(env.sim.url())
        .credentials_provider(aws_credential_types::Credentials::new(
            key,
            secret,
            Some(token.to_owned()),
            None,
            "test",
        ))
        .load()
        .await;
    let out = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    out.arn().unwrap().to_owned()
}
