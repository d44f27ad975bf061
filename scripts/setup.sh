#!/usr/bin/env bash
# Sets up everything jaco_prog needs on a fresh Debian 12 machine: Mesa's EGL for headless MuJoCo rendering
# and a project-local virtualenv (.venv) with pinned dependencies, ROS 2 Jazzy's rclpy and core interfaces
# among them (PyPI wheels, requirements-ros.txt). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

stage=0
say() { stage=$((stage + 1)); echo "setup [$stage/6] $*"; }
pip_install() {
  # pip's notes about unreachable local indexes are noise here; real errors still end the script
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }
  return "${PIPESTATUS[0]}"
}

say "Debian packages for headless rendering (libegl1, libegl-mesa0, libgl1-mesa-dri, libgl1)"
missing=()
for pkg in libegl1 libegl-mesa0 libgl1-mesa-dri libgl1; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "  installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "  already installed"
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
say "virtualenv .venv ($("$python" --version))"
[ -x .venv/bin/python ] || "$python" -m venv .venv

say "torch==2.13.0, the CPU wheel (first and alone: an unpinned torch pulls GBs of CUDA)"
pip_install torch==2.13.0
say "runtime and test dependencies (requirements.txt, requirements-ray.txt: about 2 min on a fresh machine)"
pip_install -r requirements.txt -r requirements-ray.txt
say "ROS 2 Jazzy: rclpy over Fast DDS and the core interfaces (requirements-ros.txt)"
pip_install -r requirements-ros.txt -c requirements.txt
say "jaco_prog itself, editable"
pip_install --no-deps -e .
.venv/bin/python -c "import rclpy, trajectory_msgs.msg, jaco_prog" \
  || { echo "setup: rclpy or jaco_prog does not import from .venv" >&2; exit 1; }
echo "setup: ready (.venv, with ROS 2 Jazzy rclpy)"
