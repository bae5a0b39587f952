"""The desktop around the app under test, read the way a person's desktop would: the
tray menu over D-Bus (com.canonical.dbusmenu), notifications as dbus-monitor sees them
on the session bus, the clipboard with xclip, and a STINT_BROWSER recorder."""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TRAY_MENU_PATH = "/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu"


def wait_for(what: str, check, timeout: float = 60.0, interval: float = 0.2):
    """Polls `check` until it returns something truthy; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as e:  # noqa: BLE001 - the condition may not be checkable yet
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def _gdbus(*args: str) -> str:
    return subprocess.run(
        ["gdbus", "call", "--session", *args], check=True, capture_output=True, text=True, timeout=10
    ).stdout


def bus_names() -> list[str]:
    out = _gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                 "--method", "org.freedesktop.DBus.ListNames")
    return re.findall(r"'([^']+)'", out)


def _pid_of(bus_name: str) -> int | None:
    """The process id behind a connection on the session bus."""
    try:
        out = _gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                     "--timeout", "3", "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID",
                     bus_name)
        return int(re.search(r"uint32 (\d+)", out).group(1))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AttributeError):
        return None


def _process_name(bus_name: str) -> str | None:
    pid = _pid_of(bus_name)
    try:
        return None if pid is None else Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def _labels(layout: str) -> list[tuple[int, str]]:
    """(depth, label) for every item of a GetLayout answer, in order. Separators come
    back as items of type 'separator' with no label."""
    items: list[tuple[int, str]] = []
    depth = 0
    i = 0
    while i < len(layout):
        if layout.startswith("(", i) and re.match(r"\(\d+, \{", layout[i:]):
            depth += 1
            props_end = layout.find("}", i)
            props = layout[i:props_end]
            label = re.search(r"'label': <'((?:[^'\\]|\\.)*)'>", props)
            if "'type': <'separator'>" in props:
                items.append((depth, "────────"))
            elif label:
                items.append((depth, label.group(1).replace("\\'", "'")))
            i = props_end
        elif layout.startswith(")", i):
            depth -= 1
        i += 1
    return items


def descendants(pid: int) -> list[int]:
    """Every process started (directly or not) by `pid`, from /proc."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            found.extend(children)
            queue.extend(children)
    return found


def web_page_under(pid: int) -> bool:
    """Whether WebKit's web process (a page) runs under `pid`."""
    names = []
    for p in descendants(pid):
        try:
            names.append(Path(f"/proc/{p}/comm").read_text().strip())
        except OSError:
            pass
    return "WebKitWebProces" in names


@dataclass
class TrayMenu:
    owner: str

    @classmethod
    def find(cls, timeout: float = 30.0, process: str = "stint-app",
             showing: str | None = None) -> "TrayMenu":
        """The tray's connection on the session bus: the one whose process is `process`
        (the app, or stint-tray) and that answers GetLayout on the tray's menu path — and,
        with several trays on the bus, whose menu shows the line `showing`."""
        def owner():
            for name in bus_names():
                if not name.startswith(":") or _process_name(name) != process:
                    continue
                try:
                    _gdbus("--dest", name, "--object-path", TRAY_MENU_PATH, "--timeout", "3",
                           "--method", "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []")
                except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                    continue
                if showing is None or showing in TrayMenu(name).lines():
                    return name
            return None
        what = "the tray menu" + (f" showing {showing!r}" if showing else "")
        return cls(wait_for(f"{what} on the session bus", owner, timeout))

    def lines(self) -> list[str]:
        out = _gdbus("--dest", self.owner, "--object-path", TRAY_MENU_PATH,
                     "--method", "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []")
        # The root item (depth 1) has no label; its children are depth 2. GTK labels
        # carry mnemonics: `__` is a literal underscore, a lone `_` marks the access key.
        def plain(label: str) -> str:
            return re.sub(r"_(.)", r"\1", label)
        return ["    " * (d - 2) + plain(label) for d, label in _labels(out) if d >= 2]

    def text(self) -> str:
        return "\n".join(self.lines())

    def click(self, label: str) -> None:
        """Activates the item labelled `label`, as the desktop does when it is clicked."""
        out = _gdbus("--dest", self.owner, "--object-path", TRAY_MENU_PATH,
                     "--method", "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []")
        ids = [int(m.group(1)) for m in re.finditer(r"\((\d+), \{([^}]*)\}", out)
               if f"'label': <'{label}'>" in m.group(2).replace("__", "_")]
        assert len(ids) == 1, f"expected one tray item {label!r}, found {ids} in {self.lines()}"
        _gdbus("--dest", self.owner, "--object-path", TRAY_MENU_PATH,
               "--method", "com.canonical.dbusmenu.Event", "--", str(ids[0]), "clicked", "<int32 0>", "0")


class Notifications:
    """Every org.freedesktop.Notifications.Notify call on the session bus."""

    def __init__(self, log: Path):
        self.log = log
        self.process = subprocess.Popen(
            ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=log.open("w"), stderr=subprocess.STDOUT,
        )

    def seen(self) -> list[tuple[str, str, str]]:
        """(app name, summary, body) of each Notify call so far."""
        calls = []
        for block in self.log.read_text(errors="replace").split("method call")[1:]:
            strings = re.findall(r'^\s+string "((?:[^"\\]|\\.)*)"', block, re.M)
            # Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, timeout)
            if len(strings) >= 4:
                calls.append((strings[0], strings[2], strings[3]))
        return calls

    def wait(self, summary: str, timeout: float = 60.0) -> tuple[str, str, str]:
        return wait_for(
            f"a notification {summary!r}",
            lambda: next((n for n in self.seen() if n[1] == summary), None),
            timeout,
        )

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def clipboard() -> str:
    return subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True,
                          text=True, timeout=10).stdout


def windows_called(title: str) -> list[str]:
    """The X ids of the windows called `title` that are big enough to be the real one
    (Tauri's helper windows share the name)."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          timeout=10).stdout
    return [m.group(1) for m in re.finditer(rf'(0x[0-9a-f]+) "{re.escape(title)}": \(.*\)\s+(\d+)x(\d+)', tree)
            if int(m.group(2)) > 100 and int(m.group(3)) > 100]


def capture_window(title: str, out: Path) -> None:
    """The window called `title` as it is on the X screen (ImageMagick's import)."""
    ids = windows_called(title)
    assert len(ids) == 1, f"expected one {title!r} window on the screen, found {ids}"
    subprocess.run(["import", "-silent", "-window", ids[0], str(out)], check=True, timeout=30)


def render_menu_png(lines: list[str], out: Path) -> None:
    """The tray is invisible under Xvfb (no StatusNotifierWatcher), so the screenshot of
    its menu is its labels, as read over D-Bus, drawn by ImageMagick."""
    text = "\n".join(lines).replace("\\", "\\\\").replace("%", "%%")
    subprocess.run(
        ["convert", "-background", "#fbfbfc", "-fill", "#1f2328", "-font", "DejaVu-Sans",
         "-pointsize", "15", "-interline-spacing", "6", "-bordercolor", "#fbfbfc", "-border", "18x14",
         f"label:{text}", "-bordercolor", "#c8ccd2", "-border", "1", str(out)],
        check=True, timeout=30,
    )


def close_window(title: str = "Stint") -> None:
    """WM_DELETE_WINDOW to the windows called `title`, as a window manager's close button
    sends (Xvfb has no window manager to press it)."""
    ids = [int(i, 16) for i in windows_called(title)]
    if not ids:
        raise AssertionError(f"no window called {title!r} is on the screen")
    x = ctypes.CDLL(ctypes.util.find_library("X11"))
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                    ("message_type", ctypes.c_ulong), ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x.XFlush.argtypes = [ctypes.c_void_p]
    display = x.XOpenDisplay(None)
    for window in ids:
        event = XEvent()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x.XInternAtom(display, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        x.XSendEvent(display, window, 0, 0, ctypes.byref(event))
    x.XFlush(display)
