"""What scripts/measure-app.py (the whole app) and scripts/measure-tray.py (the split
desktop) share: finding a tray menu on the session bus, reading the memory and CPU of a
process and all its children from /proc, and a signed-in world (stint-sim, the broker,
alice signed in through the CLI with a grant active). Imported by those scripts, run
inside their Xvfb session; not a program of its own."""

import json, os, re, subprocess, sys, threading, time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(os.environ["STINT_ROOT"])
sys.path.insert(0, str(ROOT / "tests" / "ui"))
from desktop import descendants  # noqa: E402 - the tests' reader of /proc
DEBUG = Path(os.environ["CARGO_TARGET_DIR"]) / "debug"
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
    """`pid` and every process under it."""
    return [pid] + descendants(pid)

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

def wait(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")

def start_ready(args, env, err):
    """A Stint server on port 0; its first stdout line is its ready JSON."""
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
                               cwd=env.get("HOME"))
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"{args[0]} stopped before it was ready")
    return process, json.loads(line)

def sign_in_with_a_grant(work):
    """stint-sim and the broker (demo world and policy, SQLite), alice signed in through
    the CLI (same config and keyring as the app), and a grant of hers active. Returns the
    environment the app needs and the servers to stop."""
    sim, ready = start_ready([str(DEBUG / "stint-sim"), "serve", "--port", "0"],
                             dict(os.environ), subprocess.DEVNULL)
    (work / "policies.toml").write_text((ROOT / "crates/stint-broker/demo/policies.toml").read_text())
    (work / "broker.toml").write_text(f"""
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:8700"
database_url = "sqlite://{work / 'stint.db'}"
policy_file = "policies.toml"
[identity_center]
region = "{ready['region']}"
instance_arn = "{ready['instanceArn']}"
identity_store_id = "{ready['identityStoreId']}"
start_url = "{ready['startUrl']}"
baseline_account = "222222222222"
sts_hosts = ["{ready['url']}"]
""")
    world = (ROOT / "crates/stint-sim/worlds/demo.toml").read_text()
    key, secret = re.search(r'access_key_id = "([^"]+)"\s*\n\s*secret_access_key = "([^"]+)"', world).groups()
    broker, broker_ready = start_ready(
        [str(DEBUG / "stint-broker"), "serve", "--config", str(work / "broker.toml")],
        {"PATH": os.environ["PATH"], "HOME": str(work), "AWS_ENDPOINT_URL": ready["url"],
         "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
         "AWS_EC2_METADATA_DISABLED": "true", "STINT_LOG": "warn"},
        open(work / "broker.log", "w"))
    env = {"STINT_BROKER_URL": broker_ready["url"], "STINT_START_URL": ready["startUrl"],
           "STINT_SSO_REGION": ready["region"], "STINT_BASELINE_ACCOUNT_ID": "222222222222",
           "STINT_BASELINE_ROLE": "StintBaseline", "STINT_WRITE_AWS_CLI_CACHE": "false",
           "AWS_ENDPOINT_URL": ready["url"]}
    cli = lambda *args, **kw: subprocess.run([str(DEBUG / "stint"), *args], env={**os.environ, **env},
                                             capture_output=True, text=True, timeout=120, **kw)
    login = subprocess.Popen([str(DEBUG / "stint"), "login", "--use-device-code", "--no-browser"], env={**os.environ, **env},
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in login.stderr:
        code = re.search(r"\b([A-Z]{4}-[A-Z]{4})\b", line)
        if code:
            urlopen(Request(f"{ready['url']}/_sim/device/approve", method="POST",
                            headers={"content-type": "application/json"},
                            data=json.dumps({"userCode": code.group(1), "userName": "alice"}).encode()),
                    timeout=30).read()
            break
    if login.wait(timeout=120) != 0:
        raise SystemExit("stint login failed")
    made = cli("request", "dev/PowerUserAccess", "--for", "4h", "--reason", "measuring the app", "--json")
    if made.returncode != 0:
        raise SystemExit(f"stint request failed: {made.stderr}")
    wait("the grant to be active", lambda: '"active"' in cli("ls", "--json").stdout)
    return env, [broker, sim]

def first_gtk_program_on_the_display():
    """GTK 3 keeps its choice of visuals on the root window (GDK_VISUALS), and only the
    first program on a display pays for opening OpenGL to make it. Each launch here is
    measured as that first one: the worst case, and what a fresh Xvfb shows."""
    subprocess.run(["xprop", "-root", "-remove", "GDK_VISUALS"], check=True, timeout=10)
