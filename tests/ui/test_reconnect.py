"""The broker goes away and comes back: the window says so in a sentence (the transport's
words only behind "details"), the tray says it is reconnecting, an error the person met
meanwhile reads as a sentence too, and when the broker is back all of it clears by itself,
with no stale error left in the window."""

from desktop import TrayMenu, wait_for
from test_story import sign_in, step


def test_broker_killed_and_restarted_reads_as_a_sentence_then_clears(sim, broker, launch, recorder):
    app = launch(STINT_BROKER_URL=broker.url)
    app.wait("sign-in")
    sign_in(app, sim, recorder, "alice")
    assert app.wait_text("who", lambda t: t == "Alice Adams")
    tray = TrayMenu.find()

    step("the broker stops")
    broker.stop()
    banner = app.wait("broker-reconnecting", timeout=60)
    text = banner.text
    where = broker.url.rstrip("/")
    assert text.startswith(f"Can't reach the Stint broker at {where}. Retrying; your current access keeps working"), text
    # The technical cause is there, but only behind the disclosure.
    assert "os error" not in text.split("details")[0] and "tcp" not in text.split("details")[0].lower(), text
    detail = app.find("broker-reconnecting-detail")
    assert detail.get_attribute("textContent").strip(), "the details disclosure is empty"
    assert wait_for("the tray to say it is reconnecting",
                    lambda: "Reconnecting to the broker…" in tray.lines())

    # Something the person does meanwhile fails with a sentence, not a transport error.
    app.click("tab-request")
    error = app.wait("load-error", timeout=60)
    assert error.get_attribute("data-code") == "unreachable", error.get_attribute("textContent")
    first_line = error.find_element("css selector", "span").text
    assert first_line.startswith(f"Can't reach the Stint broker at {where}."), error.text
    assert "os error" not in first_line and "connect" not in first_line, error.text
    app.shot("broker-reconnecting")

    step("the broker is back")
    broker.restart()
    wait_for("the banner to clear",
             lambda: not app.driver.find_elements("css selector", '[data-testid="broker-reconnecting"]'),
             timeout=90)
    # The stale error went with it, and the form loaded what it could not before.
    wait_for("the stale error to clear",
             lambda: not app.driver.find_elements("css selector", '[data-testid="load-error"]'), timeout=30)
    app.wait("target-search", timeout=30)
    assert not app.driver.find_elements("css selector", '[role="alert"]')
    assert wait_for("the tray to stop saying it is reconnecting",
                    lambda: "Reconnecting to the broker…" not in tray.lines())
