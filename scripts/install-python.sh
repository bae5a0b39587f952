#!/usr/bin/env bash
# A virtualenv under the repository (.venv) with the second SDK (boto3/botocore) and moto's
# server, which the interop and cross-check tests use. Reinstalls only when the pins change.
source "$(dirname "$0")/lib.sh"

venv="$STINT_ROOT/.venv"
req="$STINT_ROOT/scripts/python-requirements.txt"
stamp="$venv/.stint-requirements"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
    exit 0
fi
say "creating Python virtualenv in .venv"
python3 -m venv "$venv" 2>/dev/null || die "python3 -m venv failed: install python3-venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -r "$req"
cp "$req" "$stamp"
