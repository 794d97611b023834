#!/usr/bin/env bash
# Installs the Debian packages echelon needs to build, test and read its results,
# if any are missing.  Safe to run again; does nothing when all are present.
# Usage: tools/install-deps.sh [--with-slurm]
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libopenmpi-dev openmpi-bin
    libhdf5-openmpi-dev hdf5-tools
    libcyaml-dev libyaml-dev libcsv-dev
    libgsl-dev libpcg-cpp-dev libcmocka-dev
    clang libomp-dev
    python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-matplotlib python3-pandas
)
if [ "${1:-}" = "--with-slurm" ]; then
    packages+=(slurmctld slurmd slurm-client munge)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "echelon: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
elif command -v sudo >/dev/null; then
    sudo_cmd=(sudo)
else
    echo "echelon: these packages are missing and I am not root: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
