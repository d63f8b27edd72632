"""One settings object, read from `OKR_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Find a top-level data folder (prompts/, examples_corpus/) in a checkout or an installed wheel."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / name


DEFAULT_MODEL = "local/gemma-3-270m"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OKR_", env_file=".env", extra="ignore")

    model: str = Field(default=DEFAULT_MODEL, description="litellm model string, e.g. openai/gpt-4o-mini.")
    api_base: str | None = Field(default=None, description="Base URL for self-hosted providers (Ollama, vLLM, ...).")
    api_key: str | None = Field(default=None, description="API key passed to the provider (else its usual env var).")
    api_key_env: str | None = Field(
        default=None,
        description="Name of an environment variable holding the API key (e.g. VLLM_TOKEN); OKR_API_KEY wins.",
    )
    api_version: str | None = Field(
        default=None, description="API version, for providers that need one (Azure OpenAI: e.g. 2024-10-21)."
    )
    fallback_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Models tried in order when the main one fails. Env: names joined by commas (or a JSON list).",
    )
    timeout_s: float = Field(default=120.0, description="Per LLM call timeout in seconds.")
    num_retries: int = Field(default=2, description="Retries on transient provider errors (litellm).")
    temperature: float = Field(default=0.7, ge=0.0, description="Sampling temperature of every draft call.")
    seed: int | None = Field(default=None, description="Sampling seed; set it for reproducible drafts.")
    max_tokens: int = Field(default=400, ge=1, description="Longest model answer, in tokens; a cut last line is dropped.")
    local_n_ctx: int = Field(default=2048, ge=256, description="Context size (tokens) of the embedded local model.")
    local_n_threads: int = Field(
        default=0, ge=0, description="CPU threads for the embedded model; 0 = all cores. Use 1 on a busy shared machine."
    )
    candidates: int = Field(default=2, ge=1, le=8, description="Drafts sampled per request; the best valid set wins.")
    repair_attempts: int = Field(default=1, ge=0, le=5, description="Repair rounds per request, when a draft is unusable.")
    repair_strategy: Literal["auto", "findings", "resample"] = Field(
        default="auto",
        description=(
            "How a repair round asks again. findings: the draft and its problems go back to the model (instruct "
            "models). resample: the draft prompt again with the next-nearest examples and a new seed (base models, "
            "which imitate examples but cannot follow a list of problems). auto: resample for embedded base "
            "models, findings for every other model."
        ),
    )

    corpus_dir: Path = Field(
        default_factory=lambda: resource_dir("examples_corpus"), description="The shipped examples corpus."
    )
    prompts_dir: Path = Field(default_factory=lambda: resource_dir("prompts"), description="The Jinja2 prompt templates.")
    extra_corpus_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Your own corpus folders, merged with the shipped one; `okr corpus import` writes to the first. "
        "Env: a JSON list or paths joined by the OS path separator.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "okr-suggester",
        description="Where the corpus index, the embedded model file and the eval response cache are kept.",
    )
    retrieval_k: int = Field(default=4, ge=1, le=20, description="Corpus examples retrieved per request.")
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0, description="MMR trade-off: 1 = pure relevance.")
    team_boost: float = Field(default=0.15, description="Score bonus for examples of the same team type.")
    ann_threshold: int = Field(
        default=50_000, ge=1,
        description="From this many corpus examples on, retrieval uses an approximate index (faiss IVF) "
        "instead of exact search.",
    )

    rule_profile: Path | None = Field(default=None, description="YAML file that switches rules off or changes severities.")
    mock_response: str | None = Field(
        default=None,
        description="Testing only: every LLM call returns this text (litellm mock_response), no network.",
    )
    max_objective_chars: int = Field(default=500, ge=1, description="Longest objective accepted (HTTP: 413 past it).")
    max_context_chars: int = Field(default=4000, ge=1, description="Longest context accepted (HTTP: 413 past it).")
    max_document_chars: int = Field(default=20000, ge=1, description="Longest OKR text accepted by POST /v1/check.")

    # HTTP service
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="When set, every /v1 route needs `Authorization: Bearer <key>`. Env: keys joined by commas.",
    )
    allowed_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Models an HTTP request may name in its `model` field besides OKR_MODEL; empty = any model. "
            "Env: names joined by commas."
        ),
    )
    max_concurrent_llm: int = Field(
        default=4, ge=1, description="Suggestions in flight per process; past it the service answers 429."
    )
    request_timeout_s: float = Field(default=180.0, gt=0, description="Wall-time budget of one suggestion request.")
    max_request_bytes: int = Field(default=65536, ge=1024, description="Largest HTTP request body accepted.")

    # From the environment a list arrives as one string: a JSON list, or items joined by a separator.
    @field_validator("extra_corpus_dirs", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        return _split(value, os.pathsep)  # "a:b" (";" on Windows)

    @field_validator("fallback_models", "allowed_models", mode="before")
    @classmethod
    def _split_models(cls, value: object) -> object:
        return _split(value, ",")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        return _split(value, ",", json_list=False)  # a key may start with "["


def _split(value: object, separator: str, *, json_list: bool = True) -> object:
    """A list from one environment string; blank items are dropped, anything else passes through."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if json_list and value.startswith("["):
        return json.loads(value)
    return [part.strip() for part in value.split(separator) if part.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once.

    Raises:
        InvalidSettings: a variable holds a value that does not fit; the message names it.
    """
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from suggester.errors import InvalidSettings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"OKR_{first['loc'][0]}".upper() if first.get("loc") else "an OKR_ setting"
        raise InvalidSettings(f"{name}: {first['msg']}", setting=name) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode (bad JSON)
        raise InvalidSettings(str(exc), setting=None) from None
