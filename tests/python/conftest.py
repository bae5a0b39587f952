"""Fixtures for the Python side of Stint's simulator tests: the built `stint-sim`
binary (started with `serve --port 0`, its ready line read) and moto's server, both on
loopback, plus boto3 clients pointed at them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
DEMO_WORLD = REPO / "crates" / "stint-sim" / "worlds" / "demo.toml"
# No retries: a test wants to see the first answer, including throttles.
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def sim_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "stint-target"))
    binary = target / "debug" / "stint-sim"
    if not binary.exists():
        pytest.fail(f"{binary} does not exist: run `cargo build --bin stint-sim` first (scripts/test.sh does)")
    return binary


def demo_world() -> dict:
    with DEMO_WORLD.open("rb") as f:
        return tomllib.load(f)


@dataclass
class Sim:
    ready: dict
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return self.ready["url"]

    @property
    def region(self) -> str:
        return self.ready["region"]

    def client(self, service: str, **kwargs):
        """A boto3 client signed with the demo world's operator key."""
        op = demo_world()["operators"][0]
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=op["access_key_id"],
            aws_secret_access_key=op["secret_access_key"],
            config=kwargs.pop("config", NO_RETRIES),
            **kwargs,
        )

    def unsigned(self, service: str):
        """sso-oidc and the portal API are unsigned."""
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            config=NO_RETRIES.merge(Config(signature_version=UNSIGNED)),
        )

    def control(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, f"{self.url}/_sim{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", json={"seconds": seconds})


@pytest.fixture
def sim():
    process = subprocess.Popen(
        [str(sim_binary()), "serve", "--world", str(DEMO_WORLD), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"stint-sim exited before its ready line (code {process.wait(timeout=30)})")
        ready = json.loads(line)
        assert ready["event"] == "ready"
        yield Sim(ready=ready, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert code == 0, f"stint-sim exited with {code} on SIGTERM"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Moto:
    url: str

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=NO_RETRIES,
        )


def start_moto(server: Path) -> tuple[subprocess.Popen, str] | None:
    """Starts moto_server on a free port and waits until it answers; None if it did not."""
    port = free_port()
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{url}/moto-api/", timeout=2).ok:
                return process, url
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=30)
    return None


@pytest.fixture
def moto():
    server = Path(sys.executable).parent / "moto_server"
    # moto cannot report a port it picked, so we pick one; a lost race is retried.
    for _ in range(5):
        started = start_moto(server)
        if started:
            break
    else:
        pytest.fail("moto_server would not start (is moto[server] installed in .venv?)")
    process, url = started
    try:
        yield Moto(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
