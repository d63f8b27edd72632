"""Retrieval: the cached index (built once, rebuilt on change), team-aware ranking, unknown teams, MMR."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from suggester.embedding import HashingEmbedder
from suggester.models import CorpusExample
from suggester.retrieval import Retriever, get_retriever, mmr
from suggester.settings import Settings, resource_dir
from suggester.teams import DESCRIPTIONS


def example(id: str, team: str, objective: str, context: str = "The team has eight people.") -> dict:
    kr = {"kind": "output", "unit": "%", "direction": "increase", "due": "2027-09-30"}
    return {
        "id": id, "team_type": team, "industry": "software", "stage": "scale-up", "horizon": "Q3 2027",
        "objective": objective, "context": context,
        "key_results": [
            {**kr, "id": "kr1", "text": f"{objective}: raise the main rate from 10% to 20%", "baseline": 10, "target": 20},
            {**kr, "id": "kr2", "kind": "input", "text": "Run 12 customer interviews", "target": 12, "unit": "count",
             "drives": ["kr1"]},
            {**kr, "id": "kr3", "kind": "input", "text": "Publish 6 guides on the topic", "target": 6, "unit": "count",
             "drives": ["kr1"]},
        ],
    }


CORPUS = [
    example("sales-1", "sales", "Win more deals with mid-market buyers"),
    example("sales-2", "sales", "Open a new sales region in the Nordics"),
    example("cs-1", "customer success", "Keep mid-market buyers renewing every year"),
    example("sup-1", "customer support", "Answer support tickets faster on weekends"),
    example("sup-2", "customer support", "Help customers solve problems without opening tickets"),
    example("eng-1", "engineering", "Make deployments boring and safe"),
    example("mkt-1", "marketing", "Win more deals with mid-market buyers through webinars"),
]


def examples(items=CORPUS) -> list[CorpusExample]:
    return [CorpusExample.model_validate(item) for item in items]


@pytest.fixture
def embedder():
    return HashingEmbedder()


def build(items, embedder, cache_dir, **defaults) -> Retriever:
    return Retriever.from_examples(examples(items), embedder, cache_dir, progress=False, **defaults)


# --- the cache ------------------------------------------------------------------------------------------


def test_unchanged_corpus_loads_from_cache_without_encoding(tmp_path, embedder):
    first = build(CORPUS, embedder, tmp_path)
    encoded = embedder.texts_encoded
    assert first.index.built and encoded == len(CORPUS) + len(first.index.teams)

    fresh = HashingEmbedder()  # a new process: same model id, nothing encoded yet
    second = build(CORPUS, fresh, tmp_path)
    assert not second.index.built and fresh.texts_encoded == 0
    assert isinstance(second.index.vectors, np.memmap)
    assert np.array_equal(np.asarray(second.index.vectors), np.asarray(first.index.vectors))


def test_edited_corpus_file_leads_to_a_rebuild(tmp_path, embedder):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    path = corpus_dir / "teams.yaml"
    path.write_text(yaml.safe_dump(CORPUS))
    settings = Settings(corpus_dir=corpus_dir, cache_dir=tmp_path / "cache")

    from suggester.corpus import load_corpus

    first = Retriever.from_examples(load_corpus(corpus_dir), embedder, settings.cache_dir, progress=False)
    edited = [dict(item) for item in CORPUS]
    edited[3] = example("sup-1", "customer support", "Answer support tickets faster at night")
    path.write_text(yaml.safe_dump(edited))
    before = embedder.texts_encoded
    second = Retriever.from_examples(load_corpus(corpus_dir), embedder, settings.cache_dir, progress=False)
    assert second.index.built and embedder.texts_encoded > before
    assert second.index.folder != first.index.folder
    hits = second.search("tickets at night", "support", k=1)
    assert hits[0][0].objective.endswith("at night")


def test_another_model_gets_its_own_index(tmp_path, embedder):
    first = build(CORPUS, embedder, tmp_path)
    other = build(CORPUS, HashingEmbedder(dim=128), tmp_path)
    assert other.index.built and other.index.folder != first.index.folder
    assert other.index.vectors.shape == (len(CORPUS), 128)


def test_damaged_cache_is_rebuilt(tmp_path, embedder):
    first = build(CORPUS, embedder, tmp_path)
    (first.index.folder / "examples.npy").write_bytes(b"garbage")
    fresh = HashingEmbedder()
    second = build(CORPUS, fresh, tmp_path)
    assert second.index.built and fresh.texts_encoded > 0
    assert not build(CORPUS, HashingEmbedder(), tmp_path).index.built


# --- ranking --------------------------------------------------------------------------------------------


def test_same_team_is_preferred_to_a_slightly_closer_other_team(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path, team_boost=0.3)
    query = "Win more deals with mid-market buyers through webinars"
    plain = retriever.search(query, "sales", k=1, team_aware=False, mmr_lambda=1.0)
    aware = retriever.search(query, "sales", k=1, mmr_lambda=1.0)
    assert plain[0][0].id == "mkt-1"
    assert aware[0][0].id == "sales-1"


def test_related_teams_get_part_of_the_boost(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path)
    weights = retriever.team_weights("Sales Team")  # normalized: "sales"
    assert weights["sales"] == 1.0 and weights["customer success"] == 0.5
    assert "engineering" not in weights


def test_alias_maps_to_the_canonical_team(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path)
    assert retriever.team_weights("support") == {"customer support": 1.0, "customer success": 0.5}


def test_unknown_team_borrows_from_its_nearest_known_teams(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path, team_boost=0.3)
    assert retriever.nearest_teams("customer support agents")[0] == "customer support"
    weights = retriever.team_weights("customer support agents")
    assert max(weights, key=weights.get) == "customer support"
    results = retriever.search("Help customers", "customer support agents", k=2, mmr_lambda=1.0)
    assert {example.team_type for example, _ in results} == {"customer support"}


def test_scores_are_cosine_plus_team_bonus(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path, team_boost=0.2)
    plain = {e.id: s for e, s in retriever.search("deployments", "engineering", k=7, team_aware=False,
                                                          mmr_lambda=1.0)}
    aware = {e.id: s for e, s in retriever.search("deployments", "engineering", k=7, mmr_lambda=1.0)}
    assert aware["eng-1"] == pytest.approx(plain["eng-1"] + 0.2)
    assert aware["sales-1"] == pytest.approx(plain["sales-1"])


def test_exclude_ids_and_k_larger_than_corpus(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path)
    results = retriever.search("mid-market buyers", "sales", k=50, exclude_ids={"sales-1"})
    assert len(results) == len(CORPUS) - 1 and "sales-1" not in {e.id for e, _ in results}


def test_mmr_picks_a_different_example_over_a_near_copy():
    vectors = np.array([[1.0, 0.0], [0.999, 0.045], [0.8, 0.6]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.array([0.90, 0.89, 0.80])
    assert mmr(relevance, vectors, 2, mmr_lambda=1.0) == [0, 1]
    assert mmr(relevance, vectors, 2, mmr_lambda=0.5) == [0, 2]
    assert sorted(mmr(relevance, vectors, 5, mmr_lambda=0.5)) == [0, 1, 2]


def test_mmr_keeps_near_copies_out_of_the_top_k(tmp_path, embedder):
    copies = [example(f"copy-{i}", "sales", "Grow revenue from enterprise accounts") for i in range(3)]
    other = example("other", "sales", "Grow revenue from enterprise buyers via resellers", "Resellers sell 5% now.")
    retriever = build(copies + [other], embedder, tmp_path)
    relevance_only = [e.id for e, _ in retriever.search("Grow revenue from enterprise accounts", "sales", k=2,
                                                        mmr_lambda=1.0)]
    diverse = [e.id for e, _ in retriever.search("Grow revenue from enterprise accounts", "sales", k=2,
                                                 mmr_lambda=0.5)]
    assert all(i.startswith("copy") for i in relevance_only)
    assert diverse[0].startswith("copy") and diverse[1] == "other"


def test_team_counts(tmp_path, embedder):
    counts = build(CORPUS, embedder, tmp_path).team_counts()
    assert counts == {"customer success": 1, "customer support": 2, "engineering": 1, "marketing": 1, "sales": 2}


# --- key results ----------------------------------------------------------------------------------------


def test_similar_krs_restricts_to_given_examples_and_caches_vectors(tmp_path, embedder):
    retriever = build(CORPUS, embedder, tmp_path)
    pool = [retriever.get("eng-1"), retriever.get("sup-1")]
    hits = retriever.similar_krs("Publish 6 guides", examples=pool, top=2)
    assert [kr.id for _, kr, _ in hits] == ["kr3", "kr3"]
    assert {e.id for e, _, _ in hits} == {"eng-1", "sup-1"}
    vectors, refs = retriever.kr_matrix()
    assert vectors.shape[0] == len(refs) == 3 * len(CORPUS)

    fresh = HashingEmbedder()
    again = build(CORPUS, fresh, tmp_path)
    again.kr_matrix()
    assert fresh.texts_encoded == 0


# --- the process-wide retriever -------------------------------------------------------------------------


def test_get_retriever_merges_extra_corpus_dirs_once(tmp_path, monkeypatch, embedder):
    shipped, ours = tmp_path / "shipped", tmp_path / "ours"
    shipped.mkdir(), ours.mkdir()
    (shipped / "a.yaml").write_text(yaml.safe_dump(CORPUS[:3]))
    (ours / "b.yaml").write_text(yaml.safe_dump(CORPUS[3:]))
    monkeypatch.setattr("suggester.retrieval.get_embedder", lambda: embedder)
    settings = Settings(corpus_dir=shipped, extra_corpus_dirs=[ours, tmp_path / "absent"], cache_dir=tmp_path / "c")
    retriever = get_retriever(settings, progress=False)
    assert len(retriever.examples) == len(CORPUS)
    assert get_retriever(settings, progress=False) is retriever


LABELLED = resource_dir("examples_corpus").parent / "eval" / "datasets" / "retrieval.jsonl"


def labelled_cases() -> list[dict]:
    import json

    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]


def test_labelled_set_points_at_shipped_examples():
    from suggester.corpus import load_corpus

    ids = {example.id for example in load_corpus(resource_dir("examples_corpus"))}
    cases = labelled_cases()
    assert len(cases) >= 40 and len({case["id"] for case in cases}) == len(cases)
    missing = {case["id"]: set(case["relevant_example_ids"]) - ids for case in cases}
    assert not {key: value for key, value in missing.items() if value}


@pytest.mark.slow
def test_real_model_team_aware_mmr_is_not_worse_than_plain_cosine(tmp_path):
    from suggester.corpus import load_corpus
    from suggester.embedding import get_embedder

    retriever = Retriever.from_examples(
        load_corpus(resource_dir("examples_corpus")), get_embedder(), tmp_path, progress=False
    )

    def recall_at_5(**options) -> float:
        total = 0.0
        for case in labelled_cases():
            top = {e.id for e, _ in retriever.search(case["objective"], case["team_type"], k=5, **options)}
            total += len(top & set(case["relevant_example_ids"])) / len(case["relevant_example_ids"])
        return total / len(labelled_cases())

    plain = recall_at_5(team_aware=False, mmr_lambda=1.0)
    shipped = recall_at_5()
    assert shipped >= plain and shipped >= 0.8, (plain, shipped)
    assert retriever.nearest_teams("clinic operations")[0] == "healthcare"


def test_changed_team_description_leads_to_a_rebuild(tmp_path, embedder, monkeypatch):
    build(CORPUS, embedder, tmp_path)
    monkeypatch.setitem(DESCRIPTIONS, "sales", "sales: selling things to people")
    fresh = HashingEmbedder()
    assert build(CORPUS, fresh, tmp_path).index.built and fresh.texts_encoded > 0
