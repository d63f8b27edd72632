#!/usr/bin/env bash
# Reproduces the figures in eval/README.md: the dev set cold on the default pipeline (the cold wall time),
# the CI set twice cold (the spread behind eval/ci_thresholds.json), the ablations on the dev set sharing
# the dev cache (a variant only calls the model for prompts the default did not send), then every run
# again from the cache (the cached wall time). Run folders and caches go under runs/ (gitignored).
# About an hour on 2 shared cores with the embedded model.
#
#   eval/run_results.sh                     # local/gemma-3-270m
#   MODEL=openai/gpt-4o-mini eval/run_results.sh
#   SEED_CACHE=old/dev.jsonl eval/run_results.sh   # reuse answers of an earlier run for the ablations only
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
okr=.venv/bin/okr
model=${MODEL:-local/gemma-3-270m}
mkdir -p runs/cache

timed() {  # timed NAME okr-eval-run-args...: one line "NAME wall_s load" in runs/timings.txt around the run
  local name=$1; shift
  local load_before; load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  local started; started=$(date +%s.%N)
  "$okr" eval run "$@" --model "$model"
  local ended; ended=$(date +%s.%N)
  echo "$name wall_s=$(echo "$ended - $started" | bc) load_before=[$load_before] load_after=[$(cut -d' ' -f1-3 /proc/loadavg)] at=$(date -u +%FT%TZ)" \
    | tee -a runs/timings.txt
}

rm -f runs/cache/dev.jsonl runs/cache/ci-a.jsonl runs/cache/ci-b.jsonl
timed dev-default eval/datasets/dev.jsonl --out runs/dev-default --cache runs/cache/dev.jsonl
timed ci-a eval/datasets/ci.jsonl --out runs/ci-a --cache runs/cache/ci-a.jsonl
timed ci-b eval/datasets/ci.jsonl --out runs/ci-b --cache runs/cache/ci-b.jsonl
if [ -n "${SEED_CACHE:-}" ]; then
  cat "runs/$SEED_CACHE" >> runs/cache/dev.jsonl  # after the cold default run: it only spares ablation calls
fi
for variant in no-repair repair-findings no-context-metrics no-retrieval zero-shot; do
  timed "dev-$variant" eval/datasets/dev.jsonl --variant "$variant" --out "runs/dev-$variant" --cache runs/cache/dev.jsonl
done
for variant in default no-repair repair-findings no-context-metrics no-retrieval zero-shot; do
  timed "dev-$variant-cached" eval/datasets/dev.jsonl --variant "$variant" --out "runs/dev-$variant-cached" \
    --cache runs/cache/dev.jsonl
done
timed ci-a-cached eval/datasets/ci.jsonl --out runs/ci-a-cached --cache runs/cache/ci-a.jsonl
echo done
