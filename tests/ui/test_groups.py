"""Group grants and request sets in the app (issue 14). alice asks (with the `stint` CLI)
for membership of oncall-admins; her app shows it on its way, named by the group; bob
approves; her app lists the roles the group gives, AdministratorAccess in prod and
staging, each with Open console (landing as alice in that account and role) and Copy
credentials (exports STS answers for that account), in the window and the tray, and not
again as standing access; she revokes it from the window. Then carol asks for
ReadOnlyAccess in three accounts at once: bob's app shows one item naming all three,
whose approve says it decides all, and one click approves every member."""

import json
import os
import re
import subprocess
import sys

import requests

from desktop import TrayMenu, clipboard, wait_for
from test_standing import console_opened
from test_story import sign_in, step

PROD, STAGING = "333333333333", "444444444444"


def role_part(app, grant: str, account: str, testid: str):
    return app.find(grant).find_element(
        "css selector", f'[data-testid="given-{account}-AdministratorAccess"] [data-testid="{testid}"]')


def caller_arn(exports: str, sim) -> str:
    """Who STS says the exported credentials are (boto3 against the simulator)."""
    sts = subprocess.run(
        ["sh", "-c", exports + f'\nexec "{sys.executable}" -c "import boto3; print(boto3.client(\'sts\').get_caller_identity()[\'Arn\'])"'],
        env={"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL_STS": sim.url, "AWS_CONFIG_FILE": "/dev/null",
             "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "HOME": os.environ["HOME"]},
        capture_output=True, text=True, timeout=60,
    )
    assert sts.returncode == 0, sts.stderr
    return sts.stdout.strip()


def test_a_group_grant_lists_the_roles_its_group_gives_each_with_console_and_credentials(
        sim, broker, launch, recorder, cli_user):
    step("sign in as alice")
    app = launch(STINT_BROKER_URL=broker.url)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "alice")
    assert app.wait_text("who", lambda t: t == "Alice Adams")
    tray = TrayMenu.find()

    step("alice asks for oncall-admins")
    alice = cli_user("alice")
    alice.login()
    asked = json.loads(alice.run(
        "request", "group:oncall-admins", "--for", "1h", "--reason", "INC-77 paged for payments",
        "--json").stdout)
    request_id = asked["id"]
    pending = app.wait(f"pending-{request_id}", timeout=90)
    assert pending.text.startswith("group oncall-admins"), pending.text
    assert wait_for("the request in the tray", lambda: any(
        l.startswith("group oncall-admins — waiting for approval") for l in tray.lines()))

    step("bob approves")
    bob = cli_user("bob")
    bob.login()
    bob.run("approve", str(request_id))

    step("her window lists the roles the group gives")
    grant = f"grant-{request_id}"
    card = app.wait(grant, timeout=90)
    roles = wait_for("the group's roles on the card", lambda: (
        els := app.find(grant).find_elements("css selector", '[data-testid^="given-"][data-testid$="-AdministratorAccess"]'))
        and len(els) == 2 and els)
    assert [r.get_attribute("data-testid") for r in roles] == [
        f"given-{PROD}-AdministratorAccess", f"given-{STAGING}-AdministratorAccess"]
    assert card.text.startswith("group oncall-admins"), card.text
    assert "prod / AdministratorAccess" in roles[0].text and "staging / AdministratorAccess" in roles[1].text
    app.shot("access-group-grant")

    step("and so does the tray, each role with its own actions")
    lines = wait_for("the group's roles in the tray", lambda: (
        ls := tray.lines()) and any(l.startswith("staging / AdministratorAccess — ") for l in ls) and ls)
    prod_at = next(i for i, l in enumerate(lines) if l.startswith("prod / AdministratorAccess — "))
    assert re.fullmatch(r"prod / AdministratorAccess — (\d+ min|1 h) left", lines[prod_at]), lines
    assert lines[prod_at + 1:prod_at + 4] == [
        "    Through group oncall-admins", "    Open console", "    Copy credentials"], lines
    assert "    Revoke group oncall-admins…" in lines, lines

    step("Open console as staging's role")
    url, _ = console_opened(app, recorder, lambda: role_part(app, grant, STAGING, "open-console").click())
    assert url.startswith(f"{sim.url}/federation?Action=login"), url
    page = requests.get(url, headers={"Accept": "application/json"}, timeout=30)
    assert page.status_code == 200, page.text
    who = page.json()
    assert (who["accountId"], who["roleName"], who["userName"]) == (STAGING, "AdministratorAccess", "alice"), who

    step("Copy credentials of prod's role")
    role_part(app, grant, PROD, "copy-credentials").click()
    exports = wait_for("credentials on the clipboard",
                       lambda: (c := clipboard()).startswith("export AWS_ACCESS_KEY_ID=") and c)
    message = wait_for("the copy confirmation", lambda: role_part(app, grant, PROD, "given-message").text)
    assert message.startswith("Copied. These credentials work until "), message
    assert re.fullmatch(rf"arn:aws:sts::{PROD}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]+/alice",
                        caller_arn(exports, sim))
    # The card says until when what was copied works, for that role only.
    wait_for("the copied credentials' end on prod's role", lambda: "copied credentials valid until" in
             app.find(grant).find_element("css selector", f'[data-testid="given-{PROD}-AdministratorAccess"]').text)

    step("the group's roles are the grant, not standing access")
    app.click("standing-refresh")
    wait_for("the refresh to finish", lambda: app.find("standing-refresh").text == "Refresh")
    for account in (PROD, STAGING):
        assert not app.driver.find_elements(
            "css selector", f'[data-testid="standing-{account}-AdministratorAccess"]'), account

    step("she revokes it from the window")
    app.find(grant).find_element("css selector", '[data-testid="revoke"]').click()
    question = app.wait("confirm-revoke").text
    assert "End your access to group oncall-admins now?" in question, question
    app.click("revoke-now")
    app.wait(f"history-{request_id}", timeout=90)
    assert not app.driver.find_elements("css selector", f'[data-testid="{grant}"]')
    wait_for("the group's roles to leave the tray", lambda: not any(
        "AdministratorAccess — " in l for l in tray.lines()), timeout=60)


def test_a_request_set_is_one_approval_in_the_app(sim, broker, launch, recorder, cli_user):
    step("sign in as bob")
    app = launch(STINT_BROKER_URL=broker.url)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "bob")
    assert app.wait_text("who", lambda t: t == "Bob Baker")
    tray = TrayMenu.find()

    step("carol asks for ReadOnlyAccess in three accounts at once")
    carol = cli_user("carol")
    carol.login()
    made = json.loads(carol.run(
        "request", "prod/ReadOnlyAccess", "--account", "staging,dev", "--for", "1h",
        "--reason", "compare the three environments", "--json").stdout)
    members = [m["id"] for m in made["members"]]
    assert len(members) == 3, made

    step("bob's app shows one item naming every account")
    app.click("tab-approvals")
    item = app.wait(f"approval-{made['id']}", timeout=90)
    wait_for("every member in the one item", lambda: app.find(f"approval-{made['id']}").get_attribute(
        "data-members") == " ".join(map(str, members)))
    assert len(app.driver.find_elements("css selector", '[data-testid^="approval-"]')) == 1
    target = item.find_element("css selector", '[data-testid="target"]').text
    assert target == "ReadOnlyAccess in 3 accounts: prod, staging, dev", target
    button = item.find_element("css selector", '[data-testid="approve"]')
    assert button.text == "Approve all 3", button.text
    lines = wait_for("one approval in the tray", lambda: (ls := tray.lines()) and "Approvals (1)" in ls and ls)
    assert "    Carol Chen: ReadOnlyAccess in 3 accounts: prod, staging, dev for 1 h" in lines, lines
    assert "        Approve ReadOnlyAccess in all 3 accounts for 1 h" in lines, lines
    app.shot("approvals-request-set")

    step("one click approves every member")
    button.click()
    wait_for("the set to leave the list", lambda: not app.driver.find_elements(
        "css selector", '[data-testid^="approval-"]'))
    states = wait_for("every member approved in the broker", lambda: (
        st := {r["id"]: r["state"] for r in json.loads(carol.run("ls", "--json").stdout)["requests"]
               if r["id"] in members}) and len(st) == 3 and "pending" not in st.values() and st)
    assert set(states.values()) <= {"approved", "activating", "active"}, states
    assert wait_for("the tray to have nothing to review", lambda: "Approvals (0)" in tray.lines())
