"""The approximate index: recall against exact search, memory-mapped reload, and the retriever's switch to it."""

from __future__ import annotations

import numpy as np
import pytest

from suggester.ann import ANN_FILE, AnnIndex, list_count
from suggester.embedding import Embedder
from suggester.models import CorpusExample
from suggester.retrieval import CorpusIndex, Retriever, query_text

DIM = 32


def clustered_vectors(rows: int, seed: int = 3) -> np.ndarray:
    """Unit vectors around 50 centres, like embeddings of a corpus with recurring topics."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, DIM))
    vectors = centres[rng.integers(0, 50, rows)] + rng.normal(0, 0.4, (rows, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_list_count_grows_like_the_square_root():
    assert list_count(10_000) == 100
    assert list_count(1_000_000) == 1000
    assert list_count(10) == 1


def test_top_10_matches_exact_search_and_scores_are_cosines():
    vectors = clustered_vectors(5000)
    ann = AnnIndex.build(vectors)
    queries = clustered_vectors(40, seed=9)
    hits = 0
    for query in queries:
        exact = np.argsort(-(vectors @ query))[:10]
        rows, scores = ann.search(query, 10)
        hits += len(set(rows.tolist()) & set(exact.tolist()))
        np.testing.assert_allclose(scores, vectors[rows] @ query, rtol=1e-5, atol=1e-5)
        assert list(scores) == sorted(scores, reverse=True)
    assert hits / (10 * len(queries)) >= 0.95


def test_saved_index_is_reloaded_memory_mapped_and_rebuilt_when_stale(tmp_path):
    vectors = clustered_vectors(2000)
    first = AnnIndex.load_or_build(tmp_path, vectors)
    assert first.path == tmp_path / ANN_FILE and first.path.exists()
    again = AnnIndex.load_or_build(tmp_path, vectors)
    assert not again.built and again.rows == 2000
    np.testing.assert_array_equal(again.search(vectors[7], 5)[0], first.search(vectors[7], 5)[0])

    grown = AnnIndex.load_or_build(tmp_path, clustered_vectors(2500))
    assert grown.rows == 2500  # the corpus changed size: the saved index no longer covers it


class TableEmbedder(Embedder):
    """Looks query texts up in a table: the test controls every vector."""

    model_id = "table"
    dim = DIM

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.table = table

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        return np.stack([self.table.get(text, np.ones(DIM, dtype=np.float32)) for text in texts])


def retriever(tmp_path, vectors: np.ndarray, embedder: Embedder, ann_threshold: int | None) -> Retriever:
    teams = ["sales", "marketing"]
    template = CorpusExample.model_validate({
        "id": "ex-0", "team_type": "sales", "industry": "software", "stage": "scale-up",
        "horizon": "Q3 2027", "objective": "Objective number 0", "context": "",
        "key_results": [
            {"id": "kr1", "kind": "output", "text": "Raise bookings from 10 to 20", "target": 20},
            {"id": "kr2", "kind": "input", "text": "Hold 30 demos", "target": 30, "drives": ["kr1"]},
            {"id": "kr3", "kind": "input", "text": "Call 50 leads", "target": 50, "drives": ["kr1"]},
        ],
    })
    examples = [
        template.model_copy(update={"id": f"ex-{row}", "team_type": teams[row % 2], "objective": f"Objective number {row}"})
        for row in range(len(vectors))
    ]
    np.save(tmp_path / "examples.npy", vectors)
    index = CorpusIndex(tmp_path, np.load(tmp_path / "examples.npy", mmap_mode="r"), teams,
                        clustered_vectors(2, seed=5), built=True)
    return Retriever(examples, index, embedder, k=5, ann_threshold=ann_threshold)


@pytest.mark.parametrize("team_aware", [False, True])
def test_retriever_past_the_threshold_agrees_with_exact_search(tmp_path, team_aware):
    vectors = clustered_vectors(3000)
    queries = {query_text(f"q{i}", "sales"): q for i, q in enumerate(clustered_vectors(20, seed=11))}
    embedder = TableEmbedder(queries)
    exact = retriever(tmp_path, vectors, embedder, ann_threshold=None)
    approximate = retriever(tmp_path, vectors, embedder, ann_threshold=1000)
    assert exact.ann is None and approximate.ann is not None and (tmp_path / ANN_FILE).exists()
    same = 0
    for i in range(len(queries)):
        want = exact.search(f"q{i}", "sales", k=5, team_aware=team_aware, mmr_lambda=1.0)
        got = approximate.search(f"q{i}", "sales", k=5, team_aware=team_aware, mmr_lambda=1.0)
        same += len({e.id for e, _ in want} & {e.id for e, _ in got})
        for example, score in got:  # scores are the same cosine (+ bonus) exact search gives
            row = int(example.id.removeprefix("ex-"))
            bonus = 0.15 if team_aware and example.team_type == "sales" else 0.0
            assert score == pytest.approx(float(vectors[row] @ queries[query_text(f"q{i}", "sales")]) + bonus, abs=1e-5)
    assert same / (5 * len(queries)) >= 0.95


def test_excluded_ids_stay_out_of_approximate_results(tmp_path):
    vectors = clustered_vectors(2000)
    embedder = TableEmbedder({query_text("q", "sales"): vectors[42]})
    approximate = retriever(tmp_path, vectors, embedder, ann_threshold=1000)
    assert approximate.search("q", "sales", k=3, team_aware=False)[0][0].id == "ex-42"
    ids = [e.id for e, _ in approximate.search("q", "sales", k=3, team_aware=False, exclude_ids={"ex-42"})]
    assert "ex-42" not in ids and len(ids) == 3
