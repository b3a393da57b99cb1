#!/usr/bin/env bash
# Install a single-node Slurm (Debian/Ubuntu packages) for the `slurm` tests.
# Idempotent: does nothing when slurmctld, slurmd, sbatch and munged are already present.
# Usage: sudo .ci/install_slurm.sh   (or as root in a container)
set -euo pipefail

need=(slurmctld slurmd sbatch squeue sinfo munged)
missing=0
for exe in "${need[@]}"; do
    if ! command -v "$exe" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$exe" ]; then
        missing=1
    fi
done
if [ "$missing" -eq 0 ]; then
    echo "install_slurm.sh: slurm and munge already installed ($(slurmctld -V 2>/dev/null || true)); nothing to do"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The Debian packages start their services via systemd when available; the tests
# never use those services (tests/slurm_cluster.py starts private daemons), so
# policy-rc.d-less containers without systemd are fine.
$SUDO apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge
echo "install_slurm.sh: installed $(slurmctld -V)"
