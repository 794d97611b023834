#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds echelon and
# runs the bundled default scenario (scenarios/demo.yaml) on all cores of this
# machine, writing results/demo.h5.  Extra arguments go to `echelon run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh"
"$root/tools/build.sh" "$root/build"
cd "$root"
mkdir -p results
exec build/echelon run scenarios/demo.yaml "$@"   # results/demo.h5 (demo-1.h5 ... on reruns)
