"""An approver's side, in the app: bob is signed in when carol asks (with the `stint`
CLI) for prod / PowerUserAccess; bob hears of it, sees it in Approvals and in the tray's
"Approvals (N)", and approves it from the window. Then carol asks for 30 minutes more:
the extension is a decision too (notified, in the tray and the window with the extra
time, in bob's `stint ls`), bob approves it in the app, and carol's end moves."""

import json

from desktop import Notifications, TrayMenu, wait_for
from test_story import sign_in, step


def test_a_new_request_reaches_the_approver_who_approves_it_in_the_app(
    sim, broker, launch, recorder, notifications: Notifications, cli_user
):
    # Only the broker's address: where to sign in comes from the broker itself.
    app = launch(STINT_BROKER_URL=broker.url, STINT_START_URL=None, STINT_SSO_REGION=None,
                 STINT_BASELINE_ACCOUNT_ID=None, STINT_BASELINE_ROLE=None)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "bob")
    assert app.wait_text("who", lambda t: t == "Bob Baker")
    tray = TrayMenu.find()
    assert wait_for("an empty Approvals in the tray", lambda: "Approvals (0)" in tray.lines())

    carol = cli_user("carol")
    carol.login()
    made = json.loads(carol.run(
        "request", "prod/PowerUserAccess", "--for", "1h",
        "--reason", "Roll back the 14:00 deploy of checkout", "--json").stdout)
    request_id = made["id"]

    _, _, body = notifications.wait("Request to review")
    assert body == "Carol Chen asks for prod / PowerUserAccess for 1 h: Roll back the 14:00 deploy of checkout", body
    assert wait_for("Approvals (1) in the tray", lambda: "Approvals (1)" in tray.lines())
    assert "    Carol Chen: prod / PowerUserAccess for 1 h" in tray.lines()

    app.click("tab-approvals")
    item = app.wait(f"approval-{request_id}")
    assert "Roll back the 14:00 deploy of checkout" in item.text
    app.shot("approvals")
    item.find_element("css selector", '[data-testid="approve"]').click()

    wait_for("the approval to leave the list",
             lambda: not app.driver.find_elements("css selector", f'[data-testid="approval-{request_id}"]'))
    # carol's own view, from the broker: approved by bob.
    mine = wait_for("the request to be approved in the broker", lambda: next(
        (r for r in json.loads(carol.run("ls", "--json").stdout)["requests"]
         if r["id"] == request_id and r["state"] in ("approved", "activating", "active")), None))
    assert mine["decidedBy"]["userName"] == "bob"

    step("carol extends; bob decides in the app")
    wait_for("the grant to be active", lambda: next(
        (r for r in json.loads(carol.run("ls", "--json").stdout)["requests"]
         if r["id"] == request_id and r["state"] == "active"), None), timeout=90)
    asked = json.loads(carol.run("extend", str(request_id), "--by", "30m", "--json").stdout)
    old_end, new_end = asked["endAt"], asked["pendingEndAt"]
    assert new_end is not None, asked

    _, _, body = notifications.wait("Extension to review")
    assert body.startswith("Carol Chen asks to extend prod / PowerUserAccess by 30 min, to "), body
    lines = wait_for("the extension in the tray", lambda: (ls := tray.lines()) and "Approvals (1)" in ls and ls)
    assert any(l.startswith("    Carol Chen: extend prod / PowerUserAccess by 30 min, to ") for l in lines), lines
    assert any(l.startswith("        Approve the extension by 30 min") for l in lines), lines

    # bob's terminal shows the extension's length, not the original window's.
    bob_cli = cli_user("bob")
    bob_cli.login()
    ls = bob_cli.run("ls").stdout
    row = next(l for l in ls.splitlines() if l.startswith(str(request_id)) and "PowerUserAccess" in l)
    assert "+30m, to " in row and " 1h " not in row, ls

    item = app.wait(f"approval-{request_id}")
    assert item.get_attribute("data-kind") == "extension"
    assert "30 min more, to " in item.find_element("css selector", '[data-testid="asked-for"]').text, item.text
    app.shot("approvals-extension")
    button = item.find_element("css selector", '[data-testid="approve"]')
    assert button.text == "Approve extension"
    button.click()
    wait_for("the extension to leave the list",
             lambda: not app.driver.find_elements("css selector", f'[data-testid="approval-{request_id}"]'))

    moved = wait_for("carol's end to move", lambda: next(
        (r for r in json.loads(carol.run("ls", "--json").stdout)["requests"]
         if r["id"] == request_id and r["endAt"] != old_end), None))
    assert moved["endAt"] == new_end and moved["pendingEndAt"] is None, moved
