#!/usr/bin/env bash
# One command sets up a fresh Debian/Ubuntu machine with Python >= 3.10 for DeepMotif:
#   system packages: bedtools (the pipeline), chromium (the dashboard's browser test),
#                    slurmctld/slurmd/slurm-client/munge (the Slurm test runs a real one-node Slurm)
#   Python packages: requirements.txt (CPU torch pinned) and this package (editable).
# Idempotent. Set DEEPMOTIF_NO_APT=1 to skip the system packages (e.g. without root).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(bedtools chromium slurmctld slurmd slurm-client munge)
if [ "${DEEPMOTIF_NO_APT:-0}" != "1" ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    # policy-rc.d keeps the packages' daemons from starting at install time (the tests start their own)
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    $SUDO rm -f /usr/sbin/policy-rc.d
  fi
fi

export PIP_ROOT_USER_ACTION=ignore
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt
"$PYTHON" -m pip install -q --disable-pip-version-check --no-deps -e .
echo "setup: done ($("$PYTHON" -c 'import torch, lightning, snakemake; print("torch", torch.__version__, "lightning", lightning.__version__, "snakemake", snakemake.__version__)'); $(bedtools --version 2>/dev/null || echo 'bedtools missing'))"
