"""Team-aware, diverse retrieval of corpus examples over a cached embedding index.

The index (one vector per example, plus one per team description) lives under
`settings.cache_dir/index/<model>/<corpus hash>-v<recipe>/`. The key is the corpus content hash, the
embedding model id and the recipe version (what text is embedded), so an edited corpus or another
model gives a new folder and an unchanged one loads with `np.load(mmap_mode="r")`, no encoding, pages
shared by every server worker. Key-result vectors (for target proposals and copy-rate scoring) are
built lazily into the same folder.

Ranking: cosine between the query and each example, plus `team_boost` for the same team type (half of
it for related teams; an unknown team name is matched against the team descriptions and its nearest
known teams get half the usual weights), then
maximal marginal relevance so the top k do not repeat each other. A bigger store (pgvector, Qdrant)
can replace `Retriever` later behind the same `search` signature.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from suggester.corpus import as_dirs, corpus_hash, load_corpus
from suggester.embedding import Embedder, get_embedder
from suggester.models import CorpusExample, KeyResult
from suggester.settings import Settings, get_settings
from suggester.teams import DESCRIPTIONS, RELATED, normalize_team

RECIPE_VERSION = 2  # bump when example_text / team_text change: old caches then stop matching
log = logging.getLogger(__name__)

RELATED_WEIGHT = 0.5  # share of team_boost for a related team
NEAREST_TEAMS = 2  # known teams an unknown team type borrows its weights from
UNKNOWN_TEAM_WEIGHT = 0.5  # share of team_boost for the nearest known team of an unknown team type
CANDIDATES_PER_K = 10  # MMR re-ranks this many candidates per result asked for
ANN_OVERFETCH = 4  # approximate index: cosine candidates fetched per pool slot, before the team bonus


def example_text(example: CorpusExample) -> str:
    """What is embedded for one corpus example: objective, team type and context."""
    return f"{example.objective}. Team: {example.team_type}. {example.context}"


def query_text(objective: str, team_type: str) -> str:
    """What is embedded for a query: the objective and the team type."""
    return f"{objective}. Team: {team_type}."


def team_text(team: str) -> str:
    """What is embedded for a known team type: its one-line description, else its name."""
    return DESCRIPTIONS.get(team, f"{team} team")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", text)


def _save_npy(path: Path, array: np.ndarray) -> None:
    """Write an array atomically, so a reader never maps a half-written file."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy.tmp", delete=False) as handle:
        np.save(handle, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(handle.name, path)


class CorpusIndex:
    """The example and team-name vectors of one corpus under one model, on disk.

    Attributes:
        folder: where the files live.
        vectors: (n_examples, dim) float32, memory-mapped when loaded from disk.
        teams: the normalized team types present in the corpus, sorted.
        team_vectors: (n_teams, dim) vectors of `team_text(team)`.
        built: True when this process encoded the corpus, False when it loaded the cache.
    """

    def __init__(self, folder: Path, vectors: np.ndarray, teams: list[str], team_vectors: np.ndarray, built: bool):
        self.folder = folder
        self.vectors = vectors
        self.teams = teams
        self.team_vectors = team_vectors
        self.built = built

    @staticmethod
    def folder_for(examples: Sequence[CorpusExample], embedder: Embedder, cache_dir: Path) -> Path:
        key = f"{corpus_hash(examples)[:24]}-v{RECIPE_VERSION}"
        return Path(cache_dir).expanduser() / "index" / _slug(embedder.model_id) / key

    @classmethod
    def load_or_build(
        cls, examples: Sequence[CorpusExample], embedder: Embedder, cache_dir: Path, *, progress: bool = True
    ) -> CorpusIndex:
        """Load the cached index for these examples and this model, or build and cache it."""
        folder = cls.folder_for(examples, embedder, cache_dir)
        ids = [example.id for example in examples]
        try:
            return cls._load(folder, ids)
        except (OSError, ValueError, KeyError):
            pass  # missing or damaged: build it again
        if progress:
            print(f"Building the corpus index: {len(examples)} examples with {embedder.model_id}", file=sys.stderr)
        vectors = embedder.encode([example_text(example) for example in examples], progress=progress)
        teams = sorted({normalize_team(example.team_type) for example in examples})
        team_vectors = embedder.encode([team_text(team) for team in teams])
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".build-"))
        try:
            _save_npy(staging / "examples.npy", vectors)
            _save_npy(staging / "teams.npy", team_vectors)
            meta = {
                "model_id": embedder.model_id,
                "recipe": RECIPE_VERSION,
                "ids": ids,
                "teams": teams,
                "team_texts": [team_text(team) for team in teams],
            }
            (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            if folder.exists():  # damaged (it did not load): replace it
                shutil.rmtree(folder, ignore_errors=True)
            os.replace(staging, folder)  # atomic; fails if another process got there first
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        return cls(folder, vectors, teams, team_vectors, built=True)

    @classmethod
    def _load(cls, folder: Path, ids: list[str]) -> CorpusIndex:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "examples.npy", mmap_mode="r")
        team_vectors = np.load(folder / "teams.npy", mmap_mode="r")
        if meta["ids"] != ids or vectors.shape[0] != len(ids) or team_vectors.shape[0] != len(meta["teams"]):
            raise ValueError("index does not match the corpus")
        if meta["team_texts"] != [team_text(team) for team in meta["teams"]]:
            raise ValueError("team descriptions changed")
        return cls(folder, vectors, list(meta["teams"]), team_vectors, built=False)


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, mmr_lambda: float) -> list[int]:
    """Maximal marginal relevance: pick k rows, trading relevance against similarity to rows already picked.

    Args:
        relevance: score of each candidate (higher is better).
        vectors: unit vectors of the candidates, same order.
        k: how many to pick.
        mmr_lambda: 1.0 is pure relevance order; lower values favour diversity.

    Returns:
        Candidate positions in pick order.
    """
    k = min(k, len(relevance))
    if mmr_lambda >= 1.0 or k == 0:
        return list(np.argsort(-relevance, kind="stable")[:k])
    similarity = np.asarray(vectors) @ np.asarray(vectors).T
    picked = [int(np.argmax(relevance))]
    closest = similarity[picked[0]].copy()  # each candidate's max similarity to the picked set
    for _ in range(k - 1):
        value = mmr_lambda * relevance - (1.0 - mmr_lambda) * closest
        value[picked] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        np.maximum(closest, similarity[best], out=closest)
    return picked


class Retriever:
    """Ranks corpus examples for an objective and a team type.

    Args:
        examples: the corpus, in index order.
        index: its vectors (see `CorpusIndex.load_or_build`).
        embedder: encodes queries (and KR texts, lazily).
        k, mmr_lambda, team_boost: defaults for `search` (see the settings of the same names).
        ann_threshold: from this many examples on, candidates come from an approximate index
            (`suggester.ann`, built once into the index folder); None keeps exact search at any size.
    """

    def __init__(
        self,
        examples: Sequence[CorpusExample],
        index: CorpusIndex,
        embedder: Embedder,
        *,
        k: int = 4,
        mmr_lambda: float = 0.7,
        team_boost: float = 0.15,
        ann_threshold: int | None = None,
    ) -> None:
        self.examples = list(examples)
        self.index = index
        self.embedder = embedder
        self.k, self.mmr_lambda, self.team_boost = k, mmr_lambda, team_boost
        self._row = {example.id: row for row, example in enumerate(self.examples)}
        team_position = {team: position for position, team in enumerate(index.teams)}
        self._team_of = np.array([team_position[normalize_team(e.team_type)] for e in self.examples], dtype=np.int32)
        self._kr_vectors: np.ndarray | None = None
        self._kr_refs: list[tuple[int, int]] = [
            (row, position) for row, example in enumerate(self.examples) for position in range(len(example.key_results))
        ]
        self._kr_pairs = [(self.examples[row], self.examples[row].key_results[pos]) for row, pos in self._kr_refs]
        self._kr_example_row = np.array([row for row, _ in self._kr_refs], dtype=np.int64)
        self._lock = threading.Lock()
        self.load_seconds: float | None = None  # set by get_retriever: time to load or build the index
        self.ann = None  # an approximate index (suggester.ann) past `ann_threshold` examples
        if ann_threshold is not None and len(self.examples) >= ann_threshold:
            from suggester.ann import AnnIndex

            self.ann = AnnIndex.load_or_build(index.folder, index.vectors, progress=True)

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[CorpusExample],
        embedder: Embedder,
        cache_dir: Path,
        *,
        progress: bool = True,
        **defaults: float,
    ) -> Retriever:
        """Build a retriever over given examples, using (or filling) the index cache in `cache_dir`."""
        index = CorpusIndex.load_or_build(examples, embedder, cache_dir, progress=progress)
        return cls(examples, index, embedder, **defaults)

    # -- queries --------------------------------------------------------------------------------------

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the index's model (unit vectors, float32)."""
        return self.embedder.encode(list(texts))

    def team_weights(self, team_type: str) -> dict[str, float]:
        """How much of `team_boost` each known team gets for a query team (unknown teams use their nearest)."""
        team = normalize_team(team_type)
        if team in self.index.teams:
            weights = {other: RELATED_WEIGHT for other in RELATED.get(team, ()) if other in self.index.teams}
            weights[team] = 1.0
            return weights
        # A guess from the name alone is often wrong (see teams.DESCRIPTIONS): it gets a smaller bonus.
        shares = (UNKNOWN_TEAM_WEIGHT, UNKNOWN_TEAM_WEIGHT * RELATED_WEIGHT)
        return {known: weight for known, weight in zip(self.nearest_teams(team), shares)}

    def nearest_teams(self, team_type: str, top: int = NEAREST_TEAMS) -> list[str]:
        """The known team types whose names are closest to `team_type` by embedding."""
        if not self.index.teams:
            return []
        similarity = np.asarray(self.index.team_vectors) @ self._team_vector(normalize_team(team_type))
        return [self.index.teams[i] for i in np.argsort(-similarity, kind="stable")[:top]]

    @lru_cache(maxsize=256)  # noqa: B019 - one retriever per process; team names are few
    def _team_vector(self, team: str) -> np.ndarray:
        return self.embedder.encode([team])[0]  # the bare name matched best against the descriptions

    def search(
        self,
        objective: str,
        team_type: str,
        k: int | None = None,
        mmr_lambda: float | None = None,
        team_aware: bool = True,
        exclude_ids: Collection[str] = (),
    ) -> list[tuple[CorpusExample, float]]:
        """Find the corpus examples that best fit an objective and team type.

        Args:
            objective: what the team wants to achieve.
            team_type: any team name; aliases are folded and unknown names map to their nearest known ones.
            k: results wanted (default `settings.retrieval_k`).
            mmr_lambda: relevance/diversity trade-off (default `settings.mmr_lambda`; 1.0 turns MMR off).
            team_aware: add the team bonus; False ranks by plain cosine.
            exclude_ids: examples to leave out (e.g. the one being evaluated).

        Returns:
            (example, score) pairs in rank order; the score is cosine plus the team bonus.
        """
        k = self.k if k is None else k
        mmr_lambda = self.mmr_lambda if mmr_lambda is None else mmr_lambda
        if not self.examples or k <= 0:
            return []
        query = self.embedder.encode([query_text(objective, team_type)])[0]
        pool = max(k * CANDIDATES_PER_K, 50)
        excluded = [self._row[example_id] for example_id in exclude_ids if example_id in self._row]
        if self.ann is None:
            rows = None  # every row, in row order
            scores = np.asarray(self.index.vectors) @ query
        else:
            # Over-fetch by cosine so that the team bonus can still lift an example into the pool.
            rows, scores = self.ann.search(query, pool * ANN_OVERFETCH + len(excluded))
        if team_aware and self.team_boost:
            weights = self.team_weights(team_type)
            per_team = np.array([weights.get(team, 0.0) for team in self.index.teams], dtype=np.float32)
            scores = scores + self.team_boost * per_team[self._team_of if rows is None else self._team_of[rows]]
        if excluded:
            scores[excluded if rows is None else np.isin(rows, excluded)] = -np.inf
        pool = min(int(np.isfinite(scores).sum()), pool)
        if pool == 0:
            return []
        candidates = np.argpartition(-scores, pool - 1)[:pool]
        candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
        candidate_rows = candidates if rows is None else rows[candidates]
        picked = mmr(scores[candidates], np.asarray(self.index.vectors[candidate_rows]), k, mmr_lambda)
        return [(self.examples[candidate_rows[i]], float(scores[candidates[i]])) for i in picked]

    def team_counts(self) -> dict[str, int]:
        """Examples per team type (normalized names), sorted by name."""
        return dict(sorted(Counter(normalize_team(example.team_type) for example in self.examples).items()))

    def get(self, example_id: str) -> CorpusExample | None:
        row = self._row.get(example_id)
        return None if row is None else self.examples[row]

    # -- key results ----------------------------------------------------------------------------------

    def kr_matrix(self, *, progress: bool = False) -> tuple[np.ndarray, list[tuple[CorpusExample, KeyResult]]]:
        """Vectors of every corpus KR text and, row for row, the (example, KR) they belong to.

        Encoded on first use (with a progress bar on stderr if `progress`) and cached in the index
        folder next to the example vectors.
        """
        with self._lock:
            if self._kr_vectors is None:
                path = self.index.folder / "krs.npy"
                try:
                    vectors = np.load(path, mmap_mode="r")
                    if vectors.shape[0] != len(self._kr_refs):
                        raise ValueError("stale KR vectors")
                except (OSError, ValueError):
                    texts = [self.examples[row].key_results[pos].text for row, pos in self._kr_refs]
                    vectors = self.embedder.encode(texts, progress=progress)
                    if self.index.folder.is_dir():
                        _save_npy(path, vectors)
                self._kr_vectors = vectors
        return self._kr_vectors, self._kr_pairs

    def similar_krs(
        self, text: str, examples: Sequence[CorpusExample] | None = None, top: int = 3
    ) -> list[tuple[CorpusExample, KeyResult, float]]:
        """The corpus KRs most similar to a drafted KR text.

        Args:
            text: the drafted KR (or its metric).
            examples: only consider KRs of these examples (e.g. the ones retrieved); None = whole corpus.
            top: how many to return.

        Returns:
            (example, key result, cosine) triples, most similar first.
        """
        vectors, refs = self.kr_matrix()
        query = self.embedder.encode([text])[0]
        if examples is None:
            rows, similarity = None, np.asarray(vectors) @ query
        else:
            wanted = [self._row[example.id] for example in examples if example.id in self._row]
            rows = np.flatnonzero(np.isin(self._kr_example_row, wanted))
            similarity = np.asarray(vectors[rows]) @ query
        if similarity.size == 0:
            return []
        top = min(top, similarity.size)
        order = np.argpartition(-similarity, top - 1)[:top]
        order = order[np.argsort(-similarity[order], kind="stable")]
        return [(*refs[i if rows is None else rows[i]], float(similarity[i])) for i in order]


def corpus_dirs(settings: Settings) -> list[Path]:
    """The shipped corpus folder plus the user's own (`extra_corpus_dirs`) that exist.

    A missing folder is left out with a warning, not an error: `okr corpus import` creates it.
    """
    extra = []
    for folder in as_dirs(settings.extra_corpus_dirs):
        if folder.exists():
            extra.append(folder)
        elif folder not in _warned_missing:
            _warned_missing.add(folder)
            log.warning("OKR_EXTRA_CORPUS_DIRS: %s does not exist; its examples are not used", folder)
    return [settings.corpus_dir, *extra]


_warned_missing: set[Path] = set()


_retrievers: dict[tuple, Retriever] = {}
_retrievers_lock = threading.Lock()


def get_retriever(settings: Settings | None = None, *, progress: bool = True) -> Retriever:
    """The process-wide retriever for these settings: the corpus is loaded and indexed once.

    Raises:
        CorpusError: the corpus cannot be loaded (names the file and item).
    """
    settings = settings or get_settings()
    dirs = corpus_dirs(settings)
    key = (tuple(map(str, dirs)), str(settings.cache_dir), settings.retrieval_k, settings.mmr_lambda, settings.team_boost,
           settings.ann_threshold)
    with _retrievers_lock:
        if key not in _retrievers:
            started = time.perf_counter()
            retriever = Retriever.from_examples(
                load_corpus(dirs),
                get_embedder(),
                settings.cache_dir,
                progress=progress,
                k=settings.retrieval_k,
                mmr_lambda=settings.mmr_lambda,
                team_boost=settings.team_boost,
                ann_threshold=settings.ann_threshold,
            )
            retriever.load_seconds = time.perf_counter() - started
            _retrievers[key] = retriever
        return _retrievers[key]
