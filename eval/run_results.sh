#!/usr/bin/env bash
# Reproduces eval/RESULTS.md: the dev set in four variants (cold, then replayed from the cache) and the CI
# set twice cold (the determinism check behind eval/ci_thresholds.json), then once replayed.
# Every run folder and cache file goes under runs/ (gitignored). Takes hours on 2 shared cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
okr=.venv/bin/okr
model=${MODEL:-local/gemma-3-270m}
mkdir -p runs/cache

timed() {  # timed NAME okr-args...: one line "NAME wall_s load" in runs/timings.txt around the command
  local name=$1; shift
  local load_before; load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  local started; started=$(date +%s.%N)
  "$okr" eval run "$@" --model "$model"
  local ended; ended=$(date +%s.%N)
  echo "$name wall_s=$(echo "$ended - $started" | bc) load_before=[$load_before] load_after=[$(cut -d' ' -f1-3 /proc/loadavg)] at=$(date -u +%FT%TZ)" \
    | tee -a runs/timings.txt
}

rm -f runs/cache/dev.jsonl runs/cache/ci-a.jsonl runs/cache/ci-b.jsonl
timed dev-default eval/datasets/dev.jsonl --variant default --out runs/dev-default --cache runs/cache/dev.jsonl
timed ci-a eval/datasets/ci.jsonl --out runs/ci-a --cache runs/cache/ci-a.jsonl
timed ci-b eval/datasets/ci.jsonl --out runs/ci-b --cache runs/cache/ci-b.jsonl
for variant in no-repair zero-shot no-retrieval; do
  timed "dev-$variant" eval/datasets/dev.jsonl --variant "$variant" --out "runs/dev-$variant" --cache runs/cache/dev.jsonl
done
for variant in default no-repair zero-shot no-retrieval; do
  timed "dev-$variant-cached" eval/datasets/dev.jsonl --variant "$variant" --out "runs/dev-$variant-cached" \
    --cache runs/cache/dev.jsonl
done
timed ci-a-cached eval/datasets/ci.jsonl --out runs/ci-a-cached --cache runs/cache/ci-a.jsonl
echo done
