"""stint-tray tells the person what happened to their requests (Linux, issue 11): the tray
is the agent, without the window, and raises the same notifications as the whole app, each
once, as the window's Settings allow. alice is signed in on the tray with "Access active"
turned off; she asks with the `stint` CLI, bob approves and later revokes from his own
terminal: alice hears "Request approved" and "Access revoked" once each and no
"Access active". bob's own tray tells him there is a request to review, and a click on
that notification opens the window at it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

from conftest import binary, person_env
from desktop import Notifications, TrayMenu, wait_for
from test_window_process import window_processes


def tray_env(workdir, sim, broker, name: str) -> dict:
    """`name`'s tray and CLI on this desktop: their own configuration and sso-session, the
    session's keyring, and an agent socket of their own."""
    home = workdir / name
    run = home / "run"
    run.mkdir(parents=True, mode=0o700)
    return {
        **os.environ,
        **person_env(home, sim, broker),
        "STINT_SSO_SESSION": f"tray-notices-{name}",
        "XDG_RUNTIME_DIR": str(run),
        "STINT_LOG": "info",
    }


def stint(env: dict, *args: str) -> str:
    result = subprocess.run([str(binary("stint")), *args], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"stint {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result.stdout


def login(env: dict, sim, name: str) -> None:
    """`stint login` with a device code, approved as `name` in the simulator."""
    process = subprocess.Popen([str(binary("stint")), "login", "--use-device-code", "--no-browser"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        code = re.search(r"\b([A-Z]{4}-[A-Z]{4})\b", line)
        if code:
            sim.approve_device(code.group(1), name)
            break
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"stint login as {name} failed:\n{err}"


def count(notifications: Notifications, summary: str, body_start: str = "") -> int:
    return sum(1 for _, s, b in notifications.seen() if s == summary and b.startswith(body_start))


def test_the_tray_announces_an_approval_and_a_revoke_once_as_settings_allow(
    sim, broker, workdir, notifications: Notifications
):
    alice, bob = (tray_env(workdir, sim, broker, n) for n in ("alice", "bob"))
    login(alice, sim, "alice")
    login(bob, sim, "bob")
    # The window's Settings, as the app writes them: "Access active" off.
    app_toml = workdir / "alice" / "app.toml"
    app_toml.write_text("start_at_login = false\n\n[notifications]\nactive = false\n")

    trays, logs = [], []
    try:
        for name, env in (("alice", alice), ("bob", bob)):
            log = workdir / f"tray-{name}.log"
            logs.append(log)
            trays.append(subprocess.Popen([binary("stint-tray")], env=env, stderr=log.open("w")))
        alice_menu = TrayMenu.find(process="stint-tray", showing="Signed in as Alice Adams", timeout=60)
        TrayMenu.find(process="stint-tray", showing="Signed in as Bob Baker", timeout=60)
        # Nothing that was already true when the trays started is news.
        time.sleep(2)
        assert notifications.seen() == [], notifications.seen()

        made = json.loads(stint(alice, "request", "prod/ReadOnlyAccess", "--for", "10m",
                                "--reason", "Look at the checkout errors", "--json"))
        request_id = str(made["id"])

        app, _, body = notifications.wait("Request to review")
        assert app == "Stint"
        assert body == "Alice Adams asks for prod / ReadOnlyAccess for 10 min: Look at the checkout errors", body

        # bob clicks it (dunst's default action): the window opens at that request.
        subprocess.run(["dunstctl", "action", "0"], check=True, timeout=10)
        [(window, args)] = wait_for("a window process under bob's tray",
                                    lambda: window_processes(trays[1].pid))
        assert args[1:] == [b"--window", b"--view", b"approvals", b"--request", request_id.encode(), b""], args
        os.kill(window, 15)

        stint(bob, "approve", request_id, "--comment", "ok")
        app, _, body = notifications.wait("Request approved")
        assert app == "Stint"
        assert body == "Bob Baker approved prod / ReadOnlyAccess for 10 min.", body
        wait_for("the grant in alice's tray", lambda: any(
            line.startswith("prod / ReadOnlyAccess — ") for line in alice_menu.lines()), timeout=90)

        stint(bob, "revoke", request_id, "--comment", "done here")
        _, _, body = notifications.wait("Access revoked", timeout=90)
        # bob's approval comment ("ok") is not quoted as if it were the revoke's.
        assert re.fullmatch(r"Your access to prod / ReadOnlyAccess was ended early, at \d\d:\d\d\.", body), body

        # Each once, whichever told the tray first (the event or the picture read after
        # it), and "Access active" not at all: turned off in the window's Settings.
        time.sleep(3)
        assert count(notifications, "Request approved") == 1, notifications.seen()
        assert count(notifications, "Access revoked") == 1, notifications.seen()
        assert count(notifications, "Request to review") == 1, notifications.seen()
        assert count(notifications, "Access active") == 0, notifications.seen()
        assert all(t.poll() is None for t in trays), "a tray ended"
    finally:
        for tray in trays:
            tray.terminate()
        for tray in trays:
            try:
                tray.wait(timeout=15)
            except subprocess.TimeoutExpired:
                tray.kill()
        for log in logs:
            print(f"--- {log.name} ---")
            print(log.read_text(errors="replace")[-20000:])

