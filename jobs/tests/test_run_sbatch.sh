#!/bin/bash
# jobs/run.sbatch under a real single-node Slurm started for this test alone.
#
#   ECHELON_BIN=build/echelon ECHELON_SOURCE_DIR=. bash jobs/tests/test_run_sbatch.sh
#
# Checks, each with a job submitted through sbatch and run by slurmd:
#   1. a good run, 2 ranks x 2 threads (srun --mpi=pmix): COMPLETED with exit 0, the
#      log has the header, echelon's summary and "Verification hash", the results file
#      is an HDF5 file with file_type "echelon-run", and no temporary file is left;
#   2. the fallback launcher (ECHELON_LAUNCHER=mpirun), 2 ranks x 1 thread: COMPLETED,
#      with the same verification hash as run 1;
#   3. a missing scenario: FAILED with exit 2 and a clear line in the log;
#   4. the time-limit signal: the batch shell gets SIGUSR1 exactly as
#      `#SBATCH --signal=B:USR1@120` delivers it (sent with `scancel --batch
#      --signal=USR1` once echelon has saved a checkpoint: a real limit is one minute
#      at least); echelon must save its work and exit 75, the job requeue itself, the
#      next attempt resume (log appended) and complete, with results identical to a
#      direct run and nothing left behind.  With ECHELON_SLURM_TEST_TIMELIMIT=1 a real
#      limit is also used (--time=1 --signal=B:USR1@50);
#   5. a working directory without results/: the log is written (in the working
#      directory), says results/ was made, and the run completes.
#
# Takes about 20-25 s on a 2-core machine.  Every wait is capped, and the whole test
# at ECHELON_SLURM_TEST_BUDGET seconds (default 420, under CTest's 600 s timeout).
#
# Exit 77 (skipped) when not root or when the Slurm or munge daemons are missing.
# Everything, results and logs included, lives under one temporary folder, removed
# at the end with every daemon stopped, whatever the outcome.
#
# Environment: ECHELON_BIN, ECHELON_SOURCE_DIR (required); ECHELON_SLURM_SCENARIO
# (default scenarios/pharmacy_chain_csv.yaml; with 1500 replications of four years
# it is also the run stopped and requeued in check 4), ECHELON_SLURM_KEEP=1 keeps
# the temporary folder.
set -u -o pipefail

: "${ECHELON_BIN:?ECHELON_BIN must point at the echelon program}"
: "${ECHELON_SOURCE_DIR:?ECHELON_SOURCE_DIR must point at the source tree}"
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=jobs/tests/slurm_harness.sh
. "$here/slurm_harness.sh"

why=$(slurm_missing)
if [ -z "$why" ] && ! command -v h5dump >/dev/null 2>&1; then
    why="h5dump not found (Debian: hdf5-tools)"
fi
if [ -n "$why" ]; then
    echo "SKIP: $why"
    exit 77
fi

# Absolute paths: the jobs run in their own folder (sbatch --chdir).
src=$(readlink -f -- "$ECHELON_SOURCE_DIR")
script=$src/jobs/run.sbatch
scenario=$(readlink -f -- "${ECHELON_SLURM_SCENARIO:-$src/scenarios/pharmacy_chain_csv.yaml}")
bin=$(readlink -f -- "$ECHELON_BIN")
[ -x "$bin" ] || {
    echo "FAIL: ECHELON_BIN is not a program: $ECHELON_BIN" >&2
    exit 1
}
[ -f "$scenario" ] || {
    echo "FAIL: scenario not found: $scenario" >&2
    exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/echelon-slurm.XXXXXX")
work=$TMP/work # the jobs' working directory (sbatch --chdir)
mkdir -p "$work/results"
failures=0
started=$SECONDS

cleanup() {
    local status=$?
    # No signal may cut the teardown short: that would leave the daemons running.
    trap - EXIT
    trap '' INT TERM
    slurm_stop
    if [ "${ECHELON_SLURM_KEEP:-0}" = 1 ]; then
        echo "kept $TMP"
    else
        rm -rf -- "$TMP"
    fi
    echo "slurm test: $((SECONDS - started)) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

show_log() {
    echo "----- $1" >&2
    cat -- "$1" >&2 2>/dev/null || echo "(no log)" >&2
    echo "-----" >&2
}

# submit NAME SBATCH_ARGS... -- SCRIPT_ARGS...: prints the job id.
submit() {
    local name=$1
    shift
    local args=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        args+=("$1")
        shift
    done
    shift
    sbatch --parsable --job-name="$name" --chdir="$work" \
        --output="$work/results/%x-%j.log" --export=ALL,ECHELON_BIN="$bin" \
        "${args[@]}" "$script" "$@" | cut -d';' -f1
}

# Every wait is capped at 180 s and, all together, at a budget that leaves CTest's
# 600 s timeout (which kills without a chance to stop the daemons) well clear.
budget=${ECHELON_SLURM_TEST_BUDGET:-420}
cap() { # cap SECONDS: SECONDS or what is left of the budget, at least 1
    local left=$((budget - (SECONDS - started)))
    [ "$left" -lt "$1" ] || left=$1
    [ "$left" -ge 1 ] || left=1
    echo "$left"
}

# expect_end ID STATE EXIT: waits for the job's end and checks its state and exit code.
expect_end() {
    local id=$1 want_state=$2 want_exit=$3 state code wait_s
    wait_s=$(cap 180)
    if ! slurm_wait_job "$id" "$wait_s"; then
        fail "job $id did not end within $wait_s s"
        return 1
    fi
    state=$(slurm_job_field "$id" JobState)
    code=$(slurm_job_field "$id" ExitCode)
    echo "job $id: $state, ExitCode=$code"
    if [ "$state" != "$want_state" ]; then
        fail "job $id: state $state, expected $want_state"
        return 1
    fi
    case $want_exit in
    nonzero) [ "${code%%:*}" != 0 ] || { fail "job $id: exit code $code, expected non-zero"; return 1; } ;;
    *) [ "$code" = "$want_exit:0" ] || { fail "job $id: ExitCode=$code, expected $want_exit:0"; return 1; } ;;
    esac
    return 0
}

has() { # has FILE REGEX DESCRIPTION
    grep -Eq -- "$2" "$1" || fail "$(basename -- "$1"): no $3 (/$2/)"
}

no_leftovers() { # no_leftovers ID
    local left
    left=$(find "$work/results" -name '*.tmp*' 2>/dev/null)
    [ -z "$left" ] || fail "job $1 left temporary files: $left"
}

slurm_start "$TMP" 4 || {
    slurm_dump_logs
    echo "FAIL: could not start Slurm" >&2
    exit 1
}
slurm_wait_idle 30 || {
    slurm_dump_logs
    echo "FAIL: the Slurm node did not come up" >&2
    exit 1
}
echo "slurm test: cluster up after $((SECONDS - started)) s"

# ---------------------------------------------------------------------------------
# 1. A good run: 2 ranks x 2 threads on the node's 4 declared CPUs.
id=$(submit good --ntasks=2 --cpus-per-task=2 -- "$scenario" --replications 4 --progress-interval 1)
[ -n "$id" ] || { echo "FAIL: sbatch gave no job id" >&2; exit 1; }
echo "submitted job $id (good run)"
log=$work/results/good-$id.log
name=$(basename -- "$scenario" .yaml)
h5=$work/results/$name-$id.h5
if expect_end "$id" COMPLETED 0; then
    has "$log" '^=+ echelon batch job' "header"
    has "$log" "^job id: +$id" "job id in the header"
    has "$log" '^ranks: +2\b' "rank count (2) in the header"
    has "$log" '^threads per rank: +2 ' "thread count (2) in the header"
    # This cluster's TaskPlugin=task/none leaves ranks unbound: pinning every rank's
    # threads to the same first cores would be far slower, so the script must not.
    has "$log" '^threads per rank: +2 \(threads not pinned: .*task/none' "pinning decision"
    has "$log" "^scenario: +.*$name\.yaml" "scenario in the header"
    has "$log" '^program version: +echelon' "program version in the header"
    has "$log" '^launcher: +srun' "launcher in the header"
    has "$log" '^Verification hash: [0-9a-f]+' "verification hash"
    has "$log" "^Results: .*$name-$id\.h5" "Results line"
    has "$log" 'echelon-job: exit status 0$' "exit status line"
    if [ ! -f "$h5" ]; then
        fail "no results file $h5"
    else
        h5ls "$h5" >/dev/null || fail "h5ls cannot read $h5"
        h5dump -A -N / "$h5" >/dev/null 2>&1 || h5dump -A "$h5" >/dev/null || fail "h5dump -A cannot read $h5"
        h5dump -a /file_type "$h5" | grep -q '"echelon-run"' ||
            fail "$h5: root attribute file_type is not \"echelon-run\""
    fi
fi
no_leftovers "$id"
[ "$failures" = 0 ] || show_log "$log"
good_hash=$(sed -n 's/^Verification hash: //p' "$log" 2>/dev/null)

# ---------------------------------------------------------------------------------
# 2. The documented fallback launcher: mpirun inside the allocation, 2 ranks x 1
# thread.  Results are bitwise identical for any ranks x threads, so the verification
# hash must be the one of the srun run above.
f0=$failures
id=$(submit mpirun --ntasks=2 --cpus-per-task=1 --export=ALL,ECHELON_BIN="$bin",ECHELON_LAUNCHER=mpirun \
    -- "$scenario" --replications 4 --progress-interval 1)
echo "submitted job $id (mpirun launcher)"
log=$work/results/mpirun-$id.log
if expect_end "$id" COMPLETED 0; then
    has "$log" '^launcher: +mpirun' "launcher in the header"
    has "$log" '^command: +[^ ]*(mpirun|mpiexec) -np 2 --bind-to none' "mpirun command line"
    hash=$(sed -n 's/^Verification hash: //p' "$log")
    if [ -z "$hash" ] || [ "$hash" != "$good_hash" ]; then
        fail "job $id: verification hash '$hash' differs from the srun run's '$good_hash'"
    fi
    [ -f "$work/results/$name-$id.h5" ] || fail "job $id: no results file"
fi
no_leftovers "$id"
[ "$failures" = "$f0" ] || show_log "$log"

# ---------------------------------------------------------------------------------
# 3. A missing scenario fails at once, with a clear message and exit status 2.
f0=$failures
id=$(submit missing --ntasks=1 -- "$work/no-such-scenario.yaml" --replications 2)
echo "submitted job $id (missing scenario)"
log=$work/results/missing-$id.log
if expect_end "$id" FAILED 2; then
    has "$log" 'ERROR: scenario file not found: .*no-such-scenario\.yaml' "clear error line"
    has "$log" 'exit status 2$' "exit status line"
fi
[ -z "$(find "$work/results" -name 'no-such-scenario*')" ] || fail "job $id wrote a results file"
[ "$failures" = "$f0" ] || show_log "$log"

# ---------------------------------------------------------------------------------
# 4. The time-limit signal.  Wait until echelon has saved its first checkpoint, then
# deliver SIGUSR1 to the batch shell only, as --signal=B:USR1@N does: echelon saves
# its work and exits 75, the job requeues itself, the next attempt resumes (its log
# appended) and completes; the results file is identical to a direct run's.
signal_check() { # signal_check NAME SBATCH_ARGS...
    local jname=$1 f1=$failures
    shift
    local id log t=0 out limit state
    id=$(submit "$jname" --ntasks=2 --cpus-per-task=1 "$@" -- "$requeue_scenario" \
        "${requeue_args[@]}" --checkpoint-interval 0.02 --progress-interval 1)
    echo "submitted job $id (stopped by SIGUSR1, requeued: $jname)"
    log=$work/results/$jname-$id.log
    out=$work/results/$(basename -- "$requeue_scenario" .yaml)-$id.h5
    if [ "$jname" = usr1 ]; then
        limit=$(($(cap 60) * 10))
        while ! ls "$out.checkpoint"/rank-*.ckpt >/dev/null 2>&1 && [ "$t" -lt "$limit" ]; do
            state=$(slurm_job_field "$id" JobState)
            case $state in PENDING | CONFIGURING | RUNNING | "") ;; *) break ;; esac
            sleep 0.1
            t=$((t + 1))
        done
        ls "$out.checkpoint"/rank-*.ckpt >/dev/null 2>&1 || fail "job $id: no checkpoint in time"
        scancel --batch --signal=USR1 "$id" || fail "scancel --batch --signal=USR1 $id failed"
    fi
    # Slurm holds a requeued job for about two minutes (its begin time): release it
    # at once, as an administrator may, to keep the test short.
    t=0
    while ! grep -q "requeued job $id" "$log" 2>/dev/null && [ "$t" -lt 600 ]; do
        sleep 0.1
        t=$((t + 1))
    done
    for _ in $(seq 40); do
        [ "$(slurm_job_field "$id" JobState)" = PENDING ] && break
        sleep 0.5
    done
    # slurmd refuses a job credential issued in the second its old one was revoked
    # ("Job credential revoked"): let a couple of seconds pass first.
    sleep 3
    scontrol update JobId="$id" StartTime=now 2>/dev/null || true
    if expect_end "$id" COMPLETED 0; then
        has "$log" 'time limit approaching \(SIGUSR1\): stopping echelon' "message about the time limit"
        has "$log" 'echelon was stopped \(SIGUSR1\) .*its work is saved in' "stopped line"
        has "$log" "requeued job $id: the next attempt resumes" "requeue line"
        has "$log" '^attempt: +2 \(requeued 1 time' "second attempt's header (log appended)"
        has "$log" '^Resumed from ' "echelon's resume line"
        has "$log" 'echelon-job: exit status 0$' "final exit status line"
        [ "$(grep -Ec '^=+ echelon batch job' "$log")" -ge 2 ] ||
            fail "job $id: the log does not hold both attempts"
        if [ -f "$out" ]; then
            "${ECHELON_PYTHON:-/usr/bin/python3}" "$ECHELON_SOURCE_DIR/tests/same_results.py" \
                "$direct" "$out" || fail "job $id: the results differ from the direct run's"
        else
            fail "job $id: no results file $out"
        fi
        [ ! -e "$out.checkpoint" ] || fail "job $id left its checkpoint"
    fi
    no_leftovers "$id"
    [ "$failures" = "$f1" ] || show_log "$log"
}
requeue_scenario=$scenario
# (long enough to be stopped: a checkpoint comes after 1.2 s, and a year at 1500
# replications took about 1 s on 2 cores)
requeue_args=(--replications 1500 --days 1460)
direct=$TMP/direct.h5
"$bin" run "$requeue_scenario" "${requeue_args[@]}" --quiet --threads 2 -o "$direct" >/dev/null ||
    fail "the direct run failed"
signal_check usr1
if [ "${ECHELON_SLURM_TEST_TIMELIMIT:-0}" = 1 ]; then
    signal_check timelimit --time=1 --signal=B:USR1@50
fi

# ---------------------------------------------------------------------------------
# 5. A working directory without results/: the log still appears (in the working
# directory, the script's default) and says the folder was made; the run completes.
f0=$failures
bare=$TMP/bare
mkdir -p "$bare"
id=$(sbatch --parsable --job-name=bare --chdir="$bare" --export=ALL,ECHELON_BIN="$bin" \
    --ntasks=1 "$script" "$scenario" --replications 2 | cut -d';' -f1)
echo "submitted job $id (no results/ folder)"
log=$bare/bare-$id.log
if expect_end "$id" COMPLETED 0; then
    [ -f "$log" ] || fail "job $id: no log at $log"
    has "$log" 'made the results folder results/ \(it did not exist\)' "note that results/ was made"
    [ -f "$bare/results/$(basename -- "$scenario" .yaml)-$id.h5" ] || fail "job $id: no results file"
fi
[ "$failures" = "$f0" ] || show_log "$log"

if [ "$failures" != 0 ]; then
    slurm_dump_logs
    echo "FAIL: $failures check(s) failed" >&2
    exit 1
fi
echo "PASS: jobs/run.sbatch under Slurm"
