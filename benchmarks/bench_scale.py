"""Retrieval at scale (issue 8, target 4): our exact retriever vs faiss IndexFlatIP, and the approximate index.

    .venv/bin/python benchmarks/bench_scale.py                        # 10k, 100k and 1M examples (~10 min)
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000,100000   # a quick run

For each size it writes a synthetic corpus of clustered unit vectors (dim 384, like all-MiniLM-L6-v2
embeddings of a corpus with recurring topics) to a temporary `examples.npy` and measures, in one run:

  * ours, exact: the `Retriever` of suggester/retrieval.py over the memory-mapped .npy (np.load
    mmap_mode="r"), with ann_threshold=None. Two latencies: the core (`vectors @ query` + argpartition,
    what the retriever does per query) and the whole `Retriever.search` (team bonus, candidate pool, MMR);
  * faiss IndexFlatIP: the reference exact search (vectors copied into RAM);
  * ours, approximate: the `Retriever` past ann_threshold, i.e. suggester/ann.py's IVF-Flat index, built
    and saved into the index folder and reloaded with faiss.IO_FLAG_MMAP.

Figures: build time, size on disk, resident memory added (anonymous = private to this process; file =
page cache shared with every process mapping the same file), top-10 latency p50/p99, recall@10 of the
approximate index against exact search, and the ratios the targets are stated in. Finally a second
process maps the same files and reports how much of its resident memory is shared (Pss < Rss), which is
what lets several server workers serve one index. Query embedding is not included: queries are vectors.
Timings on a shared machine vary: compare the rows of one run, and note the load average printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from suggester.ann import ANN_FILE, DEFAULT_NPROBE
from suggester.embedding import Embedder
from suggester.models import CorpusExample, KeyResult, Kind
from suggester.retrieval import CorpusIndex, Retriever, query_text

DIM = 384
TEAMS = [
    "customer support",
    "engineering",
    "finance",
    "marketing",
    "operations",
    "people",
    "product",
    "sales",
]
QUERY_TEAM = "sales"
CHUNK = 100_000  # rows generated and written at a time, so a 1M corpus never sits in RAM twice


def clustered_vectors(rows: int, centres: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Unit vectors scattered around topic centres (the recipe of tests/test_ann.py, at dim 384)."""
    vectors = centres[rng.integers(0, len(centres), rows)] + rng.normal(0, noise, (rows, centres.shape[1]))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def write_corpus(path: Path, rows: int, centres: np.ndarray, noise: float, seed: int) -> float:
    """Write `rows` vectors to an .npy file slice by slice; returns the seconds spent writing (not generating)."""
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, DIM))
    writing = 0.0
    for start in range(0, rows, CHUNK):
        block = clustered_vectors(min(CHUNK, rows - start), centres, rng, noise)
        began = time.perf_counter()
        out[start : start + len(block)] = block
        writing += time.perf_counter() - began
    began = time.perf_counter()
    out.flush()
    del out
    return writing + time.perf_counter() - began


def memory() -> dict[str, int]:
    """This process's resident memory in bytes: anonymous (private) and file-backed (shareable) pages."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def megabytes(count: float) -> str:
    return f"{count / 2**20:,.0f} MB"


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return statistics.median(ordered) * 1000, ordered[
        min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    ] * 1000


def timed(function, queries: np.ndarray) -> tuple[list[float], list]:
    seconds, answers = [], []
    for query in queries:
        began = time.perf_counter()
        answers.append(function(query))
        seconds.append(time.perf_counter() - began)
    return seconds, answers


class QueryTable(Embedder):
    """Returns the benchmark's query vectors for the query texts: the retriever runs unchanged, minus the model."""

    model_id = "synthetic"
    dim = DIM

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.table = table

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        return np.stack([self.table[text] for text in texts])


def synthetic_examples(rows: int) -> list[CorpusExample]:
    """Corpus rows as the retriever sees them: an id, a team type and a key result (one shared object)."""
    key_results = [KeyResult(id="kr1", kind=Kind.output, text="Raise bookings from 10 to 20")]
    return [
        CorpusExample.model_construct(
            id=f"ex-{row}",
            team_type=TEAMS[row % len(TEAMS)],
            industry="software",
            stage="scale-up",
            horizon="Q3 2027",
            objective=f"Objective {row}",
            context="",
            key_results=key_results,
        )
        for row in range(rows)
    ]


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int = 10) -> np.ndarray:
    """The exact retriever's core, as Retriever.search runs it: a product over the mapped file, then argpartition."""
    scores = np.asarray(vectors) @ query
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def bench_size(rows: int, folder: Path, args: argparse.Namespace, centres: np.ndarray) -> dict:
    import faiss

    figures: dict = {"rows": rows}
    path = folder / "examples.npy"
    figures["ours build s"] = write_corpus(path, rows, centres, args.noise, seed=rows)
    figures["ours disk"] = path.stat().st_size
    queries = clustered_vectors(args.queries, centres, np.random.default_rng(7), args.noise)
    table = {query_text(f"q{i}", QUERY_TEAM): query for i, query in enumerate(queries)}
    examples = synthetic_examples(rows)

    # Ours, exact: the memory-mapped file; resident memory is file pages (page cache), not private copies.
    before = memory()
    vectors = np.load(path, mmap_mode="r")
    team_vectors = clustered_vectors(len(TEAMS), centres, np.random.default_rng(1), args.noise)
    index = CorpusIndex(folder, vectors, TEAMS, team_vectors, built=False)
    exact = Retriever(examples, index, QueryTable(table), k=10, ann_threshold=None)
    mapped_before_query = memory()
    core_s, exact_answers = timed(lambda q: exact_top(vectors, q), queries)
    after = memory()
    figures["ours mmap"] = isinstance(vectors, np.memmap)
    figures["ours anon"] = after["RssAnon"] - before["RssAnon"]
    figures["ours file"] = after["RssFile"] - before["RssFile"]
    figures["ours file before first query"] = mapped_before_query["RssFile"] - before["RssFile"]
    figures["ours core p50"], figures["ours core p99"] = percentiles(core_s)
    search_s = []
    for i in range(len(queries)):
        began = time.perf_counter()
        exact.search(f"q{i}", QUERY_TEAM, k=10)
        search_s.append(time.perf_counter() - began)
    figures["ours search p50"], figures["ours search p99"] = percentiles(search_s)
    exact_search_ids = [
        {e.id for e, _ in exact.search(f"q{i}", QUERY_TEAM, k=10, mmr_lambda=1.0)}
        for i in range(len(queries))
    ]

    # faiss IndexFlatIP: the reference exact search, vectors copied into the index.
    before = memory()
    began = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    for start in range(0, rows, CHUNK):
        flat.add(np.ascontiguousarray(vectors[start : start + CHUNK]))
    figures["flat build s"] = time.perf_counter() - began
    flat_s, flat_answers = timed(lambda q: flat.search(q.reshape(1, -1), 10)[1][0], queries)
    after = memory()
    figures["flat anon"] = after["RssAnon"] - before["RssAnon"]
    figures["flat file"] = after["RssFile"] - before["RssFile"]
    figures["flat p50"], figures["flat p99"] = percentiles(flat_s)
    flat_path = folder / "flat.faiss"
    faiss.write_index(flat, str(flat_path))
    figures["flat disk"] = flat_path.stat().st_size
    flat_path.unlink()
    figures["flat agrees"] = statistics.fmean(
        len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(exact_answers, flat_answers)
    )
    flat.reset()  # free its copy of the vectors before the next index is built

    # Ours, approximate: the retriever past ann_threshold builds suggester/ann.py's index into the folder
    # and reloads it memory-mapped.
    before = memory()
    began = time.perf_counter()
    approximate = Retriever(examples, index, QueryTable(table), k=10, ann_threshold=1)
    figures["ann build s"] = time.perf_counter() - began
    ann = approximate.ann
    figures["ann disk"] = (folder / ANN_FILE).stat().st_size
    figures["ann loaded mapped"] = not ann.built and ann.path == folder / ANN_FILE
    figures["ann lists"] = int(ann.index.nlist)
    ann_s, ann_answers = timed(lambda q: ann.search(q, 10)[0], queries)
    after = memory()
    figures["ann anon"] = after["RssAnon"] - before["RssAnon"]
    figures["ann file"] = after["RssFile"] - before["RssFile"]
    figures["ann p50"], figures["ann p99"] = percentiles(ann_s)
    figures["ann recall@10"] = statistics.fmean(
        len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(exact_answers, ann_answers)
    )
    search_s = []
    for i in range(len(queries)):
        began = time.perf_counter()
        approximate.search(f"q{i}", QUERY_TEAM, k=10)
        search_s.append(time.perf_counter() - began)
    figures["ann search p50"], figures["ann search p99"] = percentiles(search_s)
    figures["ann search recall@10"] = statistics.fmean(
        len({e.id for e, _ in approximate.search(f"q{i}", QUERY_TEAM, k=10, mmr_lambda=1.0)} & want) / 10
        for i, want in enumerate(exact_search_ids)
    )
    if args.nprobe_sweep:
        figures["sweep"] = []
        for nprobe in args.nprobe_sweep:
            ann.nprobe = nprobe
            seconds, answers = timed(lambda q: ann.search(q, 10)[0], queries)
            recall = statistics.fmean(
                len(set(a.tolist()) & set(b.tolist())) / 10 for a, b in zip(exact_answers, answers)
            )
            figures["sweep"].append((nprobe, recall, *percentiles(seconds)))
        ann.nprobe = DEFAULT_NPROBE
    figures["shared"] = second_process_view(path, folder / ANN_FILE, queries[0])
    return figures


_SECOND_PROCESS = """
import json, sys
from pathlib import Path
import numpy as np, faiss
npy, ivf, query = sys.argv[1], sys.argv[2], np.asarray(json.loads(sys.argv[3]), dtype=np.float32)
vectors = np.load(npy, mmap_mode="r")
np.asarray(vectors) @ query  # touch every page, as a worker's first query does
index = faiss.read_index(ivf, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
index.nprobe = index.nlist
index.search(query.reshape(1, -1), 10)  # touch every list
rollup = {}
for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
    key, _, value = line.partition(":")
    rollup[key] = int(value.split()[0]) * 1024
print(json.dumps({key: rollup[key] for key in ("Rss", "Pss", "Shared_Clean", "Private_Clean", "Anonymous")}))
"""


def second_process_view(npy: Path, ivf: Path, query: np.ndarray) -> dict[str, int]:
    """Another process (a second server worker) maps the same two files while this one holds them mapped."""
    out = subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS, str(npy), str(ivf), json.dumps(query.tolist())],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def report(all_figures: list[dict]) -> None:
    print("\nbuild, disk and memory (anon = private to the process; file = shared page cache)")
    print(f"{'rows':>9}  {'index':<22}{'build s':>9}{'disk':>11}{'RSS anon':>11}{'RSS file':>11}")
    for f in all_figures:
        for name, key in (
            ("ours exact (.npy mmap)", "ours"),
            ("faiss IndexFlatIP", "flat"),
            ("ours approx (IVF mmap)", "ann"),
        ):
            print(
                f"{f['rows']:>9,}  {name:<22}{f[f'{key} build s']:>9.2f}{megabytes(f[f'{key} disk']):>11}"
                f"{megabytes(f[f'{key} anon']):>11}{megabytes(f[f'{key} file']):>11}"
            )
    print("\ntop-10 query latency, ms (p50 / p99)")
    print(
        f"{'rows':>9}  {'ours core':>17}{'ours search':>17}{'faiss flat':>17}{'approx core':>17}{'approx search':>17}"
        f"{'core/flat':>10}{'search/flat':>12}{'exact/approx':>13}{'recall@10':>10}{'search rec':>11}"
    )
    for f in all_figures:
        cells = [
            f"{f['ours core p50']:.2f} / {f['ours core p99']:.2f}",
            f"{f['ours search p50']:.2f} / {f['ours search p99']:.2f}",
            f"{f['flat p50']:.2f} / {f['flat p99']:.2f}",
            f"{f['ann p50']:.2f} / {f['ann p99']:.2f}",
            f"{f['ann search p50']:.2f} / {f['ann search p99']:.2f}",
        ]
        print(
            f"{f['rows']:>9,}  "
            + "".join(f"{cell:>17}" for cell in cells)
            + f"{f['ours core p50'] / f['flat p50']:>9.2f}x{f['ours search p50'] / f['flat p50']:>11.2f}x"
            f"{f['ours core p50'] / f['ann p50']:>12.1f}x{f['ann recall@10']:>10.3f}{f['ann search recall@10']:>11.3f}"
        )
    print(
        "  core = vectors @ query + top-10 (what Retriever.search does per query); search = the whole"
        " Retriever.search(k=10): team bonus, 100-candidate pool, MMR.\n"
        "  exact/approx = speed-up of the approximate core over the exact core; recall@10 = share of the exact"
        " top-10 the approximate index returns; search rec = the same for Retriever.search with MMR off."
    )
    for f in all_figures:
        if f.get("sweep"):
            print(
                f"\nnprobe sweep at {f['rows']:,} rows ({f['ann lists']} lists): nprobe, recall@10, p50 ms, p99 ms"
            )
            for nprobe, recall, p50, p99 in f["sweep"]:
                print(f"  {nprobe:>5}  {recall:.3f}  {p50:7.2f}  {p99:7.2f}")
    print("\nmemory-mapped index files, seen from a second process that maps them too (a second worker)")
    for f in all_figures:
        shared = f["shared"]
        print(
            f"{f['rows']:>9,}: .npy mapped by np.load: {f['ours mmap']}; IVF reloaded with IO_FLAG_MMAP:"
            f" {f['ann loaded mapped']}; second process Rss {megabytes(shared['Rss'])}, Pss {megabytes(shared['Pss'])},"
            f" shared clean {megabytes(shared['Shared_Clean'])}, anonymous {megabytes(shared['Anonymous'])}"
        )
    print(
        "  Pss < Rss and large 'shared clean' = the index pages are counted once across processes: workers share them."
    )
    print("\ntargets")
    for f in all_figures:
        ratio = f["ours core p50"] / f["flat p50"]
        print(
            f"  {f['rows']:>9,}: exact core within 1.5x of faiss flat (p50): {ratio:.2f}x -> {'met' if ratio <= 1.5 else 'MISSED'}"
        )
        print(
            f"  {f['rows']:>9,}: approximate recall@10 >= 0.95: {f['ann recall@10']:.3f} ->"
            f" {'met' if f['ann recall@10'] >= 0.95 else 'MISSED'}"
        )
    largest = max(all_figures, key=lambda f: f["rows"])
    speedup = largest["ours core p50"] / largest["ann p50"]
    print(
        f"  {largest['rows']:>9,}: approximate query >= 5x faster than exact (p50): {speedup:.1f}x ->"
        + (
            f" {'met' if speedup >= 5 else 'MISSED'}"
            if largest["rows"] >= 1_000_000
            else " n/a (the target is at 1M)"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="corpus sizes, comma separated")
    parser.add_argument("--queries", type=int, default=200, help="queries per size (p99 needs 100 or more)")
    parser.add_argument("--centres", type=int, default=50, help="topic centres of the synthetic corpus")
    parser.add_argument("--noise", type=float, default=0.4, help="per-dimension spread around a centre")
    parser.add_argument(
        "--nprobe-sweep",
        default="8,16,32,64,128",
        help="IVF lists scanned per query to sweep at the largest size ('' to skip)",
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the temporary indexes go (default: $TMPDIR)"
    )
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    sweep = [int(n) for n in args.nprobe_sweep.split(",") if n]
    sys.stdout.reconfigure(line_buffering=True)
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; sizes {sizes}; {args.queries} queries;"
        f" {args.centres} centres, noise {args.noise}; nprobe {DEFAULT_NPROBE}"
    )
    centres = np.random.default_rng(3).normal(size=(args.centres, DIM))
    results = []
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="okr-scale-", dir=args.dir) as tmp:
            args.nprobe_sweep = sweep if rows == max(sizes) else []
            began = time.perf_counter()
            figures = bench_size(rows, Path(tmp), args, centres)
            print(
                f"{rows:,} rows measured in {time.perf_counter() - began:.0f} s (load {os.getloadavg()[0]:.2f})"
            )
            results.append(figures)
    report(results)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
