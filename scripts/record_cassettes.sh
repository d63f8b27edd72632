#!/usr/bin/env bash
# Re-record every HTTP cassette in tests/cassettes/ against a real OpenAI-compatible server.
#
# Starts llama_cpp.server on loopback with the embedded GGUF model (scripts/local_server.py), runs
# every test marked `vcr` with --record-mode=rewrite (each cassette is deleted, then recorded afresh),
# replays them once offline to prove they are complete, and stops the server. No key, no network.
#
#   scripts/record_cassettes.sh                         # all cassettes
#   scripts/record_cassettes.sh -k json_schema          # extra arguments go to pytest
#
# Takes a few minutes on 2 cores (the 270M model generates ~35 tokens/s). Review `git diff tests/cassettes`
# before committing: the answers change with every recording, the request shapes should not.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

# llama_cpp.server needs the [server] extras, which the dev install does not pull in.
if ! "$PYTHON" -c "import sse_starlette, starlette_context" 2>/dev/null; then
    echo "llama_cpp.server needs its extras: $PYTHON -m pip install -c requirements.lock sse-starlette starlette-context" >&2
    exit 2
fi

"$PYTHON" scripts/local_server.py -- "$PYTHON" -m pytest tests -m vcr --record-mode=rewrite -q -p no:cacheprovider "$@"
echo "replaying the new cassettes offline (record mode none)…" >&2
"$PYTHON" -m pytest tests -m vcr --record-mode=none -q -p no:cacheprovider "$@"
