"""Retrieval benchmark: quality on the labelled set, index build vs cached load, query latency.

    .venv/bin/python benchmarks/bench_retrieval.py [--dataset eval/datasets/retrieval.jsonl]
        [--synthetic 100000] [--recipes] [--json]

Prints:
  * recall@5 and MRR (first relevant in the top 10) for plain cosine, team-aware, MMR and both,
    overall and for the queries whose team type is unknown to the corpus;
  * with --recipes, the same figures for other choices of what to embed per example;
  * index build time (encoding the shipped corpus) vs loading the cached index;
  * query latency p50/p99 (query embedding included) at the shipped size and at N synthetic examples.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from suggester.corpus import load_corpus
from suggester.embedding import get_embedder
from suggester.retrieval import CorpusIndex, Retriever, corpus_dirs, example_text
from suggester.settings import get_settings
from suggester.teams import normalize_team

RECIPES = {
    "objective": lambda e: e.objective,
    "objective+team": lambda e: f"{e.objective}. Team: {e.team_type}.",
    "objective+team+context (shipped)": example_text,
    "objective+team+context+krs": lambda e: example_text(e) + " " + " ".join(kr.text for kr in e.key_results),
}


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def quality(retriever: Retriever, cases: list[dict], *, team_aware: bool, mmr_lambda: float) -> dict[str, float]:
    """Mean recall@5 and MRR@10 over the cases."""
    recalls, reciprocal_ranks = [], []
    for case in cases:
        relevant = set(case["relevant_example_ids"])
        ranked = [e.id for e, _ in retriever.search(case["objective"], case["team_type"], k=10,
                                                    mmr_lambda=mmr_lambda, team_aware=team_aware)]
        recalls.append(len(relevant & set(ranked[:5])) / len(relevant))
        rank = next((i for i, example_id in enumerate(ranked, start=1) if example_id in relevant), None)
        reciprocal_ranks.append(1.0 / rank if rank else 0.0)
    return {"recall@5": statistics.fmean(recalls), "mrr": statistics.fmean(reciprocal_ranks)}


def quality_table(retriever: Retriever, cases: list[dict], mmr_lambda: float) -> dict[str, dict]:
    known = set(retriever.index.teams)
    unknown = [c for c in cases if normalize_team(c["team_type"]) not in known]
    variants = {
        "plain cosine": (False, 1.0),
        "team-aware": (True, 1.0),
        f"plain + MMR (lambda {mmr_lambda})": (False, mmr_lambda),
        f"team-aware + MMR (lambda {mmr_lambda})": (True, mmr_lambda),
    }
    table = {}
    for name, (aware, lam) in variants.items():
        table[name] = quality(retriever, cases, team_aware=aware, mmr_lambda=lam)
        if unknown:
            table[name].update(
                {f"unknown-team {key}": value
                 for key, value in quality(retriever, unknown, team_aware=aware, mmr_lambda=lam).items()}
            )
    return table


class Clock:
    """Wall and CPU time of a block: the machine is shared, so CPU time is the steadier figure."""

    def __enter__(self) -> Self:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def latency_ms(retriever: Retriever, cases: list[dict], repeats: int, k: int) -> dict[str, float]:
    """Per-query wall and CPU milliseconds of `search` (query embedding included), and of the embedding alone.

    The embedder forgets its recent vectors before each timing: every query is a first encode, as for a
    new objective in production.
    """
    wall, cpu, embed_cpu = [], [], []
    for _ in range(repeats):
        for case in cases:
            retriever.embedder.forget()
            with Clock() as clock:
                retriever.search(case["objective"], case["team_type"], k=k)
            wall.append(clock.wall * 1000)
            cpu.append(clock.cpu * 1000)
            retriever.embedder.forget()
            with Clock() as clock:
                retriever.embed_texts([case["objective"]])
            embed_cpu.append(clock.cpu * 1000)
    return {"p50": percentile(wall, 0.5), "p99": percentile(wall, 0.99), "cpu_p50": percentile(cpu, 0.5),
            "cpu_p99": percentile(cpu, 0.99), "embed_cpu_p50": percentile(embed_cpu, 0.5), "queries": len(wall)}


def synthetic_retriever(base: Retriever, size: int, folder: Path) -> Retriever:
    """`size` examples: shipped ones repeated under new ids, their vectors jittered, stored and memory-mapped."""
    rng = np.random.default_rng(7)
    source = np.asarray(base.index.vectors)
    rows = rng.integers(0, len(base.examples), size)
    vectors = source[rows] + rng.normal(0, 0.03, (size, source.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    np.save(folder / "examples.npy", vectors.astype(np.float32))
    examples = [base.examples[row].model_copy(update={"id": f"synthetic-{i}"}) for i, row in enumerate(rows)]
    index = CorpusIndex(folder, np.load(folder / "examples.npy", mmap_mode="r"), base.index.teams,
                        base.index.team_vectors, built=True)
    return Retriever(examples, index, base.embedder, k=base.k, mmr_lambda=base.mmr_lambda,
                     team_boost=base.team_boost)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=ROOT / "eval" / "datasets" / "retrieval.jsonl")
    parser.add_argument("--synthetic", type=int, default=100_000, help="size of the synthetic corpus (0 = skip)")
    parser.add_argument("--recipes", action="store_true", help="also compare what is embedded per example")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args()

    settings = get_settings()
    report: dict = {}
    with Clock() as clock:
        examples = load_corpus(corpus_dirs(settings))
    report["corpus_load_s"] = {"wall": clock.wall, "cpu": clock.cpu}
    cases = load_cases(args.dataset)
    embedder = get_embedder()
    with Clock() as clock:
        embedder.encode(["warm up"])
    report["model_load_s"] = {"wall": clock.wall, "cpu": clock.cpu}
    defaults = {"k": settings.retrieval_k, "mmr_lambda": settings.mmr_lambda, "team_boost": settings.team_boost}

    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        with Clock() as clock:
            built = Retriever.from_examples(examples, embedder, cache, progress=False, **defaults)
        report["index_build_s"] = {"wall": clock.wall, "cpu": clock.cpu}
        encoded = embedder.texts_encoded
        with Clock() as clock:
            retriever = Retriever.from_examples(examples, embedder, cache, progress=False, **defaults)
        report["index_load_s"] = {"wall": clock.wall, "cpu": clock.cpu}
        assert not retriever.index.built and embedder.texts_encoded == encoded, "cache was not used"
        assert built.index.folder == retriever.index.folder

        report["corpus"] = {"examples": len(examples), "team_types": len(retriever.index.teams),
                            "queries": len(cases),
                            "unknown_team_queries": sum(normalize_team(c["team_type"]) not in retriever.index.teams
                                                        for c in cases)}
        report["settings"] = {"team_boost": settings.team_boost, "mmr_lambda": settings.mmr_lambda}
        report["quality"] = quality_table(retriever, cases, settings.mmr_lambda)

        if args.recipes:
            report["recipes"] = {}
            for name, recipe in RECIPES.items():
                vectors = embedder.encode([recipe(e) for e in examples])
                index = CorpusIndex(retriever.index.folder, vectors, retriever.index.teams,
                                    retriever.index.team_vectors, built=True)
                variant = Retriever(examples, index, embedder, team_boost=settings.team_boost)
                report["recipes"][name] = {
                    "plain": quality(variant, cases, team_aware=False, mmr_lambda=1.0),
                    "team-aware + MMR": quality(variant, cases, team_aware=True, mmr_lambda=settings.mmr_lambda),
                }

        report["latency_ms"] = {f"{len(examples)} examples": latency_ms(retriever, cases, 5, settings.retrieval_k)}
        if args.synthetic:
            folder = Path(scratch) / "synthetic"
            folder.mkdir()
            started = time.perf_counter()
            big = synthetic_retriever(retriever, args.synthetic, folder)
            report["synthetic_setup_s"] = time.perf_counter() - started
            big.search("warm up", "sales")
            report["latency_ms"][f"{args.synthetic} examples"] = latency_ms(big, cases, 2, settings.retrieval_k)

    if args.json:
        print(json.dumps(report, indent=2))
        return
    corpus = report["corpus"]
    print(f"corpus: {corpus['examples']} examples, {corpus['team_types']} team types; "
          f"{corpus['queries']} labelled queries ({corpus['unknown_team_queries']} with an unknown team type)")
    print(f"settings: team_boost {settings.team_boost}, mmr_lambda {settings.mmr_lambda}\n")
    keys = list(next(iter(report["quality"].values())))
    print(f"{'variant':<36}" + "".join(f"{key:>22}" for key in keys))
    for name, row in report["quality"].items():
        print(f"{name:<36}" + "".join(f"{row[key]:>22.3f}" for key in keys))
    for name, rows in report.get("recipes", {}).items():
        print(f"recipe {name:<40} plain R@5 {rows['plain']['recall@5']:.3f} MRR {rows['plain']['mrr']:.3f} | "
              f"team-aware+MMR R@5 {rows['team-aware + MMR']['recall@5']:.3f} MRR {rows['team-aware + MMR']['mrr']:.3f}")
    build, load, model = report["index_build_s"], report["index_load_s"], report["model_load_s"]
    print(f"\nmodel load (once per process): wall {model['wall']:.2f} s, CPU {model['cpu']:.2f} s")
    print(f"index build: wall {build['wall']:.2f} s, CPU {build['cpu']:.2f} s | "
          f"cached load: wall {load['wall'] * 1000:.1f} ms, CPU {load['cpu'] * 1000:.1f} ms "
          f"(plus reading the corpus files: wall {report['corpus_load_s']['wall']:.2f} s, "
          f"CPU {report['corpus_load_s']['cpu']:.2f} s, needed either way)")
    for size, f in report["latency_ms"].items():
        print(f"query latency at {size}: wall p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms | "
              f"CPU p50 {f['cpu_p50']:.1f} ms, p99 {f['cpu_p99']:.1f} ms (query embedding alone: CPU p50 "
              f"{f['embed_cpu_p50']:.1f} ms; {f['queries']} queries)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
