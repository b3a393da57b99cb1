#!/usr/bin/env bash
# One command sets up a fresh Debian/Ubuntu machine with Python >= 3.10 for DeepMotif:
#   system packages: bedtools (the pipeline), chromium (the dashboard's browser test), npm (unless there is one),
#                    slurmctld/slurmd/slurm-client/munge (the Slurm test runs a real one-node Slurm)
#   Python packages: requirements.txt (pinned; torch's CPU build unless there is an NVIDIA GPU, see below)
#                    and this package (editable), in a virtual environment .venv/
#                    made with $PYTHON (default python3: the distribution's own Python works, PEP 668
#                    forbids only system-wide pip). Then: .venv/bin/snakemake, .venv/bin/python -m pytest.
# Then igv.js (npm package igv) goes into the per-user cache for the genome views.
# Last, numba compiles memelite's Tomtom and modisco-lite's kernels into the per-user cache
# ${DEEPMOTIF_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/deepmotif} (~100 s of one core the first time on a
# machine, a few seconds once cached there), so that the pipeline and the tests load them.
# Idempotent. Set DEEPMOTIF_NO_APT=1 to skip the system packages (e.g. without root),
# DEEPMOTIF_VENV=path for another environment folder, DEEPMOTIF_NO_COMPILE=1 to skip the compile.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(python3-venv bedtools chromium chromium-driver slurmctld slurmd slurm-client munge)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)  # fetches igv.js (the genome views) from the npm registry
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
# torch: requirements.txt pins torch==2.13.0, and which build that is depends on where pip finds it: PyPI
# serves Linux x86_64 a CUDA build (several GB with its nvidia-* packages), the PyTorch CPU index
# (https://download.pytorch.org/whl/cpu) the CPU build 2.13.0+cpu (~200 MB). Chosen deliberately here:
# with an NVIDIA GPU (nvidia-smi lists one) the CUDA build from PyPI, otherwise torch==2.13.0+cpu from the CPU
# index or from a local wheel on pip's find-links (on the development machine pip's configuration,
# `pip config list`, points find-links at /opt/wheels, which holds torch-2.13.0+cpu, and the CPU index is
# unreachable: pip retries it for ~15 s, then takes the wheel). DEEPMOTIF_TORCH=cpu or cuda overrides.
TORCH_VERSION="$(sed -n 's/^torch==//p' requirements.txt)"
TORCH_BUILD="${DEEPMOTIF_TORCH:-auto}"
if [ "$TORCH_BUILD" = "auto" ]; then
  TORCH_BUILD=cpu
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then TORCH_BUILD=cuda; fi
fi
WANT="$TORCH_VERSION"; [ "$TORCH_BUILD" = "cpu" ] && WANT="$TORCH_VERSION+cpu"
if ! "$PYTHON" -c "import torch, sys; v = torch.__version__; sys.exit(v != '$WANT' and ('$TORCH_BUILD' == 'cpu' or v.split('+')[0] != '$WANT' or v.endswith('+cpu')))" 2>/dev/null; then
  echo "setup: installing torch $TORCH_VERSION ($TORCH_BUILD build)"
  if [ "$TORCH_BUILD" = "cuda" ]; then
    "$PYTHON" -m pip install -q --disable-pip-version-check "torch==$TORCH_VERSION"
  else
    # --no-deps: only torch comes from the CPU index; its dependencies come with requirements.txt below
    "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps \
      --extra-index-url https://download.pytorch.org/whl/cpu "torch==$TORCH_VERSION+cpu"
  fi
fi
"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt  # torch==X is met by X+cpu
"$PYTHON" -m pip install -q --disable-pip-version-check --no-deps -e .
if [ "${DEEPMOTIF_NO_COMPILE:-0}" != "1" ]; then
  echo "setup: numba: memelite's Tomtom and modisco-lite's kernels (compiled once per machine, ~100 s; then loaded)"
  "$PYTHON" -m deepmotif compile-tomtom -o "$VENV/tomtom.compiled" 2> "$VENV/tomtom.compile.log" \
    && sed -n 's/^/setup:   /p' "$VENV/tomtom.compiled" \
    || echo "setup: warning: the compile failed ($VENV/tomtom.compile.log); the pipeline's compile_tomtom job compiles"
fi
# igv.js for the genome views: the npm package igv, at the version pinned in src/deepmotif/report/genome_view.py
# (IGV_VERSION), fetched once per machine into the per-user cache (npm pack, ~5 MB); the pipeline copies it beside
# the results (results/igv/), so the pages open offline.
"$PYTHON" -c 'from deepmotif.report.genome_view import fetch_igv; print("setup: igv.js in", fetch_igv())' \
  || echo "setup: warning: igv.js not fetched; the pipeline's bundle_igv job tries again (needs npm and the registry)"
echo "setup: done ($("$PYTHON" -c 'import torch, lightning, snakemake; print("torch", torch.__version__, "cuda" if torch.version.cuda else "cpu", "lightning", lightning.__version__, "snakemake", snakemake.__version__)'); $(bedtools --version 2>/dev/null || echo 'bedtools missing'))"
