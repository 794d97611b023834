#!/usr/bin/env bash
# echelon plan: every field of its table, exit 2 on bad arguments, a warning and a
# layout that fits under --time-limit, and its predictions against a real run of the
# same scenario: the results file's size within 15% and the run's peak memory within
# 25% (the program's own memory is measured at plan time, the rest estimated).
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/scenarios/demo.yaml
small=(--replications 10 --days 30 --warmup 5)

expect_status() {
    local want=$1
    shift
    set +e
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    set -e
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$TMP/err")"
}

# Bad arguments: exit 2 and a message, before any calibration.
expect_status 2 "$ECHELON_BIN" plan
expect_status 2 "$ECHELON_BIN" plan "$scenario"
grep -q -- "--ranks" "$TMP/err" || fail "missing --ranks not explained"
expect_status 2 "$ECHELON_BIN" plan "$scenario" --ranks 0
expect_status 2 "$ECHELON_BIN" plan "$scenario" --ranks 2x
expect_status 2 "$ECHELON_BIN" plan "$scenario" --ranks 2 --threads 0
expect_status 2 "$ECHELON_BIN" plan "$scenario" --ranks 2 --time-limit -5
expect_status 2 "$ECHELON_BIN" plan "$scenario" --ranks 2 --frob
expect_status 2 "$ECHELON_BIN" plan "$TMP/missing.yaml" --ranks 2
grep -q "missing.yaml" "$TMP/err" || fail "missing scenario not named"
"$ECHELON_BIN" plan --help | grep -q -- "--time-limit" || fail "plan --help"
"$ECHELON_BIN" --help | grep -q "plan SCENARIO.yaml" || fail "plan missing from --help"

# Every field, and a Slurm line for 3 ranks x 2 threads on nodes of 4 cores.
expect_status 0 "$ECHELON_BIN" plan "$scenario" "${small[@]}" --ranks 3 --threads 2 \
    --cores-per-node 4 --calibration-seconds 0.2
for field in "Calibration: .* simulated on this machine" "layout .*3 rank(s) x 2 thread(s)" \
    "imbalance  *[0-9.]* (heaviest rank's cost / mean)" "wall time .*loading .*simulation .*writing" \
    "memory per rank .*[KMG]iB" "results file .*[KMG]iB" "write rate .*storage" \
    "sbatch --nodes=2 --ntasks=3 --cpus-per-task=2 --time=[0-9][0-9]:[0-9][0-9]:00"; do
    grep -q -- "$field" "$TMP/out" || fail "plan output lacks '$field': $(cat "$TMP/out")"
done

# Nodes whose memory takes fewer ranks than their cores: --ntasks-per-node.
expect_status 0 "$ECHELON_BIN" plan "$scenario" "${small[@]}" --ranks 4 --cores-per-node 64 \
    --memory-per-node 0.25 --calibration-seconds 0.2
grep -q "sbatch --nodes=[0-9]* --ntasks=4 --ntasks-per-node=[1-3] --cpus-per-task=1" "$TMP/out" ||
    fail "memory-bound nodes: $(cat "$TMP/out")"

# A limit the layout cannot meet: a warning, and a larger layout that fits.  The
# work is large enough (20,000 replications, never run) that one rank misses 15
# minutes on any machine up to ~8x faster than this one, and small enough per
# rank that a larger layout fits even under the sanitizers (writing, on rank 0
# alone, does not shrink with ranks).
expect_status 0 "$ECHELON_BIN" plan "$scenario" --replications 20000 --ranks 1 --time-limit 15 \
    --calibration-seconds 0.2
grep -q "exceeds --time-limit 15 min" "$TMP/err" || fail "no --time-limit warning: $(cat "$TMP/err")"
grep -q "fits --time-limit: sbatch --nodes=[0-9]* --ntasks=[0-9]*" "$TMP/out" ||
    fail "no layout proposed for --time-limit: $(cat "$TMP/out")"

# Predicted against measured: one small real run.  Under the sanitizers, whose shadow
# memory leaves the peak nothing to compare, the comparison is left to the optimised
# build: the run's code paths are determinism.demo's, the prediction's this plan's.
expect_status 0 "$ECHELON_BIN" plan "$scenario" "${small[@]}" --ranks 1 --threads 1 \
    --calibration-seconds 0.3
cp "$TMP/out" "$TMP/plan.txt"
grep -q "results file .*[KMG]iB" "$TMP/plan.txt" || fail "no results file prediction: $(cat "$TMP/out")"
if sanitized; then
    echo "plan: OK (sanitizers: no run to compare with)"
    exit 0
fi
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%M" -o "$TMP/rss" "$ECHELON_BIN" run "$scenario" "${small[@]}" --threads 1 \
        --quiet -o "$TMP/out.h5" >/dev/null
else
    "$ECHELON_BIN" run "$scenario" "${small[@]}" --threads 1 --quiet -o "$TMP/out.h5" >/dev/null
fi
"$PYTHON" - "$TMP/plan.txt" "$TMP/out.h5" "$TMP/rss" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
units = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
def size(label, which=0):
    line = next(l for l in text.splitlines() if l.startswith(label))
    v = re.findall(r"([0-9.]+) (B|KiB|MiB|GiB)", line)[which]
    return float(v[0]) * units[v[1]]
predicted, measured = size("results file"), os.path.getsize(sys.argv[2])
err = predicted / measured - 1
print(f"results file: predicted {predicted:.0f} B, measured {measured} B ({100 * err:+.1f}%)")
if abs(err) > 0.15:
    sys.exit(f"FAIL: results file size off by {100 * err:+.1f}% (tolerance 15%)")
if os.path.exists(sys.argv[3]):
    rss = float(open(sys.argv[3]).read().split()[-1]) * 1024
    mem = size("memory per rank", 0)
    err = mem / rss - 1
    print(f"memory: predicted {mem:.0f} B, measured peak {rss:.0f} B ({100 * err:+.1f}%)")
    if abs(err) > 0.25:
        sys.exit(f"FAIL: memory per rank off by {100 * err:+.1f}% (tolerance 25%)")
PY
echo "plan: OK"
