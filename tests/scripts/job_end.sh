#!/usr/bin/env bash
# A run that will outlast its batch job says so once, on stderr, as soon as its
# estimate is reliable: with the job's end from ECHELON_JOB_END, and from squeue
# (a stand-in on PATH) when only SLURM_JOB_ID is set.  A run that fits says nothing.
# The long runs are stopped (by their process id) once the warning is seen.
source "$(dirname "$0")/common.sh"
scenario=$ECHELON_SOURCE_DIR/scenarios/demo.yaml
warning="echelon: warning: the run needs about .* more but the batch job ends in .*: it will be stopped before it finishes"

# A stand-in for squeue: the job ends a minute from now (local time, as Slurm prints).
mkdir "$TMP/bin"
cat >"$TMP/bin/squeue" <<SQ
#!/bin/sh
[ "\$1 \$2 \$3 \$4 \$5" = "-h -j 4242 -o %e" ] || exit 1
date -d @$(($(date +%s) + 60)) +%Y-%m-%dT%H:%M:%S
SQ
chmod +x "$TMP/bin/squeue"

# Two runs of the demo at 1,000 replications on one thread each (several minutes on
# any machine this suite runs on), side by side: the job's end from ECHELON_JOB_END,
# and from squeue.  Each is stopped once it has warned, or after 40 s.
start_run() { # NAME ENV...
    local name=$1
    shift
    env "$@" "$ECHELON_BIN" run "$scenario" --replications 1000 --threads 1 --no-output \
        --quiet >"$TMP/$name.out" 2>"$TMP/$name.err" &
}
start_run env -u SLURM_JOB_ID ECHELON_JOB_END=$(($(date +%s) + 60))
env_pid=$!
start_run squeue -u ECHELON_JOB_END SLURM_JOB_ID=4242 PATH="$TMP/bin:$PATH"
squeue_pid=$!
for name in env squeue; do
    pid=${name}_pid
    pid=${!pid}
    waited=0
    while ! grep -q "$warning" "$TMP/$name.err" && [ $waited -lt 400 ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q "$warning" "$TMP/$name.err" || fail "$name: no warning: $(cat "$TMP/$name.err")"
    [ "$(grep -c "warning: the run needs" "$TMP/$name.err")" -eq 1 ] || fail "$name: warned twice"
done

# A run that ends well before the job: no warning (nor from a broken squeue).
ECHELON_JOB_END=$(($(date +%s) + 36000)) "$ECHELON_BIN" run "$scenario" --replications 4 \
    --days 30 --warmup 5 --threads 1 --no-output >/dev/null 2>"$TMP/err"
! grep -q "warning" "$TMP/err" || fail "a run that fits was warned: $(cat "$TMP/err")"
env -u ECHELON_JOB_END SLURM_JOB_ID=4243 PATH="$TMP/bin:$PATH" "$ECHELON_BIN" run "$scenario" \
    --replications 4 --days 30 --warmup 5 --threads 1 --no-output >/dev/null 2>"$TMP/err"
! grep -q "warning" "$TMP/err" || fail "a failing squeue gave a warning: $(cat "$TMP/err")"
echo "job_end: OK"
