"""The story of issue 5, end to end against the real app, broker, CLI and simulator:
alice signs in, asks for prod / ReadOnlyAccess with a reason, bob approves with the
`stint` CLI, the grant turns active with a live countdown, Open console lands on the
console for the right account and role, Copy credentials gives exports that work against
STS, and the grant leaves when its window ends; the approval and expiry notifications go
over the session bus with the right words, and the tray menu says what the window says."""

import os
import re
import subprocess
import sys
import time

import requests

from conftest import SHOTS
from desktop import Notifications, TrayMenu, clipboard, render_menu_png, wait_for

# Short enough to see it end, long enough to use it first.
WINDOW = "100s"


def step(what: str):
    """Progress, shown with `pytest -s` (a long end-to-end run should say where it is)."""
    print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)


def sign_in(app, sim, recorder, user: str):
    """The browser sign-in: the recorder browser gets the authorize URL; the person allows
    Stint there and the browser brings the code back to the app."""
    before = len(recorder.urls())
    app.click("sign-in")
    url = wait_for("the sign-in page to be opened", lambda: next(
        (u for u in recorder.urls()[before:] if "/authorize?" in u), None))
    app.wait("browser-opened")
    page = sim.approve_authorization(url, user)
    assert "close this tab" in page, page


def test_request_approve_use_and_expire(sim, broker, launch, recorder, notifications: Notifications, cli_user):
    step("sign in as alice")
    app = launch(STINT_BROKER_URL=broker.url)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "alice")
    assert app.wait_text("who", lambda t: t == "Alice Adams")
    tray = TrayMenu.find()

    step("request")
    # Request: type to search, pick, a duration within policy, a reason.
    app.click("tab-request")
    search = app.wait("target-search")
    search.send_keys("prod read")
    app.click("option-prod-ReadOnlyAccess")
    policy = app.wait_text("chosen-policy", lambda t: "333333333333" in t)
    assert "up to 8 h" in policy and "an approver decides" in policy
    duration = app.find("duration")
    duration.clear()
    duration.send_keys(WINDOW)
    reason = "Investigating INC-42: read the prod load balancer logs"
    app.find("reason").send_keys(reason)
    wait_for("the reason to be typed", lambda: app.find("reason").get_attribute("value") == reason)
    app.shot("request")
    app.click("send-request")

    pending = app.wait("access-view") and wait_for(
        "the pending request in My access",
        lambda: app.driver.find_elements("css selector", '[data-testid^="pending-"]'),
    )[0]
    request_id = int(pending.get_attribute("data-testid").split("-")[1])
    assert "waiting for approval" in pending.text
    app.shot("access-pending")
    assert wait_for("the tray to list the pending request",
                    lambda: any("prod / ReadOnlyAccess — waiting for approval" in l for l in tray.lines()))

    step("bob approves with the CLI")
    # bob approves from his terminal.
    bob = cli_user("bob")
    bob.login()
    bob.run("approve", str(request_id), "--comment", "ok, read only")

    _, summary, body = notifications.wait("Request approved")
    assert body.startswith("Bob Baker approved prod / ReadOnlyAccess for 100 s"), body

    step("wait for the grant")
    grant = app.wait(f"grant-{request_id}", timeout=90)
    first = app.wait_text("countdown", lambda t: re.fullmatch(r"\d+:\d\d", t) is not None)
    # Live: it ticks down while the window is shown.
    second = app.wait_text("countdown", lambda t: t != first, timeout=10)
    to_secs = lambda t: int(t.split(":")[0]) * 60 + int(t.split(":")[1])  # noqa: E731
    assert 0 < to_secs(second) < to_secs(first) <= 100, (first, second)
    app.shot("access-active")
    notifications.wait("Access active")

    lines = wait_for("the tray to show the grant with its time left", lambda: (
        ls := tray.lines()) and any(re.fullmatch(r"prod / ReadOnlyAccess — (\d+ min|less than a minute) left", l) for l in ls) and ls)
    assert "    Open console" in lines and "    Copy credentials" in lines and "    Revoke…" in lines
    assert "        credential_process profile" in lines
    render_menu_png(lines, SHOTS / "tray-menu.png")

    step("open console")
    # Open console: the browser (the recorder) gets a federation sign-in URL that lands
    # on the console as alice, in prod, with ReadOnlyAccess.
    before = len(recorder.urls())
    grant.find_element("css selector", '[data-testid="open-console"]').click()
    url = wait_for("the console URL to reach the browser", lambda: recorder.urls()[before:] and recorder.urls()[-1])
    assert url.startswith(f"{sim.url}/federation?Action=login"), url
    console = requests.get(url, headers={"Accept": "application/json"}, timeout=30)
    assert console.status_code == 200, console.text
    page = console.json()
    assert (page["accountId"], page["roleName"], page["userName"]) == ("333333333333", "ReadOnlyAccess", "alice")

    step("copy credentials")
    # Copy credentials: bash exports on the clipboard that work against STS.
    grant.find_element("css selector", '[data-testid="copy-credentials"]').click()
    exports = wait_for("credentials on the clipboard", lambda: (c := clipboard()).startswith("export AWS_ACCESS_KEY_ID=") and c)
    assert "AWS_SESSION_TOKEN=" in exports and "AWS_SECRET_ACCESS_KEY=" in exports
    # Honest time: 1-hour credentials outlive a 100-second grant, and the window says so.
    copied = app.wait_text("grant-message", lambda t: t.startswith("Copied."))
    assert "after your access ends at" in copied and "does not stop them" in copied, copied
    def call_sts():
        return subprocess.run(
            ["sh", "-c", exports + f'\nexec "{sys.executable}" -c "import boto3; print(boto3.client(\'sts\').get_caller_identity()[\'Arn\'])"'],
            env={"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL_STS": sim.url, "AWS_CONFIG_FILE": "/dev/null",
                 "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "HOME": os.environ["HOME"]},
            capture_output=True, text=True, timeout=60,
        )

    who = call_sts()
    assert who.returncode == 0, who.stderr
    assert re.fullmatch(r"arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]+/alice\n", who.stdout), who.stdout

    step("wait for the window to end")
    # The window ends: the grant leaves the window and the tray, and alice is told.
    app.wait(f"history-{request_id}", timeout=240)
    assert not app.driver.find_elements("css selector", f'[data-testid="grant-{request_id}"]')
    _, _, body = notifications.wait("Access ended", timeout=60)
    assert body.startswith("Your access to prod / ReadOnlyAccess ended at "), body
    assert wait_for("the tray to drop the grant", lambda: "No active access" in tray.lines())
    # History tells an on-time end from a revoke, with the real length.
    app.wait_text(f"history-{request_id}", lambda t: "ended at" in t and "after 100 s" in t, timeout=90)
    app.shot("access-history")

    step("session activity")
    # The credentials outlive the window (as in AWS): one more call with them, then the
    # grant's activity in the history, once the trail has delivered (30 s late), lists the
    # console sign-in and both calls, the last flagged.
    time.sleep(1.5)
    assert call_sts().returncode == 0
    time.sleep(32)
    app.click(f"activity-open-{request_id}")
    box = app.find(f"activity-{request_id}")
    try:
        wait_for("the activity to list the call after the window", lambda: "after the window ended" in box.text, timeout=60)
    except AssertionError as e:
        raise AssertionError(f"{e}; the activity reads: {box.text!r}") from None
    headline = app.find("activity-headline").text
    assert headline.startswith("3 events"), headline
    names = [e.text for e in app.driver.find_elements("css selector", '[data-testid="activity-event-name"]')]
    assert names[2].startswith("GetCallerIdentity") and "after window" in names[2], names
    # The console sign-in and the first call may share a second, which orders them by id.
    assert sorted(names[:2]) == ["ConsoleLogin", "GetCallerIdentity"], names
    # The history sits below the standing roles: bring the grant's activity into view.
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    app.shot("access-activity")

    # Each notification once: the replayed events and the resync after connecting
    # announced nothing twice.
    summaries = [s for _, s, _ in notifications.seen()]
    for s in ("Request approved", "Access active", "Access ended"):
        assert summaries.count(s) == 1, summaries

    app.click("tab-settings")
    app.wait("settings-view")
    app.shot("settings")
