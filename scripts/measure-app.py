"""The measuring half of scripts/measure-app.sh, run inside its Xvfb session: starts the
app, times it to the tray menu on the session bus, and reads the memory and CPU of all its
processes as a tray alone, with the window open, and after the closed window is released.

    measure-app.py APP_BINARY LOG_FILE
"""

import ctypes, ctypes.util, os, re, subprocess, sys, threading, time
from pathlib import Path

app, log = sys.argv[1], sys.argv[2]
MENU = "/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu"

def gdbus(*args, timeout=5):
    try:
        return subprocess.run(["gdbus", "call", "--session", *args],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 1, "", "timeout")

def tray_ready(pid, limit=30):
    """When the tray menu first answers GetLayout on the session bus. The app has other
    connections (the keyring's one never answers calls), so each of its connections is
    asked from its own thread, and the first answer wins."""
    ready = threading.Event()
    asked = set()
    def ask(name):
        while not ready.is_set():
            out = gdbus("--dest", name, "--object-path", MENU, "--method",
                        "com.canonical.dbusmenu.GetLayout", "0", "--", "-1", "@as []", timeout=limit)
            if out.returncode == 0:
                ready.set()
            elif "UnknownObject" not in out.stderr and "UnknownMethod" not in out.stderr:
                return  # gone, or does not answer: not the menu's connection
            time.sleep(0.01)
    deadline = time.monotonic() + limit
    while not ready.is_set() and time.monotonic() < deadline:
        names = re.findall(r"'(:[^']+)'", gdbus("--dest", "org.freedesktop.DBus", "--object-path",
            "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.ListNames").stdout)
        for name in set(names) - asked:
            out = gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                        "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", name).stdout
            m = re.search(r"uint32 (\d+)", out)
            asked.add(name)
            if m and int(m.group(1)) == pid:
                threading.Thread(target=ask, args=(name,), daemon=True).start()
        ready.wait(0.01)
    return time.monotonic() if ready.is_set() else None

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

def web_process(pid):
    """Whether WebKit's web process (the page) runs under the app."""
    names = []
    for p in tree(pid):
        try:
            names.append(Path(f"/proc/{p}/comm").read_text().strip())
        except OSError:
            pass
    return "WebKitWebProces" in names

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
ready = tray_ready(process.pid)
if ready is None:
    raise SystemExit("the tray menu never appeared on the session bus:\n" + Path(log).read_text())
print(f"launch to tray     {(ready - start) * 1000:.0f} ms (until the tray menu answers on D-Bus)")
environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
print("GDK OpenGL         " + ("off (GDK_GL=disable)" if b"GDK_GL=disable" in environ else "on"))

time.sleep(15)  # let it settle: the idle state is what matters
pids = memory("idle, tray only    ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")

# A second launch hands over to the running app, which opens its window.
subprocess.run([app], stderr=subprocess.DEVNULL, timeout=30)
wait("WebKit's web process", lambda: web_process(process.pid))
time.sleep(10)
memory("window open        ", process.pid)

close_window()
wait("the window to be released", lambda: "releasing it" in Path(log).read_text(), timeout=60)
time.sleep(10)
pids = memory("window released    ", process.pid)
print(f"idle CPU           {cpu(pids):.1f} ms per second over 30 s")

# And it comes back: a released window is made again when asked for.
subprocess.run([app], stderr=subprocess.DEVNULL, timeout=30)
wait("the window to open again after its release", lambda: web_process(process.pid))
print("window reopened    yes, after its release")
process.terminate()
process.wait(timeout=15)
