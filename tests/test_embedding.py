"""Embedders: unit vectors, a counter of encoded texts, and the real bundled MiniLM model (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from suggester.embedding import HashingEmbedder, get_embedder


def test_hashing_embedder_returns_unit_float32_rows():
    embedder = HashingEmbedder(dim=64)
    vectors = embedder.encode(["grow revenue", "cut churn", ""])
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_hashing_embedder_is_deterministic_and_counts_texts():
    embedder = HashingEmbedder()
    first = embedder.encode(["grow revenue in the EU", "cut churn"])
    assert np.array_equal(first[0], HashingEmbedder().encode(["grow revenue in the EU"])[0])
    assert embedder.texts_encoded == 2
    assert embedder.encode([]).shape == (0, embedder.dim) and embedder.texts_encoded == 2


def test_recent_texts_are_encoded_once_and_large_calls_bypass_the_cache():
    embedder = HashingEmbedder()
    first = embedder.encode(["grow revenue", "cut churn"])
    again = embedder.encode(["cut churn", "hire engineers", "cut churn", "grow revenue"])
    assert embedder.texts_encoded == 3  # only "hire engineers" was new, and only once
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[3], first[0])
    assert np.array_equal(again[0], again[2])
    embedder.forget()
    embedder.encode(["cut churn"])
    assert embedder.texts_encoded == 4  # forgotten: encoded again
    corpus = [f"key result {i}" for i in range(100)]
    embedder.encode(corpus)
    embedder.encode(corpus)
    assert embedder.texts_encoded == 204  # an index-sized call is always encoded in full


def test_hashing_embedder_shared_words_score_higher():
    a, b, c = HashingEmbedder().encode(["reduce customer churn", "reduce customer churn this year", "hire engineers"])
    assert a @ b > a @ c


@pytest.mark.slow
def test_minilm_embedder_is_a_singleton_with_semantic_vectors():
    embedder = get_embedder()
    assert get_embedder() is embedder
    assert embedder.model_id.startswith("all-MiniLM-L6-v2@")
    vectors = embedder.encode(
        ["Answer customer tickets faster", "Respond to customer support tickets more quickly", "Ship the new billing system"],
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
