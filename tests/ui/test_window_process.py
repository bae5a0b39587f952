"""The window as its own process (Linux, issue 11): stint-tray is the tray and the agent and
never links WebKit; "Open Stint…" starts `stint-app --window`, which makes no tray icon
of its own and ends soon after its window is closed, so the tray's idle footprint is the
tray's again. Plain `stint-app` on Linux hands over to the stint-tray beside it, so
that whatever starts it (the menu entry, "Start at login", `make demo`) gets the split.
Driven as a person would: the tray's menu over D-Bus, the window's close button as a
window manager sends it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import binary
from desktop import (TRAY_MENU_PATH, TrayMenu, _gdbus, _pid_of, _process_name, bus_names, close_window,
                     descendants, wait_for, web_page_under, windows_called)

OPEN = "Open Stint…"


def window_processes(tray_pid: int) -> list[int]:
    """The window processes the tray started (after their GDK restart, still its children)."""
    found = []
    for pid in descendants(tray_pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "stint-app":
                continue
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if state != "Z":
            found.append((pid, args))
    return found


def trays_of(process: str) -> list[str]:
    """The session-bus connections of `process` that serve a tray menu."""
    served = []
    for name in bus_names():
        if name.startswith(":") and _process_name(name) == process:
            try:
                _gdbus("--dest", name, "--object-path", TRAY_MENU_PATH, "--timeout", "3",
                       "--method", "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []")
                served.append(name)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass
    return served


def tray_env(workdir: Path, sim) -> dict[str, str]:
    run = workdir / "run"
    run.mkdir(mode=0o700)
    env = {
        **os.environ,
        "STINT_CONFIG": str(workdir / "config" / "config.toml"),
        "STINT_CACHE_DIR": str(workdir / "cache"),
        "STINT_START_URL": sim.ready["startUrl"],
        "STINT_SSO_REGION": sim.ready["region"],
        "STINT_SSO_SESSION": "window-process",
        "XDG_RUNTIME_DIR": str(run),
        # The window's process ends this long after its window is closed (15 s by default).
        "STINT_WINDOW_RELEASE_SECS": "2",
        "STINT_LOG": "info",
    }
    # Whatever the session says: these tests are about the split.
    env.pop("STINT_WHOLE_APP", None)
    env.pop("STINT_SHOW_WINDOW", None)
    return env


def maps_webkit(pid: int) -> bool:
    """Whether WebKit's library is loaded in `pid` itself."""
    return "libwebkit2gtk" in Path(f"/proc/{pid}/maps").read_text()


def stop(process: subprocess.Popen, log: Path) -> None:
    """Ends the tray (and any window it started), and shows its log (pytest prints it
    only when the test failed)."""
    for pid, _ in window_processes(process.pid):
        os.kill(pid, 15)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    print(f"--- {log.name} (the tray's and the window's stderr) ---")
    print(log.read_text(errors="replace")[-20000:])


def test_open_stint_starts_the_window_alone_and_it_ends_after_it_is_closed(workdir, sim):
    env = tray_env(workdir, sim)
    log = workdir / "tray.log"
    # stint-app is found beside stint-tray, as an install puts them.
    assert (binary("stint-tray").parent / "stint-app").exists()
    tray = subprocess.Popen([binary("stint-tray")], env=env, stderr=log.open("w"))
    try:
        menu = TrayMenu.find(process="stint-tray")
        wait_for("the tray's menu", lambda: OPEN in menu.lines())
        assert window_processes(tray.pid) == []

        menu.click(OPEN)
        [(pid, _)] = wait_for("a window process under the tray", lambda: window_processes(tray.pid))
        wait_for("the window's page (WebKit) in the window's process", lambda: web_page_under(pid))
        # Read once it runs: its command line is not there yet while it starts (execs).
        [(_, args)] = window_processes(tray.pid)
        assert b"--window" in args, args
        wait_for("the Stint window on the screen", lambda: windows_called("Stint"))
        # The window made no tray of its own: the only tray menu on the bus is stint-tray's.
        assert trays_of("stint-app") == []
        assert len(trays_of("stint-tray")) == 1

        # Asked again while it is open, the tray brings the same window forward.
        menu.click(OPEN)
        time.sleep(3)
        assert [p for p, _ in window_processes(tray.pid)] == [pid]

        close_window("Stint")
        wait_for("the window's process to end after its window was closed",
                 lambda: window_processes(tray.pid) == [], timeout=60)
        # Nothing of the window is left under the tray: WebKit's web process, orphaned when
        # the window's process ended, follows it once it sees its connection closed.
        wait_for("no WebKit web process left under the tray", lambda: not web_page_under(tray.pid),
                 timeout=30)
        assert tray.poll() is None, "the tray ended with its window"

        # And it comes back when asked for.
        menu.click(OPEN)
        [(again, _)] = wait_for("a new window process", lambda: window_processes(tray.pid))
        assert again != pid
        wait_for("the window's page again", lambda: web_page_under(again))
    finally:
        stop(tray, log)


def test_plain_stint_app_hands_over_to_the_tray_beside_it(workdir, sim):
    env = tray_env(workdir, sim)
    log = workdir / "app.log"
    assert (binary("stint-app").parent / "stint-tray").exists()
    app = subprocess.Popen([binary("stint-app")], env=env, stderr=log.open("w"))
    try:
        menu = TrayMenu.find(process="stint-tray")
        wait_for("the tray's menu", lambda: OPEN in menu.lines())
        # The process started as stint-app is stint-tray now (exec keeps the process id),
        # and it owns the only tray on the bus.
        assert Path(f"/proc/{app.pid}/comm").read_text().strip() == "stint-tray"
        assert _pid_of(menu.owner) == app.pid
        assert trays_of("stint-app") == []
        # No WebKit anywhere: not in the tray, and no window was started (nobody asked).
        time.sleep(3)
        assert not maps_webkit(app.pid)
        assert window_processes(app.pid) == []
        assert not web_page_under(app.pid)
        assert app.poll() is None, "the tray ended"
    finally:
        stop(app, log)


def test_show_window_opens_the_window_as_the_tray_starts(workdir, sim):
    # As `make demo` starts it: not every desktop shows a tray icon, so the window opens.
    env = {**tray_env(workdir, sim), "STINT_SHOW_WINDOW": "1"}
    log = workdir / "app.log"
    app = subprocess.Popen([binary("stint-app")], env=env, stderr=log.open("w"))
    try:
        TrayMenu.find(process="stint-tray")
        assert Path(f"/proc/{app.pid}/comm").read_text().strip() == "stint-tray"
        [(pid, _)] = wait_for("a window process under the tray", lambda: window_processes(app.pid))
        wait_for("the Stint window on the screen", lambda: windows_called("Stint"))
        [(_, args)] = window_processes(app.pid)
        assert b"--window" in args, args
        assert not maps_webkit(app.pid)
        assert len(trays_of("stint-tray")) == 1 and trays_of("stint-app") == []
        # Once: the window is not opened again while it is open.
        time.sleep(3)
        assert [p for p, _ in window_processes(app.pid)] == [pid]
    finally:
        stop(app, log)


def all_window_processes() -> list[int]:
    """Every `stint-app --window` on the machine (a window opened by a tray that has ended
    since is nobody's child any more)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "stint-app" \
                    and b"--window" in (proc / "cmdline").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_a_second_launch_opens_the_window_instead_of_a_second_tray(workdir, sim):
    # The menu entry clicked again (or a second "Start at login") while the tray runs.
    env = tray_env(workdir, sim)
    log, second_log = workdir / "app.log", workdir / "second.log"
    first = subprocess.Popen([binary("stint-app")], env=env, stderr=log.open("w"))
    try:
        menu = TrayMenu.find(process="stint-tray")
        wait_for("the tray's menu", lambda: OPEN in menu.lines())
        assert all_window_processes() == []
        second = subprocess.Popen([binary("stint-app")], env=env, stderr=second_log.open("w"))
        assert second.wait(timeout=60) == 0, second_log.read_text()
        # One tray still, the first one; and the window the second launch asked for.
        assert len(trays_of("stint-tray")) == 1
        assert _pid_of(TrayMenu.find(process="stint-tray").owner) == first.pid
        wait_for("the window the second launch opened", all_window_processes)
        wait_for("the Stint window on the screen", lambda: windows_called("Stint"))
        assert "already runs" in second_log.read_text()
        assert first.poll() is None, "the first tray ended"
    finally:
        for pid in all_window_processes():
            os.kill(pid, 15)
        stop(first, log)
        print("--- second launch ---")
        print(second_log.read_text(errors="replace")[-5000:])
