#!/bin/bash
# jobs/sweep.sbatch and jobs/compare.sbatch under a real single-node Slurm started
# for this test alone (jobs/tests/slurm_harness.sh), as a planner runs a quarterly
# network-design study:
#
#   ECHELON_BIN=build/echelon ECHELON_SOURCE_DIR=. bash jobs/tests/test_sweep_sbatch.sh
#
#   1. a job array over a folder of three scenario files (the test base, a variant
#      without changes, DC02 closed), one task each: every task COMPLETED with exit 0
#      and wrote results/<file name>.h5;
#   2. compare.sbatch submitted with --dependency=afterok on the array: it starts
#      after the array, COMPLETED with exit 0, its log has both comparisons and the
#      variant without changes shows no change; its CSV has every figure;
#   3. an array index beyond the folder's files: FAILED with exit 2 and a clear line.
#
# About 20 s on a 2-core machine; every wait is capped.  Exit 77 (skipped) when not
# root or when the Slurm or munge daemons are missing.
set -u -o pipefail

: "${ECHELON_BIN:?ECHELON_BIN must point at the echelon program}"
: "${ECHELON_SOURCE_DIR:?ECHELON_SOURCE_DIR must point at the source tree}"
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=jobs/tests/slurm_harness.sh
. "$here/slurm_harness.sh"

why=$(slurm_missing)
if [ -n "$why" ]; then
    echo "SKIP: $why"
    exit 77
fi

src=$(readlink -f -- "$ECHELON_SOURCE_DIR")
bin=$(readlink -f -- "$ECHELON_BIN")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/echelon-sweep.XXXXXX")
work=$TMP/work
study=$work/study
mkdir -p "$work/results" "$study"
for f in base same close_dc02; do
    cp "$src/tests/scenarios/network_design/$f.yaml" "$study/"
done
failures=0
started=$SECONDS

cleanup() {
    local status=$?
    trap - EXIT
    trap '' INT TERM
    slurm_stop
    if [ "${ECHELON_SLURM_KEEP:-0}" = 1 ]; then
        echo "kept $TMP"
    else
        rm -rf -- "$TMP"
    fi
    echo "slurm sweep test: $((SECONDS - started)) s"
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
has() { # has FILE REGEX DESCRIPTION
    grep -Eq -- "$2" "$1" || fail "$(basename -- "$1"): no $3 (/$2/)"
}
# expect_end ID STATE EXIT
expect_end() {
    local id=$1 want_state=$2 want_exit=$3 state code
    if ! slurm_wait_job "$id" 120; then
        fail "job $id did not end within 120 s"
        return 1
    fi
    state=$(slurm_job_field "$id" JobState)
    code=$(slurm_job_field "$id" ExitCode)
    echo "job $id: $state, ExitCode=$code"
    [ "$state" = "$want_state" ] || { fail "job $id: state $state, expected $want_state"; return 1; }
    [ "$code" = "$want_exit:0" ] || { fail "job $id: ExitCode=$code, expected $want_exit:0"; return 1; }
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
echo "slurm sweep test: cluster up after $((SECONDS - started)) s"

env_vars=ALL,ECHELON_BIN=$bin,ECHELON_RUN_SBATCH=$src/jobs/run.sbatch

# 1. The array: one task per scenario file, one rank x one thread each.
array=$(sbatch --parsable --chdir="$work" --array=0-2 --ntasks=1 --cpus-per-task=1 \
    --export="$env_vars" "$src/jobs/sweep.sbatch" "$study" --replications 4 --quiet | cut -d';' -f1)
[ -n "$array" ] || { echo "FAIL: sbatch gave no array job id" >&2; exit 1; }
echo "submitted array job $array"

# 2. The comparison, after the array has succeeded.
cmp=$(sbatch --parsable --chdir="$work" --dependency="afterok:$array" \
    --export="$env_vars" "$src/jobs/compare.sbatch" "$study" --top 3 | cut -d';' -f1)
echo "submitted compare job $cmp (afterok:$array)"

i=0
for f in base close_dc02 same; do # byte order of the folder's files
    if expect_end "${array}_$i" COMPLETED 0; then
        [ -f "$work/results/$f.h5" ] || fail "task $i: no results/$f.h5"
        has "$work/sweep-${array}_$i.log" "array task $i of 3: .*$f\.yaml" "task line"
    else
        show_log "$work/sweep-${array}_$i.log"
    fi
    i=$((i + 1))
done

log=$work/compare-$cmp.log
if expect_end "$cmp" COMPLETED 0; then
    has "$log" '^=== network_close_dc02 \(results/close_dc02\.h5\) against the base network_base' \
        "comparison with the closed DC"
    has "$log" '^=== network_same ' "comparison with the variant without changes"
    has "$log" '^  DC02 +closed' "DC02 shown closed"
    has "$log" 'echelon-compare: exit status 0$' "exit status line"
    csv=$(find "$work/results" -name 'study-compare-*.csv' | head -n 1)
    if [ -z "$csv" ]; then
        fail "no study-compare-*.csv"
    else
        head -n 1 "$csv" | grep -q '^base,variant,level,name,measure,' || fail "$csv: header"
        # The variant without changes: every network and segment change exactly 0.
        awk -F, '$2 == "\"network_same\"" && ($3 == "\"network\"" || $3 == "\"segment\"") && $8 != 0 { bad = 1 }
                 END { exit bad }' "$csv" || fail "$csv: a variant without changes shows a change"
    fi
    # The comparison ran after every task of the array.
    end_array=$(date -d "$(slurm_job_field "${array}_2" EndTime)" +%s 2>/dev/null || echo 0)
    start_cmp=$(date -d "$(slurm_job_field "$cmp" StartTime)" +%s 2>/dev/null || echo 0)
    [ "$start_cmp" -ge "$end_array" ] || fail "compare started before the array ended"
fi
[ "$failures" = 0 ] || show_log "$log"

# 3. An index beyond the folder.
f0=$failures
bad=$(sbatch --parsable --chdir="$work" --array=3 --ntasks=1 --export="$env_vars" \
    "$src/jobs/sweep.sbatch" "$study" | cut -d';' -f1)
if expect_end "${bad}_3" FAILED 2; then
    has "$work/sweep-${bad}_3.log" 'ERROR: array index 3, but .* has 3 scenario file' "clear error line"
fi
[ "$failures" = "$f0" ] || show_log "$work/sweep-${bad}_3.log"

if [ "$failures" != 0 ]; then
    slurm_dump_logs
    echo "FAIL: $failures check(s) failed" >&2
    exit 1
fi
echo "PASS: jobs/sweep.sbatch and jobs/compare.sbatch under Slurm"
