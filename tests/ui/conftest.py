"""Fixtures for the end-to-end test of the real Stint app: the simulator (and, when it
serves its API, the broker) as processes on loopback, the app started by tauri-driver
with WebKitWebDriver, and the desktop around it (desktop.py). Runs inside the private
session that tests/ui/session.sh sets up."""

from __future__ import annotations

import json
import os
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

from desktop import Notifications, wait_for

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "stint-target"))


def binary(name: str) -> Path:
    path = target_dir() / "debug" / name
    if not path.exists():
        pytest.fail(f"{path} does not exist: scripts/test-ui.sh builds it first")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every process started (directly or not) by `pid`, from /proc."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            found.extend(children)
            queue.extend(children)
    return found


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

    def urls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="stint-ui-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def recorder(workdir) -> Recorder:
    log = workdir / "browser.log"
    script = workdir / "record-url"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{log}"\n')
    script.chmod(0o755)
    return Recorder(script, log)


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
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))

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
        env = {**os.environ, **self.env, **extra_env}
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


@pytest.fixture
def launch(workdir, recorder, sim):
    """Starts the real app pointed at the simulator (and the broker, when given)."""
    env = {
        "STINT_CONFIG": str(workdir / "config" / "config.toml"),
        "STINT_CACHE_DIR": str(workdir / "cache"),
        "STINT_START_URL": sim.ready["startUrl"],
        "STINT_SSO_REGION": sim.ready["region"],
        "STINT_BASELINE_ACCOUNT_ID": "222222222222",
        "STINT_BASELINE_ROLE": "StintBaseline",
        "STINT_WRITE_AWS_CLI_CACHE": "false",
        "STINT_BROWSER": str(recorder.script),
        "STINT_SHOW_WINDOW": "1",
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
