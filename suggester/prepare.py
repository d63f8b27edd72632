"""Prepare what the service needs offline: the embedded model file and the corpus index.

Run once by `setup.sh` (`python -m suggester.prepare`); later runs find both cached and return fast.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    from suggester.errors import SuggesterError
    from suggester.llm import LOCAL_PREFIX
    from suggester.settings import get_settings

    settings = get_settings()
    try:
        if settings.model.startswith(LOCAL_PREFIX):
            from suggester import gguf_models

            started = time.perf_counter()
            path = gguf_models.model_path(settings.model.removeprefix(LOCAL_PREFIX), settings)
            print(f"embedded model: {path} ({time.perf_counter() - started:.1f} s)")
        from suggester.retrieval import get_retriever

        started = time.perf_counter()
        retriever = get_retriever(settings)
        vectors, _ = retriever.kr_matrix(progress=True)  # targets are proposed from these: not in the first draft
        print(
            f"corpus index: {len(retriever.examples)} examples, {len(vectors)} key results "
            f"({time.perf_counter() - started:.1f} s)"
        )
    except SuggesterError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
