#!/usr/bin/env bash
# The broker's benchmarks, release build. Prints the figures the README quotes:
#
#   broker_load      the serve binary with 10,000 grants on SQLite in front of stint-sim:
#                    API latency at 500 requests/s, revocation lag, broker memory
#   revocation_lag   the engine alone (in-memory Identity Center): lag to the delete intent
#
#   scripts/bench.sh                   both
#   scripts/bench.sh broker_load       one
#
# Knobs (see the benches' headers): STINT_BENCH_GRANTS, STINT_BENCH_RATE,
# STINT_BENCH_API_SECS, STINT_BENCH_LEAD_SECS, STINT_BENCH_SPREAD_SECS.
source "$(dirname "$0")/lib.sh"
cd "$STINT_ROOT"

# Release builds do not reuse incremental state; skipping it saves disk.
export CARGO_INCREMENTAL=0

benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(broker_load revocation_lag)

say "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for bench in "${benches[@]}"; do
    say "cargo bench -p stint-broker --bench $bench"
    cargo bench -p stint-broker --bench "$bench"
done
say "done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
