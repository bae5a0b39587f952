//! `stint credential-process` with a warm cache versus botocore's SSO credential provider,
//! against the same simulator, in the same run. Prints a Markdown table.
//!
//! Needs a Secret Service and the repository's Python (`scripts/install-python.sh`):
//!
//! ```text
//! scripts/with-keyring.sh cargo bench -p stint-cli --bench credential_process
//! ```
//!
//! Each call is a fresh process, as the AWS tools run `credential_process` (stint) or
//! resolve a profile (botocore, which keeps no SSO role credentials between processes).
//! botocore is also measured inside one warm Python process, which leaves out Python's
//! start-up, to show the network round trip alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CALLS: usize = 30;
const TARGET: &str = "555555555555/ReadOnlyAccess";
const PROFILE: &str = "dev-ReadOnlyAccess";

fn main() {
    let python = std::env::var_os("STINT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var("CARGO_MANIFEST_DIR")
                    .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
            )
            .join("../../.venv/bin/python")
        });
    if !python.exists() {
        eprintln!(
            "skipped: no Python with botocore at {} (scripts/install-python.sh)",
            python.display()
        );
        return;
    }
    if let Err(e) = stint_client::store::KeyringStore::new().probe() {
        eprintln!("skipped: no Secret Service ({e}); run inside scripts/with-keyring.sh");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime
        .block_on(stint_sim::spawn(stint_sim::World::demo()))
        .expect("simulator starts");
    let home = tempfile::tempdir().unwrap();
    let env = Env {
        url: sim.url().to_owned(),
        start_url: sim.start_url(),
        region: sim.region().to_owned(),
        home: home.path().to_owned(),
    };

    // Log in as alice: the browser hook records the URL, we approve its code.
    let mut login = env.stint(&["login"]).stderr(Stdio::null()).spawn().unwrap();
    let opened = home.path().join("opened-urls");
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        if let Some(line) = std::fs::read_to_string(&opened)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_owned))
        {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "stint login never opened the browser"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let code = url.split("user_code=").nth(1).unwrap();
    sim.approve_device(code, "alice").unwrap();
    assert!(login.wait().unwrap().success(), "stint login failed");
    assert!(
        env.stint(&["setup", "profiles", "--style", "sso"])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    );

    // Warm Stint's cache, and check both paths work before timing them.
    assert!(
        env.stint(&["credential-process", TARGET])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let botocore_once = r#"
import sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials().get_frozen_credentials()
assert c.access_key
"#;
    let botocore_warm = r#"
import sys, time, botocore.session
from botocore.credentials import SSOProvider
s = botocore.session.Session(profile=sys.argv[1])
resolver = s.get_component('credential_provider')
provider = resolver.get_provider('sso')
n = int(sys.argv[2]); times = []
for _ in range(n):
    provider.cache = {}
    t = time.perf_counter(); provider.load().get_frozen_credentials(); times.append(time.perf_counter() - t)
times.sort(); print(times[len(times)//2])
"#;
    assert!(
        env.python(&python, &["-c", botocore_once, PROFILE])
            .status()
            .unwrap()
            .success(),
        "botocore cannot resolve the profile"
    );

    let stint = time(|| {
        let out = env.stint(&["credential-process", TARGET]).output().unwrap();
        assert!(out.status.success());
    });
    let botocore = time(|| {
        assert!(
            env.python(&python, &["-c", botocore_once, PROFILE])
                .status()
                .unwrap()
                .success()
        );
    });
    let warm = env
        .python(&python, &["-c", botocore_warm, PROFILE, &CALLS.to_string()])
        .output()
        .unwrap();
    let warm_median: f64 = String::from_utf8_lossy(&warm.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);

    println!("| per call ({CALLS} calls, median) | time | Stint is |");
    println!("| --- | ---: | ---: |");
    println!(
        "| `stint credential-process`, warm cache (new process each) | {:.1} ms | |",
        ms(stint)
    );
    println!(
        "| botocore SSO provider (new process each) | {:.1} ms | {} |",
        ms(botocore),
        relative(ms(stint), ms(botocore))
    );
    // Not a like-for-like comparison (no process start, no profile resolution): it shows
    // what one network round trip to the portal costs, which Stint's cache saves.
    println!(
        "| botocore SSO provider (inside one warm process: GetRoleCredentials only) | {:.1} ms | {} |",
        warm_median * 1000.0,
        relative(ms(stint), warm_median * 1000.0)
    );
    runtime.block_on(async { drop(sim) });
}

struct Env {
    url: String,
    start_url: String,
    region: String,
    home: PathBuf,
}

impl Env {
    fn apply(&self, cmd: &mut Command) {
        let browser = self.home.join("browser.sh");
        if !browser.exists() {
            std::fs::write(
                &browser,
                format!(
                    "#!/bin/sh\necho \"$1\" >> '{}'\n",
                    self.home.join("opened-urls").display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // `cargo bench` sets LD_LIBRARY_PATH to its build folders, which makes the dynamic
        // loader search them for every shared library; people's shells do not.
        cmd.env_remove("LD_LIBRARY_PATH")
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env("AWS_ENDPOINT_URL_SSO", &self.url)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &self.url)
            .env("AWS_ENDPOINT_URL_STS", &self.url)
            .env("AWS_ENDPOINT_URL_SIGNIN", &self.url)
            .env("STINT_START_URL", &self.start_url)
            .env("STINT_SSO_REGION", &self.region)
            .env("STINT_BASELINE_ACCOUNT_ID", "222222222222")
            .env("STINT_BASELINE_ROLE", "StintBaseline")
            .env("STINT_SSO_SESSION", format!("bench{}", std::process::id()))
            .env("STINT_BROWSER", &browser)
            .env("STINT_LOG", "warn");
    }

    fn stint(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stint"));
        cmd.args(args);
        self.apply(&mut cmd);
        cmd
    }

    fn python(&self, python: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(python);
        cmd.args(args);
        self.apply(&mut cmd);
        cmd
    }
}

/// The median of `CALLS` timed runs.
fn time(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..CALLS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[CALLS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "19× faster" or "3.3× slower": how Stint's time compares with another's.
fn relative(stint_ms: f64, other_ms: f64) -> String {
    if stint_ms <= other_ms {
        format!("{:.1}× faster", other_ms / stint_ms)
    } else {
        format!("{:.1}× slower", stint_ms / other_ms)
    }
}
