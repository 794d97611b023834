# Shared by the decision benchmarks (bench-tune.sh, bench-contract.sh): the binary,
# MPI as root, a scratch folder removed on exit, and the demo scenario with SKUS
# generated SKUs in "$tmp/demo.yaml".  Source it with "$@" = [SKUS] [THREADS] [RANKS].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
skus=${1:-10000}
threads=${2:-$(nproc)}
ranks=${3:-1}
bin=${ECHELON_BIN:-$root/build/echelon}
[ -x "$bin" ] || "$root/tools/build.sh" "$root/build"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -E "s/^( *skus:) 10000$/\1 $skus/" "$root/scenarios/demo.yaml" >"$tmp/demo.yaml"
grep -qE "^ *skus: $skus$" "$tmp/demo.yaml" || { echo "cannot set the catalogue size" >&2; exit 2; }

# Runs `echelon SUBCOMMAND "$tmp/demo.yaml" ARGS...` on $ranks rank(s) x $threads
# thread(s), its summary into "$tmp/out.txt".
bench_run() {
    local sub=$1
    shift
    if [ "$ranks" -eq 1 ]; then
        "$bin" "$sub" "$tmp/demo.yaml" --threads "$threads" --quiet "$@" >"$tmp/out.txt"
    else
        mpirun -n "$ranks" --bind-to none "$bin" "$sub" "$tmp/demo.yaml" --threads "$threads" \
            --quiet "$@" >"$tmp/out.txt"
    fi
}
