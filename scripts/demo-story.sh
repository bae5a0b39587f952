#!/usr/bin/env bash
# The tray app's story told through the `stint` CLI, for `make demo` on a machine with no
# display: alice signs in and asks for prod / ReadOnlyAccess, bob approves, alice's
# credentials work against the simulator's STS and her console link lands on the right
# account, and the grant ends on its own. Each person has their own HOME and keyring
# (gnome-keyring on a private session bus), as two people on two machines would.
#
#   scripts/demo-story.sh SIM_URL BROKER_URL STINT_AS
#
# STINT_AS is the demo's `stint-as PERSON ARGS...` (written by scripts/demo.sh): the CLI
# as that person.
source "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: $0 SIM_URL BROKER_URL STINT_AS"
SIM_URL="$1"
BROKER_URL="$2"
STINT_AS="$3"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/stint-story.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
WINDOW="90s"
TARGET="prod/ReadOnlyAccess"

step() { printf '\n\033[1;34m--- %s\033[0m\n' "$*"; }
# The command being run, on stderr so that what it prints stays its own.
show() { printf '\033[2m$ %s\033[0m\n' "$*" >&2; }

# ARGS as one would type them: quoted where a shell needs it.
typed() {
    local arg out=""
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then out+=" $arg"; else out+=" '${arg//\'/\'\\\'\'}'"; fi
    done
    printf '%s' "${out# }"
}

# stint PERSON ARGS...: the CLI as PERSON, shown as it is typed.
stint() {
    local who="$1"
    shift
    show "stint $(typed "$@")    # as $who"
    "$STINT_AS" "$who" "$@"
}

json_field() { python3 -c 'import json, sys; v = json.load(sys.stdin)
for k in sys.argv[1:]: v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"; }

# State of request ID in PERSON's `stint ls --json`.
state_of() {
    local ls
    ls="$("$STINT_AS" "$1" ls --json)" || die "stint ls failed for $1"
    python3 -c 'import json, sys
ls = json.load(sys.stdin)
print(next((r["state"] for r in ls.get("requests", []) if r["id"] == int(sys.argv[1])), "missing"))' "$2" <<<"$ls" ||
        die "stint ls --json printed: $ls"
}

# until_state PERSON ID STATE SECONDS: polls until the request reaches STATE.
until_state() {
    local state="" i
    for ((i = 0; i < $4 * 2; i++)); do
        state="$(state_of "$1" "$2")"
        [ "$state" = "$3" ] && return 0
        sleep 0.5
    done
    die "request $2 is $state, not $3, after $4 s"
}

# login PERSON: `stint login --use-device-code --no-browser`; the code it prints is approved as PERSON
# through the simulator's control API, where a person would approve it on the device page.
login() {
    local who="$1" log="$WORK/$1-login.log" code=""
    show "stint login --use-device-code --no-browser    # as $who"
    "$STINT_AS" "$who" login --use-device-code --no-browser 2>"$log" &
    local pid=$!
    for _ in $(seq 1 300); do
        code="$(grep -oE '\b[A-Z]{4}-[A-Z]{4}\b' "$log" | head -n1 || true)"
        [ -n "$code" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$code" ] || { cat "$log" >&2; die "stint login showed no code"; }
    echo "    (the CLI shows the code $code; the demo approves it as $who through the simulator's"
    echo "     control API, POST $SIM_URL/_sim/device/approve, where a person would use the"
    echo "     device page $SIM_URL/device in a browser)"
    curl -fsS -X POST "$SIM_URL/_sim/device/approve" -H 'content-type: application/json' \
        -d "{\"userCode\":\"$code\",\"userName\":\"$who\"}" >/dev/null
    wait "$pid" || { cat "$log" >&2; die "stint login failed for $who"; }
    sed 's/^/    /' "$log"
}

step "alice points the CLI at the broker (Identity Center's settings come from it) and signs in"
stint alice configure --broker "$BROKER_URL" | sed 's/^/    /'
login alice

step "alice asks for $TARGET for $WINDOW, with a reason"
request="$(stint alice request "$TARGET" --for "$WINDOW" --reason "INC-42: read the prod load balancer logs" --json)"
id="$(json_field id <<<"$request")"
echo "    request $id is $(json_field state <<<"$request"): an approver decides (policy: engineers-workloads)"

step "bob (an SRE lead) signs in on his machine, sees the request and approves it"
stint bob configure --broker "$BROKER_URL" >/dev/null
login bob
stint bob ls | sed 's/^/    /'
stint bob approve "$id" --comment "ok, read only" | sed 's/^/    /'

step "the broker creates the Identity Center assignment; alice's access turns active"
until_state alice "$id" active 90
stint alice ls | sed 's/^/    /'

step "alice's credentials work against the simulator's STS (boto3, the real AWS SDK for Python)"
creds="$(stint alice creds "$TARGET" --format json)"
show "python -c 'boto3.client(\"sts\").get_caller_identity()'    # with those credentials"
arn="$(AWS_ACCESS_KEY_ID="$(json_field AccessKeyId <<<"$creds")" \
    AWS_SECRET_ACCESS_KEY="$(json_field SecretAccessKey <<<"$creds")" \
    AWS_SESSION_TOKEN="$(json_field SessionToken <<<"$creds")" \
    AWS_ENDPOINT_URL_STS="$SIM_URL" AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$STINT_ROOT/.venv/bin/python" -c 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])')"
echo "    $arn"
case "$arn" in
    arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnlyAccess_*/alice) ;;
    *) die "STS named someone else: $arn" ;;
esac

step "alice's console link lands on prod as ReadOnlyAccess"
url="$(stint alice console "$TARGET" --print)"
echo "    ${url:0:100}..."
curl -fsSL -H 'accept: application/json' "$url" | python3 -c 'import json, sys
p = json.load(sys.stdin)
print("    the console page of the simulator: account %s, role %s, user %s" % (p["accountId"], p["roleName"], p["userName"]))'

step "the window ends: the broker deletes the assignment and alice's access is gone"
echo "    (waiting for the $WINDOW window to close)"
until_state alice "$id" ended 180
stint alice ls | sed 's/^/    /'
show "stint creds $TARGET    # as alice"
if "$STINT_AS" alice creds "$TARGET" >/dev/null 2>"$WORK/creds-after.log"; then
    die "alice still gets credentials after her window ended"
fi
sed 's/^/    /' "$WORK/creds-after.log"

step "done: the story of the tray app, told through the CLI"
