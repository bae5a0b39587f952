"""The measuring half of scripts/measure-app.sh, run inside its Xvfb session: starts the
app, times it to the tray menu on the session bus, and reads the memory and CPU of all its
processes as a tray alone, with the window open, and a minute after the window is closed;
then once more as a tray alone, signed in (through the `stint` CLI, against stint-sim and
the broker) with a grant counting down.

    measure-app.py APP_BINARY LOG_FILE
"""

import os, subprocess, sys, tempfile, time
from pathlib import Path

app, log = sys.argv[1], sys.argv[2]
ROOT = Path(os.environ["STINT_ROOT"])
DEBUG = Path(os.environ["CARGO_TARGET_DIR"]) / "debug"
sys.path.insert(0, str(ROOT / "tests" / "ui"))
from desktop import TrayMenu, close_window, web_page_under  # noqa: E402 - the tests' desktop readers
from measure_support import (  # noqa: E402 - shared with measure-tray.py
    cpu, first_gtk_program_on_the_display, memory, sign_in_with_a_grant, tray_ready, wait)


first_gtk_program_on_the_display()
start = time.monotonic()
with open(log, "w") as err:
    process = subprocess.Popen([app], stderr=err)
ready = tray_ready(process.pid)
if ready is None:
    raise SystemExit("the tray menu never appeared on the session bus:\n" + Path(log).read_text())
print(f"launch to tray     {(ready - start) * 1000:.0f} ms (until the tray menu answers on D-Bus)")
environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
print("GDK OpenGL         " + ("off (GDK_GL=disable, the app's default)" if b"GDK_GL=disable" in environ else "on"))

time.sleep(15)  # let it settle: the idle state is what matters
pids = memory("idle, tray only    ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")

# A second launch hands over to the running app, which opens its window.
subprocess.run([app], stderr=subprocess.DEVNULL, timeout=30)
wait("WebKit's web process", lambda: web_page_under(process.pid))
time.sleep(10)
memory("window open        ", process.pid)

close_window()
time.sleep(60)  # the bound: small again within a minute of hiding
released = "releasing it" in Path(log).read_text()
pids = memory("1 min after hiding ", process.pid)
print("window released    " + ("yes (the webview and its window destroyed)" if released else "NO: still held"))
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")

# And it comes back: a released window is made again when asked for.
subprocess.run([app], stderr=subprocess.DEVNULL, timeout=30)
wait("the window to open again after its release", lambda: web_page_under(process.pid))
print("window reopened    yes, after its release")
process.terminate()
process.wait(timeout=15)

with tempfile.TemporaryDirectory() as work:
    env, servers = sign_in_with_a_grant(Path(work))
    first_gtk_program_on_the_display()
    with open(log, "w") as err:
        process = subprocess.Popen([app], stderr=err, env={**os.environ, **env})
    if tray_ready(process.pid) is None:
        raise SystemExit("the tray menu never appeared on the session bus:\n" + Path(log).read_text())
    tray = TrayMenu.find()
    wait("the tray menu to count the grant down", lambda: "left" in tray.text())
    time.sleep(15)
    pids = memory("idle, signed in    ", process.pid)
    print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s (signed in, one grant counting down)")
    process.terminate()
    process.wait(timeout=15)
    for server in servers:
        server.terminate()
        server.wait(timeout=15)
