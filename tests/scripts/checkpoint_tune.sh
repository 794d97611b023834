#!/usr/bin/env bash
# Stopped tunings and contract sizings keep their work and resume to the same
# results, through the program as users stop it:
#  - SIGTERM to a 1-rank tune once it has saved a phase: exit 75, the checkpoint and
#    nothing else (no results, targets or temporary file); a rerun without --resume
#    is refused, one with a changed option too; --resume completes, and the results
#    file (every group but /runtime), the targets CSV and the summary are those of
#    an uninterrupted tuning, the checkpoint gone;
#  - SIGINT to a 1-rank contract sizing in the middle of its SKUs: the same, with the
#    commitments CSV;
#  - kill -9 of a contract sizing: --resume continues from the last periodic save;
#  - SIGUSR1 to mpirun (Slurm's --signal) with a 2-rank tune: the same.
source "$(dirname "$0")/common.sh"
tune_scenario=$ECHELON_SOURCE_DIR/tests/scenarios/tune_small.yaml
cp "$ECHELON_SOURCE_DIR/tests/scenarios/contract_small.yaml" "$TMP/contract.yaml"
contract_scenario=$TMP/contract.yaml
# A cost objective under a binding budget: a dozen searches of every SKU, each saved.
tune_args=(--objective cost --budget 4000 --search-replications 8 --max-search-replications 8
    --replications 10 --quiet)
# 1,000 sizing years keep the sizing phase (the only one with a partial save) going
# for about half a second, long enough to be seen saving under any load.
contract_args=(--sizing-replications 1000 --check-replications 50 --replications 10 --quiet)

"$ECHELON_BIN" tune "$tune_scenario" "${tune_args[@]}" --threads 2 -o "$TMP/tune-ref.h5" \
    --targets-csv "$TMP/tune-ref.csv" >"$TMP/tune-ref.txt" || fail "reference tuning"
"$ECHELON_BIN" contract "$contract_scenario" "${contract_args[@]}" --threads 2 \
    -o "$TMP/contract-ref.h5" --csv "$TMP/contract-ref.csv" >"$TMP/contract-ref.txt" ||
    fail "reference sizing"

same_outputs() { # REF OUT: every group but /runtime, the CSV beside each, the summary
    same_results "$1.h5" "$2.h5" || fail "$2.h5 differs from $1.h5"
    cmp -s "$1.csv" "$2.csv" || fail "$2.csv differs from $1.csv"
    # The summary but its timings and file names.
    local skip='^(Run|Phases|Results|Targets|Commitments|Resumed from|Load balance):? '
    diff <(grep -Ev "$skip" "$1.txt" | sed 's/ in [0-9.]* s$//') \
        <(grep -Ev "$skip" "$2.txt" | sed 's/ in [0-9.]* s$//') ||
        fail "the summary of $2 differs from $1's"
    [ ! -e "$2.h5.checkpoint" ] || fail "the checkpoint outlived the completed command"
}

# wait_for PID FILE-GLOB: until a file matches, while process PID runs (60 s at
# most).  A partial save lives only as long as its phase, so the poll is quick, and
# a process that ends first fails the test at once instead of after the minute.
wait_for() {
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        compgen -G "$2" >/dev/null && return 0
        kill -0 "$1" 2>/dev/null || { compgen -G "$2" >/dev/null && return 0;
            fail "the command ended before anything like $2 appeared"; }
        sleep 0.01
    done
    fail "nothing like $2 appeared in 60 s"
}

stopped() { # PID SIG OUT: exit 75 with run's message, nothing left but the checkpoint
    set +e
    wait "$1"
    local rc=$?
    set -e
    [ $rc -eq 75 ] || fail "SIG$2: exit $rc, expected 75 ($(tail -3 "$3.err"))"
    grep -q "stopped at a signal; the work done is saved in $3.h5.checkpoint" "$3.err" ||
        fail "SIG$2: no stop message: $(cat "$3.err")"
    [ ! -e "$3.h5" ] && [ ! -e "$3.csv" ] || fail "SIG$2: a stopped command left an output"
    ls "$3".*tmp* "$3.h5.checkpoint"/*/*.tmp >/dev/null 2>&1 &&
        fail "SIG$2: a temporary file was left: $(ls "$3".*tmp* "$3.h5.checkpoint"/*/*.tmp)"
    return 0
}

# 1. SIGTERM to a 1-rank tune, once a phase is saved.
out=$TMP/tune-term
"$ECHELON_BIN" tune "$tune_scenario" "${tune_args[@]}" --threads 2 -o "$out.h5" \
    --targets-csv "$out.csv" >"$out.txt" 2>"$out.err" &
pid=$!
wait_for $pid "$out.h5.checkpoint/phases/rank-000000.ckpt"
kill -TERM $pid
stopped $pid TERM "$out"
set +e
"$ECHELON_BIN" tune "$tune_scenario" "${tune_args[@]}" --threads 2 -o "$out.h5" \
    --targets-csv "$out.csv" >/dev/null 2>"$TMP/err.txt"
rc=$?
[ $rc -eq 2 ] && grep -q "add --resume to continue it" "$TMP/err.txt" ||
    fail "a rerun without --resume: exit $rc, $(cat "$TMP/err.txt")"
"$ECHELON_BIN" tune "$tune_scenario" "${tune_args[@]}" --budget 5000 --threads 2 -o "$out.h5" \
    --targets-csv "$out.csv" --resume >/dev/null 2>"$TMP/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "changed since it was written" "$TMP/err.txt" ||
    fail "resuming with another budget: exit $rc, $(cat "$TMP/err.txt")"
"$ECHELON_BIN" tune "$tune_scenario" "${tune_args[@]}" --threads 2 -o "$out.h5" \
    --targets-csv "$out.csv" --resume >"$out.txt" 2>"$out.err" || fail "tune --resume"
grep -q "^Resumed from $out.h5.checkpoint" "$out.txt" || fail "the resumed tuning did not say so"
same_outputs "$TMP/tune-ref" "$out"
echo "tune, SIGTERM: exit 75, refused without --resume or with another budget, resumed identical"

# 2. SIGINT to a 1-rank contract sizing in the middle of its SKUs.
out=$TMP/contract-int
"$ECHELON_BIN" contract "$contract_scenario" "${contract_args[@]}" --threads 2 -o "$out.h5" \
    --csv "$out.csv" --checkpoint-interval 0.002 >"$out.txt" 2>"$out.err" &
pid=$!
wait_for $pid "$out.h5.checkpoint/partial/rank-000000.ckpt"
kill -INT $pid
stopped $pid INT "$out"
"$ECHELON_BIN" contract "$contract_scenario" "${contract_args[@]}" --threads 2 -o "$out.h5" \
    --csv "$out.csv" --resume >"$out.txt" 2>"$out.err" || fail "contract --resume"
same_outputs "$TMP/contract-ref" "$out"
echo "contract, SIGINT: exit 75, resumed identical"

# 3. kill -9 of a contract sizing: the last periodic save.
out=$TMP/contract-killed
"$ECHELON_BIN" contract "$contract_scenario" "${contract_args[@]}" --threads 2 -o "$out.h5" \
    --csv "$out.csv" --checkpoint-interval 0.002 >/dev/null 2>&1 &
pid=$!
wait_for $pid "$out.h5.checkpoint/partial/rank-000000.ckpt"
kill -KILL $pid
set +e
wait $pid
set -e
"$ECHELON_BIN" contract "$contract_scenario" "${contract_args[@]}" --threads 2 -o "$out.h5" \
    --csv "$out.csv" --resume >"$out.txt" 2>"$out.err" || fail "contract --resume after kill -9"
same_outputs "$TMP/contract-ref" "$out"
echo "contract, kill -9: resumed from the last save, identical"

if [ "${ECHELON_SANITIZED:-0}" = 1 ]; then
    echo "(sanitizers: the 2-rank cases are covered by integration.test_mpi_tune_checkpoint)"
    exit 0
fi

# 4. SIGUSR1 to mpirun, a 2-rank tune.
out=$TMP/tune-usr1
OMP_NUM_THREADS=1 "$MPIRUN" --oversubscribe --bind-to none -n 2 "$ECHELON_BIN" tune \
    "$tune_scenario" "${tune_args[@]}" --threads 1 -o "$out.h5" --targets-csv "$out.csv" \
    >"$out.txt" 2>"$out.err" &
pid=$!
wait_for $pid "$out.h5.checkpoint/phases/rank-000000.ckpt"
kill -USR1 $pid
stopped $pid USR1 "$out"
run_mpi 2 1 tune "$tune_scenario" "${tune_args[@]}" --threads 1 -o "$out.h5" \
    --targets-csv "$out.csv" --resume >"$out.txt" 2>"$out.err" || fail "2-rank tune --resume"
same_outputs "$TMP/tune-ref" "$out"
echo "tune, SIGUSR1 to mpirun (2 ranks): exit 75, resumed identical"
