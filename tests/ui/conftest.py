"""Fixtures for the end-to-end test of the real Stint app: the simulator (and, when it
serves its API, the broker) as processes on loopback, the whole app (STINT_WHOLE_APP)
started by tauri-driver with WebKitWebDriver, and the desktop around it (desktop.py).
Runs inside the private session that tests/ui/session.sh sets up."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions

from desktop import Notifications, capture_window, descendants, wait_for

REPO = Path(__file__).resolve().parents[2]
# A test run writes its screenshots into the build folder, never over the committed ones:
# `scripts/refresh-screenshots.sh` points STINT_SCREENSHOTS at docs/screenshots on purpose.
COMMITTED_SHOTS = REPO / "docs" / "screenshots"


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "stint-target"))


SHOTS = Path(os.environ.get("STINT_SCREENSHOTS") or target_dir() / "ui-screenshots")


def binary(name: str) -> Path:
    path = target_dir() / "debug" / name
    if not path.exists():
        pytest.fail(f"{path} does not exist: scripts/test-ui.sh builds it first")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sim:
    ready: dict
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return self.ready["url"]

    def control(self, method: str, path: str, **kwargs):
        r = requests.request(method, f"{self.url}/_sim{path}", timeout=30, **kwargs)
        r.raise_for_status()
        return r.json() if r.content else None

    def approve_device(self, user_code: str, user_name: str):
        return self.control("POST", "/device/approve", json={"userCode": user_code, "userName": user_name})

    def approve_authorization(self, authorize_url: str, user_name: str) -> str:
        """Allows the browser sign-in as `user_name`, as the person on the sign-in page, then
        follows the redirect as the browser would: the app's loopback listener gets the code.
        Returns the page the browser was shown."""
        decision = self.control("POST", "/authorize/approve",
                                json={"authorizeUrl": authorize_url, "userName": user_name})
        page = requests.get(decision["redirectTo"], timeout=30)
        page.raise_for_status()
        return page.text


@pytest.fixture(scope="session")
def sim():
    process = subprocess.Popen(
        [str(binary("stint-sim")), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = process.stdout.readline()
    if not line:
        pytest.fail("stint-sim exited before it was ready")
    yield Sim(json.loads(line), process)
    process.terminate()
    process.wait(timeout=10)


@dataclass
class Recorder:
    """STINT_BROWSER: a script that appends each URL it is given to a file."""

    script: Path
    log: Path
    env_log: Path
    # Holds the recorder as `xdg-open`: put first on PATH, it stands in for the desktop's
    # opener when STINT_BROWSER is not set.
    bin: Path

    def urls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def gdk_gl(self) -> list[str]:
        """GDK_GL as each browser started saw it ("<unset>" when it was not set)."""
        return self.env_log.read_text().splitlines() if self.env_log.exists() else []


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="stint-ui-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def recorder(workdir) -> Recorder:
    log, env_log = workdir / "browser.log", workdir / "browser-env.log"
    script = workdir / "record-url"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "${{GDK_GL-<unset>}}" >> "{env_log}"\n'
                      f'printf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(0o755)
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").symlink_to(script)
    return Recorder(script, log, env_log, bin_dir)


@pytest.fixture
def notifications(workdir):
    n = Notifications(workdir / "notifications.log")
    yield n
    n.stop()


@dataclass
class App:
    driver: webdriver.Remote
    driver_process: subprocess.Popen
    log: Path
    closed: bool = False

    def find(self, testid: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def wait(self, testid: str, timeout: float = 60.0):
        return wait_for(f"[data-testid={testid}] in the window", lambda: self.find(testid), timeout)

    def wait_text(self, testid: str, predicate, timeout: float = 60.0) -> str:
        def check():
            text = self.find(testid).text
            return text if predicate(text) else None
        return wait_for(f"[data-testid={testid}] to read right", check, timeout)

    def click(self, testid: str, timeout: float = 60.0):
        wait_for(f"[data-testid={testid}] to be clickable",
                 lambda: self.find(testid).is_enabled() and (self.find(testid).click() or True), timeout)

    def shot(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        # Two animation frames: what was just typed or rendered is painted.
        self.driver.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));")
        # The pixels on the X screen, not WebKit's snapshot: without GDK's OpenGL (the
        # app's default) WebKitGTK 2.50's snapshots never complete.
        capture_window("Stint", SHOTS / f"{name}.png")

    def environ(self) -> dict[str, str]:
        """The environment the app runs with, as the kernel has it (after its restart)."""
        pids = [p for p in descendants(self.driver_process.pid)
                if Path(f"/proc/{p}/comm").read_text().strip() == "stint-app"]
        assert pids, "no stint-app process under tauri-driver"
        raw = Path(f"/proc/{pids[0]}/environ").read_bytes().split(b"\0")
        return dict(v.decode().split("=", 1) for v in raw if b"=" in v)

    def quit(self):
        if self.closed:
            return
        self.closed = True
        pids = descendants(self.driver_process.pid)
        try:
            self.driver.quit()
        except (WebDriverException, OSError, requests.RequestException, Exception):  # noqa: BLE001
            pass  # The session may already be gone with the app.
        self.driver_process.terminate()
        try:
            self.driver_process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.driver_process.kill()
        # The app hides on close and lives in the tray: end what this session started.
        for pid in pids:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass


@dataclass
class Launcher:
    workdir: Path
    env: dict = field(default_factory=dict)
    apps: list = field(default_factory=list)

    def __call__(self, **extra_env) -> App:
        port, native = free_port(), free_port()
        # A value of None removes a variable the fixture would set.
        env = {k: v for k, v in {**os.environ, **self.env, **extra_env}.items() if v is not None}
        log = self.workdir / f"app-{len(self.apps)}.log"
        process = subprocess.Popen(
            [shutil.which("tauri-driver") or str(Path.home() / ".cargo/bin/tauri-driver"),
             "--port", str(port), "--native-port", str(native),
             "--native-driver", "/usr/bin/WebKitWebDriver"],
            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(binary("stint-app"))})
        driver = wait_for(
            "a WebDriver session with the app",
            lambda: webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options),
            timeout=60, interval=0.5,
        )
        app = App(driver, process, log)
        self.apps.append(app)
        return app


DEMO_OPERATOR = ("AKIASTINTBROKERDEMO1", "demo-broker-secret-key-not-a-real-secret-000")


@dataclass
class Broker:
    url: str
    process: subprocess.Popen
    log: Path
    config: Path
    env: dict

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)

    def restart(self):
        """Starts it again on the same address and database (after `stop`)."""
        address = self.url.removeprefix("http://").rstrip("/")
        self.process, url = _start_broker(self.config, self.env, self.log, address)
        assert url.rstrip("/") == self.url.rstrip("/"), (url, self.url)


def _start_broker(config: Path, env: dict, log: Path, listen: str):
    process = subprocess.Popen(
        [str(binary("stint-broker")), "serve", "--config", str(config), "--listen", listen],
        env=env, cwd=config.parent, stdout=subprocess.PIPE, stderr=log.open("a"), text=True,
    )
    line = process.stdout.readline()
    if not line:
        pytest.fail(f"stint-broker exited before it was ready:\n{log.read_text()}")
    return process, json.loads(line)["url"]


@pytest.fixture
def broker(sim, workdir):
    """`stint-broker serve` on SQLite with the demo policy, in front of the simulator."""
    d = workdir / "broker"
    d.mkdir()
    shutil.copy(REPO / "crates" / "stint-broker" / "demo" / "policies.toml", d / "policies.toml")
    (d / "broker.toml").write_text(f"""
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:8700"
database_url = "sqlite://{d / 'stint.db'}"
policy_file = "policies.toml"
reconcile_interval = "30s"

[identity_center]
region = "{sim.ready['region']}"
instance_arn = "{sim.ready['instanceArn']}"
identity_store_id = "{sim.ready['identityStoreId']}"
start_url = "{sim.ready['startUrl']}"
baseline_account = "222222222222"
sts_hosts = ["{sim.url}"]

[activity]
log_group = "aws-cloudtrail-logs-stint-demo-org-trail"
delivery_lag = "30s"
watch_interval = "10s"
""")
    log = d / "broker.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(d),
        "AWS_ENDPOINT_URL": sim.url,
        "AWS_ACCESS_KEY_ID": DEMO_OPERATOR[0],
        "AWS_SECRET_ACCESS_KEY": DEMO_OPERATOR[1],
        "AWS_EC2_METADATA_DISABLED": "true",
        "STINT_LOG": "info",
    }
    process, url = _start_broker(d / "broker.toml", env, log, "127.0.0.1:0")
    b = Broker(url, process, log, d / "broker.toml", env)
    yield b
    if b.process.poll() is None:
        b.stop()


@dataclass
class CliUser:
    """Another person using the `stint` CLI on this machine, with their own keyring."""

    name: str
    home: Path
    env: dict
    sim: "Sim"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(REPO / "tests" / "ui" / "as-user.sh"), str(self.home), str(binary("stint")), *args],
            env={**os.environ, **self.env}, capture_output=True, text=True, timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"stint {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def login(self):
        """`stint login --use-device-code --no-browser`, approved as this person through the
        simulator."""
        process = subprocess.Popen(
            [str(REPO / "tests" / "ui" / "as-user.sh"), str(self.home), str(binary("stint")), "login", "--use-device-code", "--no-browser"],
            env={**os.environ, **self.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        seen = []
        for line in process.stderr:
            seen.append(line)
            code = re.search(r"\b([A-Z]{4}-[A-Z]{4})\b", line)
            if code:
                self.sim.approve_device(code.group(1), self.name)
                break
        else:
            raise AssertionError(f"stint login showed no code:\n{''.join(seen)}")
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"stint login failed:\n{''.join(seen)}{err}"


def person_env(home: Path, sim: "Sim", broker: "Broker") -> dict:
    """Stint's settings for one person whose files live under `home`: their configuration,
    cache and AWS files there, pointed at this broker and simulator."""
    return {
        "STINT_CONFIG": str(home / "config.toml"),
        "STINT_CACHE_DIR": str(home / "cache"),
        "STINT_BROKER_URL": broker.url,
        "STINT_START_URL": sim.ready["startUrl"],
        "STINT_SSO_REGION": sim.ready["region"],
        "STINT_BASELINE_ACCOUNT_ID": "222222222222",
        "STINT_BASELINE_ROLE": "StintBaseline",
        "STINT_WRITE_AWS_CLI_CACHE": "false",
        "AWS_ENDPOINT_URL": sim.url,
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
    }


@pytest.fixture
def cli_user(sim, broker, workdir):
    def make(name: str) -> CliUser:
        home = workdir / f"home-{name}"
        home.mkdir()
        return CliUser(name, home, person_env(home, sim, broker), sim)
    return make


@pytest.fixture
def launch(workdir, recorder, sim):
    """Starts the real app pointed at the simulator (and the broker, when given)."""
    env = {
        "STINT_CONFIG": str(workdir / "config" / "config.toml"),
        "STINT_CACHE_DIR": str(workdir / "cache"),
        # Keyring entries are filed by sso-session: one per test, so no login leaks
        # from one test into the next through the shared keyring.
        "STINT_SSO_SESSION": re.sub(r"[^A-Za-z0-9_.-]", "-", workdir.name),
        "STINT_START_URL": sim.ready["startUrl"],
        "STINT_SSO_REGION": sim.ready["region"],
        "STINT_BASELINE_ACCOUNT_ID": "222222222222",
        "STINT_BASELINE_ROLE": "StintBaseline",
        "STINT_WRITE_AWS_CLI_CACHE": "false",
        "STINT_BROWSER": str(recorder.script),
        "STINT_SHOW_WINDOW": "1",
        # The whole app, tray and window in one process, is what these stories drive: on
        # Linux a plain stint-app hands over to stint-tray (test_window_process.py).
        "STINT_WHOLE_APP": "1",
        "STINT_LOG": "info,stint_app=debug",
        "AWS_ENDPOINT_URL": sim.url,
        "AWS_CONFIG_FILE": str(workdir / "aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws" / "credentials"),
    }
    launcher = Launcher(workdir, env)
    yield launcher
    for app in launcher.apps:
        app.quit()
        # Shown by pytest only when the test failed.
        print(f"--- {app.log.name} (tauri-driver and the app's stderr) ---")
        print("\n".join(app.log.read_text(errors="replace").splitlines()[-400:]))
