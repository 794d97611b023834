#!/usr/bin/env bash
# Stopped runs keep their work and resume to the same results, through the program
# as users stop it:
#  - SIGTERM to a 1-rank run (what srun and Slurm's time limit send) and SIGINT
#    (Ctrl-C): exit 75, a checkpoint, no temporary or results file; a rerun without
#    --resume is refused, one with a changed scenario too; --resume completes, and
#    the results file is identical to an uninterrupted run's (every group but
#    /runtime), the checkpoint gone;
#  - SIGUSR1 to mpirun (Slurm's --signal; mpirun passes it to every rank) with 2
#    ranks: the same;
#  - kill -9 of every rank: --resume continues from the last periodic checkpoint,
#    removes what the killed run left, and ends identical.
source "$(dirname "$0")/common.sh"
cp "$ECHELON_SOURCE_DIR/scenarios/pharmacy_chain_csv.yaml" "$TMP/chain.yaml"
cp -r "$ECHELON_SOURCE_DIR/scenarios/data" "$TMP/data"
scenario=$TMP/chain.yaml
# Enough replications that a run outlasts its first checkpoint (0.3 s) and the
# signal that follows: 2,000 take about 2 s at 2 ranks.
args=(--replications 2000 --quiet)
reps_1x=(--threads 2)

"$ECHELON_BIN" run "$scenario" "${args[@]}" "${reps_1x[@]}" -o "$TMP/ref.h5" >"$TMP/ref.txt" ||
    fail "reference run"

# mpirun_bg RANKS ARGS...: echelon under mpirun, to be started with & ($! is mpirun).
mpirun_bg() {
    local ranks=$1
    shift
    OMP_NUM_THREADS=1 exec "$MPIRUN" --oversubscribe --bind-to none -n "$ranks" "$ECHELON_BIN" "$@"
}

# wait_for_checkpoint OUT N: until OUT.checkpoint holds N rank files (60 s at most).
wait_for_checkpoint() {
    for _ in $(seq 600); do
        [ "$(ls "$1.checkpoint"/rank-*.ckpt 2>/dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
    done
    fail "no checkpoint appeared in $1.checkpoint"
}

no_leftovers() { # OUT: nothing but the checkpoint
    [ ! -e "$1" ] || fail "a stopped run left a results file $1"
    ls "$1".tmp-* >/dev/null 2>&1 && fail "a stopped run left $(ls "$1".tmp-*)"
    ls "$1".checkpoint/*.tmp >/dev/null 2>&1 && fail "a stopped run left a temporary checkpoint"
    return 0
}

# 1. SIGTERM and SIGINT to one rank.
for sig in TERM INT; do
    out=$TMP/one-$sig.h5
    "$ECHELON_BIN" run "$scenario" "${args[@]}" "${reps_1x[@]}" --checkpoint-interval 0.005 \
        -o "$out" >"$TMP/stop.txt" 2>"$TMP/stop.err" &
    pid=$!
    wait_for_checkpoint "$out" 1
    kill -"$sig" $pid
    set +e
    wait $pid
    rc=$?
    set -e
    [ $rc -eq 75 ] || fail "SIG$sig: exit $rc, expected 75 ($(cat "$TMP/stop.err"))"
    grep -q "stopped at a signal; the work done is saved in $out.checkpoint" "$TMP/stop.err" ||
        fail "SIG$sig: no stop message: $(cat "$TMP/stop.err")"
    no_leftovers "$out"
    echo "SIG$sig: exit 75, checkpoint kept, nothing else left"

    if [ $sig = TERM ]; then
        set +e
        "$ECHELON_BIN" run "$scenario" "${args[@]}" "${reps_1x[@]}" -o "$out" >/dev/null \
            2>"$TMP/err.txt"
        rc=$?
        [ $rc -eq 2 ] && grep -q "add --resume to continue it" "$TMP/err.txt" ||
            fail "a rerun without --resume: exit $rc, $(cat "$TMP/err.txt")"
        sed 's/^seed: .*/seed: 99/' "$scenario" >"$TMP/changed.yaml"
        grep -q "^seed: 99" "$TMP/changed.yaml" || fail "could not change the seed"
        "$ECHELON_BIN" run "$TMP/changed.yaml" "${args[@]}" "${reps_1x[@]}" -o "$out" --resume \
            >/dev/null 2>"$TMP/err.txt"
        rc=$?
        [ $rc -eq 2 ] && grep -q "changed since it was written" "$TMP/err.txt" ||
            fail "resuming with a changed scenario: exit $rc, $(cat "$TMP/err.txt")"
        "$ECHELON_BIN" run "$scenario" "${args[@]}" --threads 1 -o "$out" --resume \
            >/dev/null 2>"$TMP/err.txt"
        rc=$?
        set -e
        [ $rc -eq 2 ] && grep -q "resume with the same layout" "$TMP/err.txt" ||
            fail "resuming with other threads: exit $rc, $(cat "$TMP/err.txt")"
        echo "refused: a rerun without --resume, a changed scenario, another layout"
    fi

    "$ECHELON_BIN" run "$scenario" "${args[@]}" "${reps_1x[@]}" -o "$out" --resume \
        >"$TMP/resumed.txt" 2>"$TMP/resumed.err" || fail "resume after SIG$sig"
    grep -q "^Resumed from $out.checkpoint" "$TMP/resumed.txt" || fail "resume did not say so"
    same_results "$TMP/ref.h5" "$out" || fail "$out differs from the uninterrupted run's"
    diff <(grep "^Verification hash" "$TMP/ref.txt") <(grep "^Verification hash" "$TMP/resumed.txt") ||
        fail "verification hash differs after SIG$sig"
    [ ! -e "$out.checkpoint" ] || fail "the checkpoint outlived the completed run"
    echo "SIG$sig: resumed, identical to the uninterrupted run"
done

if [ "${ECHELON_SANITIZED:-0}" = 1 ]; then
    echo "(sanitizers: the 2-rank cases are covered by integration.test_mpi_checkpoint)"
    exit 0
fi

# 2. SIGUSR1 to mpirun, 2 ranks.
out=$TMP/two.h5
mpirun_bg 2 run "$scenario" "${args[@]}" --threads 1 --checkpoint-interval 0.005 -o "$out" \
    >"$TMP/stop.txt" 2>"$TMP/stop.err" &
pid=$!
wait_for_checkpoint "$out" 2
kill -USR1 $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 75 ] || fail "SIGUSR1 to mpirun: exit $rc, expected 75 ($(tail -5 "$TMP/stop.err"))"
no_leftovers "$out"
run_mpi 2 1 run "$scenario" "${args[@]}" --threads 1 -o "$out" --resume >/dev/null 2>&1 ||
    fail "2-rank resume"
same_results "$TMP/ref.h5" "$out" || fail "$out differs from the uninterrupted run's"
echo "SIGUSR1 to mpirun (2 ranks): exit 75, resumed, identical"

# 3. kill -9 of every rank: the last periodic checkpoint.
out=$TMP/killed.h5
mpirun_bg 2 run "$scenario" "${args[@]}" --threads 1 --checkpoint-interval 0.005 -o "$out" \
    >/dev/null 2>&1 &
pid=$!
wait_for_checkpoint "$out" 2
sleep 0.5
pkill -KILL -f -- "-o $out" || true
set +e
wait $pid
set -e
touch "$out.tmp-999999" # a dead process's temporary results file, as a kill leaves one
run_mpi 2 1 run "$scenario" "${args[@]}" --threads 1 -o "$out" --resume >/dev/null \
    2>"$TMP/err.txt" || fail "resume after kill -9: $(cat "$TMP/err.txt")"
same_results "$TMP/ref.h5" "$out" || fail "$out differs from the uninterrupted run's"
[ ! -e "$out.tmp-999999" ] || fail "resume left a killed run's temporary file"
echo "kill -9: resumed from the last checkpoint, identical, leftovers removed"
