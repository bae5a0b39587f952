"""Every role in one place (issue 13): alice's standing ReadOnlyAccess in dev, which the
access portal lists without any request, sits in the window and the tray beside her
grants. Open console lands on the console as alice in dev; a region and service chosen
once are used and remembered for that role (in app.toml); Copy credentials gives exports
that work against STS; one search box filters grants and standing roles together; a role
a grant gives shows as the grant, not as standing access, and does not linger after the
grant ends; its history says who revoked it."""

import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import requests
from selenium.webdriver.common.keys import Keys

from desktop import TrayMenu, clipboard, wait_for
from test_story import sign_in, step

DEV = "555555555555"
CARD = f"standing-{DEV}-ReadOnlyAccess"


def in_card(app, testid: str, card: str = CARD):
    return app.find(card).find_element("css selector", f'[data-testid="{testid}"]')


def retype(field, text: str):
    """Replaces what a field holds as a person would (select all, delete, type): each key
    is an input event the window's bindings see."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    if text:
        field.send_keys(text)


def console_opened(app, recorder, click) -> tuple[dict, str]:
    """Clicks, waits for the federation URL at the browser, follows it as the browser would:
    the console page's JSON (account, role, user) and the destination asked for."""
    before = len(recorder.urls())
    click()
    url = wait_for("the console URL to reach the browser",
                   lambda: recorder.urls()[before:] and recorder.urls()[-1])
    return url, parse_qs(urlparse(url).query).get("Destination", [""])[0]


def test_standing_role_opens_the_console_copies_credentials_and_is_searched_with_grants(
        sim, broker, launch, recorder, workdir, cli_user):
    step("sign in as alice")
    app = launch(STINT_BROKER_URL=broker.url)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "alice")
    assert app.wait_text("who", lambda t: t == "Alice Adams")

    step("the standing role, in the window and the tray")
    card = app.wait(CARD)
    assert "dev / ReadOnlyAccess" in card.text and "standing access" in card.text, card.text
    # Stint's baseline role grants nothing: it is not offered.
    assert not app.driver.find_elements("css selector", '[data-testid^="standing-222222222222-"]')
    tray = TrayMenu.find()
    lines = wait_for("the tray to list the standing role", lambda: (
        ls := tray.lines()) and "Standing access (1)" in ls and ls)
    assert "    dev / ReadOnlyAccess" in lines, lines

    step("open console, where it goes by default")
    url, destination = console_opened(app, recorder, lambda: in_card(app, "open-console").click())
    assert url.startswith(f"{sim.url}/federation?Action=login"), url
    page = requests.get(url, headers={"Accept": "application/json"}, timeout=30)
    assert page.status_code == 200, page.text
    who = page.json()
    assert (who["accountId"], who["roleName"], who["userName"]) == (DEV, "ReadOnlyAccess", "alice"), who
    region = sim.ready["region"]
    assert destination == f"https://{region}.console.aws.amazon.com/console/home?region={region}", destination

    step("open console in another region and service; remembered for the role")
    in_card(app, "console-change").click()
    retype(in_card(app, "console-region"), "eu-west-1")
    retype(in_card(app, "console-service"), "S3")
    _, destination = console_opened(app, recorder, lambda: in_card(app, "console-open-there").click())
    assert destination == "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1", destination
    wait_for("the card to say where the console opens now",
             lambda: in_card(app, "console-where").text == "S3 in eu-west-1")
    prefs = (workdir / "config" / "app.toml").read_text()
    assert f'[console."{DEV}/ReadOnlyAccess"]' in prefs and 'region = "eu-west-1"' in prefs \
        and 'service = "s3"' in prefs, prefs
    # The plain button now goes there too.
    _, destination = console_opened(app, recorder, lambda: in_card(app, "open-console").click())
    assert destination == "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1", destination
    # A name the console does not have is a sentence, and nothing is remembered for it.
    in_card(app, "console-change").click()
    retype(in_card(app, "console-service"), "s3/../evil")
    in_card(app, "console-open-there").click()
    error = wait_for("the bad service name refused", lambda: in_card(app, "role-error"))
    assert "is not a console service name" in error.text, error.text
    assert 'service = "s3"' in (workdir / "config" / "app.toml").read_text()

    step("copy credentials")
    in_card(app, "copy-credentials").click()
    exports = wait_for("credentials on the clipboard",
                       lambda: (c := clipboard()).startswith("export AWS_ACCESS_KEY_ID=") and c)
    message = wait_for("the copy confirmation", lambda: in_card(app, "role-message").text)
    assert message.startswith("Copied. These credentials work until "), message
    sts = subprocess.run(
        ["sh", "-c", exports + f'\nexec "{sys.executable}" -c "import boto3; print(boto3.client(\'sts\').get_caller_identity()[\'Arn\'])"'],
        env={"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL_STS": sim.url, "AWS_CONFIG_FILE": "/dev/null",
             "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "HOME": os.environ["HOME"]},
        capture_output=True, text=True, timeout=60,
    )
    assert sts.returncode == 0, sts.stderr
    assert re.fullmatch(rf"arn:aws:sts::{DEV}:assumed-role/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]+/alice\n",
                        sts.stdout), sts.stdout

    step("a grant beside it; one search over both")
    alice_cli = cli_user("alice")
    alice_cli.login()
    alice_cli.run("request", "dev/PowerUserAccess", "--for", "30m", "--reason", "deploy a fix to dev")
    grant = wait_for("the self-service grant in the window", lambda: app.driver.find_elements(
        "css selector", '[data-testid^="grant-"]'), timeout=90)[0]
    request_id = grant.get_attribute("data-testid").split("-")[1]
    # What the grant gives is the grant: never listed again as standing access, even after
    # the portal has been read with the grant's assignment in place.
    app.click("standing-refresh")
    wait_for("the refresh to finish", lambda: app.find("standing-refresh").text == "Refresh")
    assert not app.driver.find_elements("css selector", f'[data-testid="standing-{DEV}-PowerUserAccess"]')
    search = app.wait("access-search")
    retype(search, "power")
    wait_for("the search to keep only the grant", lambda: not app.driver.find_elements(
        "css selector", f'[data-testid="{CARD}"]'))
    assert app.find(f"grant-{request_id}")
    # The standing section says why it is empty rather than showing a bare heading.
    assert app.find("standing-none-match").text == "No standing role matches “power”."
    app.shot("access-search")
    retype(search, "dev read")
    wait_for("the search to keep only the standing role", lambda: not app.driver.find_elements(
        "css selector", f'[data-testid="grant-{request_id}"]'))
    assert app.find(CARD)
    retype(search, "sandbox")
    app.wait("search-nothing")
    retype(search, "")
    wait_for("everything back", lambda: app.driver.find_elements("css selector", f'[data-testid="grant-{request_id}"]')
             and app.driver.find_elements("css selector", f'[data-testid="{CARD}"]'))
    app.shot("access-standing")

    step("the grant ends: its role does not linger as standing access")
    alice_cli.run("revoke", request_id)
    app.wait(f"history-{request_id}", timeout=90)
    # History tells a revoke from an on-time end, says who revoked (from the request's
    # history) and how long the grant really ran.
    said = app.wait_text(f"history-{request_id}", lambda t: "revoked by you at" in t, timeout=60)
    assert re.search(r"after \d+ (s|min) of 30 min", said), said
    wait_for("the portal read again after the grant ended", lambda: app.driver.find_elements(
        "css selector", f'[data-testid="{CARD}"]'))
    assert not app.driver.find_elements("css selector", f'[data-testid="standing-{DEV}-PowerUserAccess"]')
