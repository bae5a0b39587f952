"""Sign-in against the simulator alone, with the device code the sign-in view offers as the
alternative to the browser sign-in (which test_story uses): the code shown in the window,
approved as alice through the simulator's control API, the person shown, the tray menu on D-Bus, and
the login kept in the keyring across a restart."""

import os
import subprocess

from conftest import SHOTS, binary
from desktop import TrayMenu, render_menu_png, wait_for


def test_sign_in_shows_the_code_then_who_you_are_and_survives_a_restart(sim, launch, recorder):
    # The desktop's own opener this time (xdg-open, the recorder), not STINT_BROWSER.
    app = launch(STINT_BROWSER=None, PATH=f"{recorder.bin}:{os.environ['PATH']}")
    app.wait("sign-in")
    # Without GDK's OpenGL unless the person chose otherwise: the app has restarted itself
    # with it off (stint-startup's gdk_gl.rs), and still draws (the screenshots below).
    env = app.environ()
    if "GDK_GL" not in os.environ:
        assert (env.get("GDK_GL"), env.get("STINT_SET_GDK_GL")) == ("disable", "1")
    # The fixture's opt-out reached the app through tauri-driver: it runs whole.
    assert env.get("STINT_WHOLE_APP") == "1"
    app.shot("sign-in")

    tray = TrayMenu.find()
    assert wait_for("the signed-out tray menu", lambda: "Not signed in" in tray.text())
    assert "Sign in…" in tray.lines()

    app.click("sign-in-device-code")
    code = app.wait_text("user-code", lambda t: len(t) == 9 and t[4] == "-")
    app.shot("sign-in-code")
    # The verification page was handed to the browser (the recorder), with the code in it.
    url = wait_for("the verification page to be opened", lambda: next(
        (u for u in recorder.urls() if code in u), None))
    assert url.startswith(sim.url)
    # The opener gets the environment the app was started with, not the app's GDK_GL.
    assert recorder.gdk_gl() == [os.environ.get("GDK_GL", "<unset>")]

    sim.approve_device(code, "alice")
    assert app.wait_text("who", lambda t: t == "alice")
    app.wait("access-view")
    app.shot("access-empty")

    assert wait_for("the tray to say who is signed in",
                    lambda: "Signed in as alice" in tray.text())
    lines = tray.lines()
    assert "No active access" in lines and "Request access…" in lines and "Quit Stint" in lines
    render_menu_png(lines, SHOTS / "tray-menu-signed-in.png")

    # Single instance: a second launch hands over to the running app and exits.
    second = subprocess.run([str(binary("stint-app"))], env={**os.environ, **launch.env},
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert app.find("who").text == "alice"
    app.quit()

    # A new start finds the login in the keyring: no code, straight to the person.
    again = launch()
    assert again.wait_text("who", lambda t: t == "alice")
