"""The measuring half of scripts/measure-app.sh (without --whole-app), run inside its Xvfb
session: starts the desktop as a person does (`stint-app`, which becomes the `stint-tray`
beside it) signed out, times it to the tray menu on the session bus and reads the memory
and CPU of all its processes; then again signed in (through the `stint` CLI, against
stint-sim and the broker) with a grant counting down in its menu; then with the window
(its own process, opened from the menu) open, and one minute after it was closed.

    measure-tray.py STINT_APP_OR_TRAY_BINARY LOG_FILE
"""

import json, os, subprocess, sys, tempfile, time
from pathlib import Path

tray_bin, log = sys.argv[1], sys.argv[2]
ROOT = Path(os.environ["STINT_ROOT"])
sys.path.insert(0, str(ROOT / "tests" / "ui"))
from desktop import TrayMenu, close_window, web_page_under  # noqa: E402 - the tests' desktop readers
from measure_support import (  # noqa: E402 - shared with measure-app.py
    cpu, first_gtk_program_on_the_display, memory, sign_in_with_a_grant, tray_ready, tree, wait)


def start(env):
    """The desktop, measured as the first GTK program on the display (the worst case)."""
    first_gtk_program_on_the_display()
    began = time.monotonic()
    with open(log, "w") as err:
        process = subprocess.Popen([tray_bin], stderr=err, env=env)
    ready = tray_ready(process.pid)
    if ready is None:
        raise SystemExit("the tray menu never appeared on the session bus:\n" + Path(log).read_text())
    became = Path(f"/proc/{process.pid}/comm").read_text().strip()
    if became != "stint-tray":
        raise SystemExit(f"{tray_bin} runs as {became}, not stint-tray: this measures the split desktop")
    return process, ready - began


def stop(process):
    process.terminate()
    process.wait(timeout=15)


# Configured, signed out: what a person sees before their first sign-in.
signed_out = {**os.environ, "STINT_START_URL": "http://127.0.0.1:9/start", "STINT_SSO_REGION": "us-east-1"}
process, took = start(signed_out)
print(f"launch to tray     {took * 1000:.0f} ms (until the tray menu answers on D-Bus)")
print(f"started as         {Path(tray_bin).name}, running as stint-tray (pid {process.pid})")
environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
print("GDK OpenGL         " + ("off (GDK_GL=disable, the tray's default)" if b"GDK_GL=disable" in environ else "on"))
tray = TrayMenu.find(process="stint-tray")
wait("the signed-out menu", lambda: "Not signed in" in tray.text())
time.sleep(15)  # let it settle: the idle state is what matters
pids = memory("idle, signed out   ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")
stop(process)

with tempfile.TemporaryDirectory() as work:
    env, servers = sign_in_with_a_grant(Path(work))
    process, _ = start({**os.environ, **env})
    tray = TrayMenu.find(process="stint-tray")
    wait("the tray menu to count the grant down", lambda: "left" in tray.text())
    status = subprocess.run([str(Path(os.environ["CARGO_TARGET_DIR"]) / "debug" / "stint"), "agent", "status"],
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    served = status.returncode == 0 and json.loads(status.stdout).get("pid") == process.pid
    print("agent              " + ("the tray serves the CLI" if served
                                   else f"NOT the tray's: {status.stdout or status.stderr}"))
    time.sleep(15)
    pids = memory("idle, signed in    ", process.pid)
    print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s (signed in, one grant counting down)")

    # The window is its own process (`stint-app --window`), started from the tray's menu,
    # and ends a while after it is closed (15 s, its default): the tray is alone again.
    tray.click("Open Stint…")
    wait("the window's page (WebKit) under the tray", lambda: web_page_under(process.pid))
    time.sleep(10)
    memory("window open        ", process.pid)
    close_window()
    time.sleep(60)  # the bound: small again within a minute of hiding
    pids = memory("1 min after hiding ", process.pid)
    names = {Path(f"/proc/{p}/comm").read_text().strip() for p in tree(process.pid) if Path(f"/proc/{p}").exists()}
    print("window's process   " + ("ended" if "stint-app" not in names else "STILL RUNNING"))
    print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s (after the window)")
    stop(process)
    for server in servers:
        server.terminate()
        server.wait(timeout=15)
