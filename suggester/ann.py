"""Approximate nearest neighbours for large corpora: a faiss inverted-file index (IVF-Flat) on disk.

Exact search reads every vector for every query: about 0.1 s per query at a million examples on two
cores. Past `settings.ann_threshold` examples the retriever asks this index for its candidates instead.
An IVF index clusters the vectors into about sqrt(n) lists (k-means on a sample) and a query scans only
the `nprobe` lists whose centroids are nearest, with exact inner products inside them, so the scores
are true cosines and only the candidate set is approximate.

Why IVF-Flat and not HNSW: on this 2-core machine HNSW took 21 s to insert 50k vectors (about 8 minutes
for a million), and faiss memory-maps only its vector storage, not its graph. An IVF-Flat index is built
in seconds to a minute and `faiss.IO_FLAG_MMAP` maps its lists, so every server worker shares the pages
just like the exact index (`examples.npy`).

faiss is imported inside the functions that need it: corpora under the threshold never load it.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from suggester.errors import SuggesterError

ANN_FILE = "examples.ivf.faiss"  # next to examples.npy in the index folder, so the same cache key covers it
DEFAULT_NPROBE = 32  # lists scanned per query; recall@10 against exact search is measured by bench_scale.py
TRAIN_PER_LIST = 40  # k-means sample per list (faiss warns below 39)


def list_count(rows: int) -> int:
    """Inverted lists for `rows` vectors: about sqrt(n), so a list holds about sqrt(n) vectors."""
    return max(1, min(rows // TRAIN_PER_LIST, round(math.sqrt(rows))))


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - faiss-cpu is a pinned dependency
        raise SuggesterError("the approximate index needs faiss: pip install faiss-cpu") from exc
    return faiss


class AnnIndex:
    """An IVF-Flat inner-product index over unit vectors, memory-mapped when loaded from disk.

    Attributes:
        index: the faiss index.
        path: the file it was loaded from or saved to (None when it lives in memory only).
        built: True when this process trained it, False when it was loaded.
    """

    def __init__(self, index, path: Path | None, built: bool, nprobe: int = DEFAULT_NPROBE) -> None:
        self.index = index
        self.path = path
        self.built = built
        self.nprobe = nprobe

    @property
    def rows(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, *, seed: int = 1234, progress: bool = False) -> AnnIndex:
        """Train the coarse clustering on a sample of the vectors and add them all (row i keeps id i)."""
        faiss = _faiss()
        vectors = np.asarray(vectors, dtype=np.float32)
        rows, dim = vectors.shape
        lists = list_count(rows)
        if progress:
            print(f"Building the approximate index: {rows} vectors in {lists} lists", file=sys.stderr)
        sample = np.random.default_rng(seed).choice(rows, size=min(rows, lists * TRAIN_PER_LIST), replace=False)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
        step = 100_000  # add in slices: a memory-mapped source is never copied whole into RAM
        for start in range(0, rows, step):
            index.add(np.ascontiguousarray(vectors[start : start + step]))
        return cls(index, None, built=True)

    def save(self, path: Path) -> None:
        """Write the index atomically (a reader never maps a half-written file)."""
        faiss = _faiss()
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".faiss.tmp", delete=False) as handle:
            temporary = handle.name
        try:
            faiss.write_index(self.index, temporary)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.path = path

    @classmethod
    def load(cls, path: Path) -> AnnIndex:
        """Open a saved index with its lists memory-mapped (shared by every process that opens it)."""
        faiss = _faiss()
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY), path, built=False)

    @classmethod
    def load_or_build(cls, folder: Path, vectors: np.ndarray, *, progress: bool = False) -> AnnIndex:
        """The index saved in `folder` if it covers these vectors, else a new one (saved there if possible)."""
        path = Path(folder) / ANN_FILE
        try:
            loaded = cls.load(path)
            if loaded.rows == len(vectors) and loaded.index.d == vectors.shape[1]:
                return loaded
        except RuntimeError:  # faiss: missing or damaged file
            pass
        built = cls.build(vectors, progress=progress)
        if Path(folder).is_dir():
            try:
                built.save(path)
                return cls.load(path)  # mapped pages instead of a private copy of every vector
            except (OSError, RuntimeError):
                pass
        return built

    def search(self, query: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
        """The `top` rows with the highest inner product with `query` among the scanned lists.

        Returns:
            (rows, scores): int64 row numbers and float32 inner products, best first; fewer than `top`
            when the scanned lists hold fewer vectors.
        """
        faiss = _faiss()
        params = faiss.SearchParametersIVF(nprobe=min(self.nprobe, self.index.nlist))
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), top, params=params)
        found = rows[0] >= 0
        return rows[0][found], scores[0][found]
