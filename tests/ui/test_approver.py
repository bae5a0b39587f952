"""An approver's side, in the app: bob is signed in when carol asks (with the `stint`
CLI) for prod / PowerUserAccess; bob hears of it, sees it in Approvals and in the tray's
"Approvals (N)", and approves it from the window."""

import json

from desktop import Notifications, TrayMenu, wait_for
from test_story import sign_in


def test_a_new_request_reaches_the_approver_who_approves_it_in_the_app(
    sim, broker, launch, notifications: Notifications, cli_user
):
    # Only the broker's address: where to sign in comes from the broker itself.
    app = launch(STINT_BROKER_URL=broker.url, STINT_START_URL=None, STINT_SSO_REGION=None,
                 STINT_BASELINE_ACCOUNT_ID=None, STINT_BASELINE_ROLE=None)
    app.wait("sign-in")
    sign_in(app, sim, "bob")
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
