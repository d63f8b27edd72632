#!/usr/bin/env bash
# Sets everything up, from a fresh clone: a venv, the pinned installs, the embedded models and the
# corpus index. Safe to run again (pip reuses its cache; the index and the model file are kept).
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv

echo "==> pip"
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned to the CPU build: left to itself, sentence-transformers pulls a multi-GB CUDA build.
echo "==> torch (CPU)"
.venv/bin/pip install --quiet torch==2.13.0
# llama-cpp-python compiles on first install (~6.5 min on 2 cores); pip caches the wheel for the next run.
echo "==> okr-suggester and its pinned dependencies (first run compiles llama-cpp-python: ~7 minutes)"
.venv/bin/pip install --quiet -c requirements.lock -e ".[dev]"

echo "==> embedded models and corpus index"
HF_HUB_OFFLINE=1 .venv/bin/python -m suggester.prepare
echo "==> ready: try  .venv/bin/okr draft \"Grow our global business via expansion in the EU\" --team sales"
