#!/usr/bin/env bash
# One command sets up a fresh Debian/Ubuntu machine with Python >= 3.10 for DeepMotif:
#   system packages: bedtools (the pipeline), chromium (the dashboard's browser test),
#                    slurmctld/slurmd/slurm-client/munge (the Slurm test runs a real one-node Slurm)
#   Python packages: requirements.txt and this package (editable), in a virtual environment .venv/
#                    made with $PYTHON (default python3: the distribution's own Python works, PEP 668
#                    forbids only system-wide pip). Then: .venv/bin/snakemake, .venv/bin/python -m pytest.
# Idempotent. Set DEEPMOTIF_NO_APT=1 to skip the system packages (e.g. without root),
# DEEPMOTIF_VENV=path for another environment folder.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(python3-venv bedtools chromium chromium-driver slurmctld slurmd slurm-client munge)
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
VENV="${DEEPMOTIF_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment $VENV with $("${PYTHON:-python3}" --version 2>&1)"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
PYTHON="$VENV/bin/python"
"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt
"$PYTHON" -m pip install -q --disable-pip-version-check --no-deps -e .
echo "setup: done ($("$PYTHON" -c 'import torch, lightning, snakemake; print("torch", torch.__version__, "lightning", lightning.__version__, "snakemake", snakemake.__version__)'); $(bedtools --version 2>/dev/null || echo 'bedtools missing'))"
