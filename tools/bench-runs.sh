# shellcheck shell=bash
# Shared by the speed benchmarks (bench.sh, bench-scaling.sh): MPI as root, one
# run's simulation time and speed, the median of repeated runs, and a measurement
# of the binary (and a baseline) by them.  Source it after setting $scenario and
# $reps; measure also reads $bin, $baseline (empty: none) and $repeat.
: "${scenario:?the benchmark sets scenario}" "${reps:?the benchmark sets reps}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# once BINARY RANKS THREADS: prints "simulation-seconds fom" of one run of
# $scenario at $reps replications (fom: M SKU-location-days/s per core)
once() {
    local b=$1 ranks=$2 threads=$3 out line
    if [ "$ranks" -eq 1 ]; then
        out=$(OMP_NUM_THREADS=$threads "$b" run "$scenario" --replications "$reps" \
              --threads "$threads" --no-output --quiet)
    else
        out=$(OMP_NUM_THREADS=$threads mpirun -n "$ranks" --bind-to none "$b" run "$scenario" \
              --replications "$reps" --threads "$threads" --no-output --quiet)
    fi
    line=$(grep '^Run:' <<<"$out")
    sed -E 's/.*simulation ([0-9.]+) s.*, ([0-9.]+) M SKU-location-days\/s per core.*/\1 \2/' <<<"$line"
}

# median of the numbers on stdin, one a line; blank lines are skipped (a here-string
# of "a\nb\n" ends in one), as an empty line would count as a 0
median() {
    sort -g | awk 'NF { v[++n] = $1 } END { if (n) print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# measure RANKS THREADS: prints "seconds fom base_seconds base_fom" (medians; the
# baseline's are "-" without one), the two binaries run alternately
# shellcheck disable=SC2154 # ($bin and $repeat: the benchmark's)
measure() {
    local ranks=$1 threads=$2 k t f ts="" fs="" bts="" bfs=""
    for ((k = 0; k < repeat; ++k)); do
        read -r t f <<<"$(once "$bin" "$ranks" "$threads")"
        ts+="$t"$'\n' fs+="$f"$'\n'
        if [ -n "$baseline" ]; then
            read -r t f <<<"$(once "$baseline" "$ranks" "$threads")"
            bts+="$t"$'\n' bfs+="$f"$'\n'
        fi
    done
    if [ -n "$baseline" ]; then
        echo "$(median <<<"$ts") $(median <<<"$fs") $(median <<<"$bts") $(median <<<"$bfs")"
    else
        echo "$(median <<<"$ts") $(median <<<"$fs") - -"
    fi
}
