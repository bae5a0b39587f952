"""The broker's OpenAPI contract, checked by schemathesis against a real `stint-broker
serve` (SQLite, in front of `stint-sim`) as three people: alice, who requests, bob, who
approves, and erin, an admin (the audit log, every request, the policy reload). Every
operation of the served `/openapi.json` is called with examples the schema allows and
examples it does not, with a fixed budget and seed so the run is
bounded (well under three minutes) and repeatable. It fails on any 5xx, any response that
does not match the document (status, content type, body, headers), a request the
document allows that is refused (a 400; for the four operations whose rules the document
cannot state, a 400 saying the request could not be read: contract/), and one it forbids
that is accepted.

Run by its own stage of scripts/test.sh (the Python stage leaves it out); needs the
built `stint-sim` and `stint-broker` and schemathesis in .venv (scripts/install.sh).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import REPO, demo_world

AUDIENCE = "https://stint.contract.example"
CONTRACT = Path(__file__).resolve().parent / "contract"
DEMO_POLICY = REPO / "crates" / "stint-broker" / "demo" / "policies.toml"
GET_CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# Test cases per operation and phase; with the seed, the run is the same every time.
MAX_EXAMPLES = 40
SEED = 20261205
# One person's run may not take longer than this (a hung broker fails the test, not CI).
RUN_DEADLINE = 120
# Operations left out, and why:
# - logout ends the session the run signs with, and every later call would be a 401;
# - the event stream never ends by itself (api_events.rs tests it over real HTTP).
EXCLUDED = ["logout", "streamEvents"]


def broker_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "stint-target"))
    binary = target / "debug" / "stint-broker"
    if not binary.exists():
        pytest.fail(f"{binary} does not exist: run `cargo build --bin stint-broker` first (scripts/test.sh does)")
    return binary


def broker_config(sim, db: Path) -> str:
    return f"""
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:8700"
audience = "{AUDIENCE}"
database_url = "sqlite://{db}"
policy_file = "policies.toml"

[identity_center]
region = "{sim.region}"
instance_arn = "{sim.ready['instanceArn']}"
identity_store_id = "{sim.ready['identityStoreId']}"
start_url = "{sim.ready['startUrl']}"
baseline_account = "222222222222"
baseline_permission_set = "StintBaseline"
sts_hosts = ["{sim.url}"]

[sign_in_limits]
# schemathesis signs in with made-up requests hundreds of times from one address.
per_address_burst = 10000
per_address_per_minute = 10000
"""


@pytest.fixture
def broker(sim, tmp_path):
    (tmp_path / "policies.toml").write_text(DEMO_POLICY.read_text())
    (tmp_path / "broker.toml").write_text(broker_config(sim, tmp_path / "stint.db"))
    operator = demo_world()["operators"][0]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": sim.url,
        "AWS_ACCESS_KEY_ID": operator["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": operator["secret_access_key"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "STINT_LOG": "warn",
    }
    log = (tmp_path / "broker.log").open("w")
    process = subprocess.Popen(
        [str(broker_binary()), "serve", "--config", str(tmp_path / "broker.toml")],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        if not line:
            pytest.fail(
                f"stint-broker exited before its ready line (code {process.wait(timeout=30)}):\n"
                + (tmp_path / "broker.log").read_text()
            )
        ready = json.loads(line)
        assert ready["event"] == "ready"
        yield ready["url"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        log.close()
        assert code == 0, f"stint-broker exited with {code} on SIGTERM"


def baseline_credentials(sim, user: str) -> Credentials:
    """A device login approved on the simulator, then the baseline role's credentials."""
    oidc = sim.unsigned("sso-oidc")
    reg = oidc.register_client(clientName="stint-contract", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=sim.ready["startUrl"]
    )
    sim.control("POST", "/device/approve", json={"userCode": auth["userCode"], "userName": user})
    sim.advance(2)  # past the poll interval
    token = oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=auth["deviceCode"],
    )
    creds = sim.unsigned("sso").get_role_credentials(
        accessToken=token["accessToken"], accountId="222222222222", roleName="StintBaseline"
    )["roleCredentials"]
    return Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"])


def sign_in(sim, broker: str, user: str) -> str:
    """Signs `sts:GetCallerIdentity` as the real client does and trades it for a session."""
    url = f"{sim.url}/"
    request = AWSRequest(
        method="POST",
        url=url,
        data=GET_CALLER_IDENTITY,
        headers={
            "host": url.split("/")[2],
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "x-stint-broker": AUDIENCE,
        },
    )
    SigV4Auth(baseline_credentials(sim, user), "sts", sim.region).add_auth(request)
    body = {
        "method": "POST",
        "url": url,
        "headers": [{"name": k, "value": v} for k, v in request.headers.items()],
        "body": GET_CALLER_IDENTITY,
    }
    answer = requests.post(f"{broker}/v1/auth/aws", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def call(broker: str, token: str, method: str, path: str, body=None) -> dict:
    answer = requests.request(
        method, f"{broker}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json()


def schemathesis(broker: str, token: str, report: Path) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(CONTRACT / "schemathesis.toml"),
        "run",
        f"{broker}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "15",
        "--no-shrink",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    for operation in EXCLUDED:
        command += ["--exclude-operation-id", operation]
    # In the report's folder: hypothesis keeps its example database in the working directory.
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
        cwd=report.parent,
        env={
            **os.environ,
            "NO_COLOR": "1",
            # contract_hooks.py adds the check that allowed requests are read.
            "SCHEMATHESIS_HOOKS": "contract_hooks",
            "PYTHONPATH": str(CONTRACT),
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    )


def test_the_served_document_holds_for_a_requester_an_approver_and_an_admin(sim, broker, tmp_path):
    alice = sign_in(sim, broker, "alice")
    bob = sign_in(sim, broker, "bob")
    erin = sign_in(sim, broker, "erin")
    # Something to find: a request waiting for bob, and one alice got without asking anyone.
    waiting = call(
        broker,
        alice,
        "POST",
        "/v1/requests",
        {"account": "prod", "permissionSet": "ReadOnlyAccess", "durationSecs": 3600, "reason": "contract: pending"},
    )
    assert waiting["state"] == "pending", waiting
    call(
        broker,
        alice,
        "POST",
        "/v1/requests",
        {"account": "dev", "permissionSet": "PowerUserAccess", "durationSecs": 3600, "reason": "contract: granted"},
    )

    failures = []
    started = time.monotonic()
    for who, token in (("alice", alice), ("bob", bob), ("erin", erin)):
        run = schemathesis(broker, token, tmp_path / f"{who}.xml")
        if run.returncode != 0:
            failures.append(f"--- schemathesis as {who} (exit {run.returncode}) ---\n{run.stdout}\n{run.stderr}")
        # The test cases generated and the run's time, for the log.
        summary = [line.strip() for line in run.stdout.splitlines() if re.match(r"\s*(\d+ generated|=+ .* in [\d.]+s)", line)]
        print(f"schemathesis as {who}: {' / '.join(summary)}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: the three runs took {elapsed:.0f} s")
    assert not failures, "\n".join(failures)
