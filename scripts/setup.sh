#!/usr/bin/env bash
# Sets up everything jaco_prog needs on a fresh Debian 12 machine: Mesa's EGL for headless MuJoCo rendering
# and a project-local virtualenv (.venv) with pinned dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in libegl1 libegl-mesa0 libgl1-mesa-dri libgl1; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-ray.txt  # optional extra: sweeps on Ray
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
echo "setup: ready (.venv)"
