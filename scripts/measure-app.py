"""The measuring half of scripts/measure-app.sh, run inside its Xvfb session: starts the
app, times it to the tray menu on the session bus, and reads the memory and CPU of all its
processes as a tray alone, with the window open, and after the closed window is released.

    measure-app.py APP_BINARY LOG_FILE
"""

import ctypes, ctypes.util, os, re, subprocess, sys, time
from pathlib import Path

app, log = sys.argv[1], sys.argv[2]
MENU = "/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu"

def gdbus(*args):
    return subprocess.run(["gdbus", "call", "--session", *args], capture_output=True, text=True, timeout=5)

def menu_owner(pid, seen):
    """The app's connection once it answers GetLayout on the tray menu path."""
    names = re.findall(r"'(:[^']+)'", gdbus("--dest", "org.freedesktop.DBus", "--object-path",
        "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.ListNames").stdout)
    for name in names:
        if name not in seen:
            out = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                        "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", name).stdout
            m = re.search(r"uint32 (\d+)", out)
            seen[name] = int(m.group(1)) if m else 0
        if seen[name] == pid and gdbus("--dest", name, "--object-path", MENU, "--method",
                "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []").returncode == 0:
            return name
    return None

def tree(pid):
    out = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = children.read_text().split()
        except OSError:
            continue
        for child in kids:
            out += tree(int(child))
    return out

def field(path, name):
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0

def memory(label, pid):
    rss = pss = 0
    pids = tree(pid)
    for p in pids:
        try:
            r, s = field(f"/proc/{p}/status", "VmRSS:"), field(f"/proc/{p}/smaps_rollup", "Pss:")
            name = Path(f"/proc/{p}/comm").read_text().strip()
        except OSError:
            continue
        rss, pss = rss + r, pss + s
        print(f"  {p:<8} {name:<20} {r / 1024:>5.0f} MB RSS  {s / 1024:>5.0f} MB PSS")
    print(f"{label:<19}{pss / 1024:.0f} MB PSS, {rss / 1024:.0f} MB RSS (all {len(pids)} processes)")
    return pids

def cpu(pids, seconds=30):
    def ticks():
        total = 0
        for p in pids:
            try:
                stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(stat[11]) + int(stat[12])
            except OSError:
                pass
        return total
    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / os.sysconf("SC_CLK_TCK") * 1000 / seconds

def close_window():
    """WM_DELETE_WINDOW to the Stint window, as a window manager's close button sends."""
    tree_out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    ids = [int(m.group(1), 16) for m in re.finditer(r"(0x[0-9a-f]+) \"Stint\": \(.*\)\s+(\d+)x(\d+)", tree_out)
           if int(m.group(2)) > 100]
    if not ids:
        raise SystemExit("the Stint window is not on the screen")
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

def wait(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")

start = time.monotonic()
with open(log, "w") as err:
    process = subprocess.Popen([app], stderr=err)
seen = {}
owner = None
while owner is None and time.monotonic() - start < 30:
    owner = menu_owner(process.pid, seen)
ready = time.monotonic()
if owner is None:
    raise SystemExit("the tray menu never appeared on the session bus:\n" + Path(log).read_text())
print(f"launch to tray     {(ready - start) * 1000:.0f} ms (until the tray menu answers on D-Bus)")
environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
print("GDK OpenGL         " + ("off (GDK_GL=disable, set by the app for itself)"
                               if b"GDK_GL=disable" in environ else "on"))

time.sleep(15)  # let it settle: the idle state is what matters
pids = memory("idle, tray only    ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")

# A second launch hands over to the running app, which opens its window.
subprocess.run([app], stderr=subprocess.DEVNULL, timeout=30)
wait("WebKit's processes", lambda: len(tree(process.pid)) > 1)
time.sleep(10)
memory("window open        ", process.pid)

close_window()
wait("the window to be released", lambda: "releasing it" in Path(log).read_text(), timeout=60)
time.sleep(10)
pids = memory("window released    ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")
process.terminate()
process.wait(timeout=15)
