"""Render the prompt templates in `prompts/`. The only place that touches Jinja2.

User text (objective, team, context) is passed in as variables and never becomes template source.
It is also folded onto one line, so it cannot forge extra example lines in a few-shot prompt.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROMPT_VERSION = "v1"


def one_line(text: str | None, limit: int | None = None) -> str:
    """Collapse whitespace (newlines included) so user text stays inside its own line."""
    folded = re.sub(r"\s+", " ", text or "").strip()
    return folded[:limit] if limit else folded


@lru_cache(maxsize=8)
def _environment(prompts_dir: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(prompts_dir),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render(name: str, prompts_dir: Path, version: str = PROMPT_VERSION, **variables: Any) -> str:
    """Render `prompts/<name>.<version>.j2` with the given variables (missing ones fail loudly)."""
    template = _environment(str(prompts_dir)).get_template(f"{name}.{version}.j2")
    return template.render(**variables)


def messages(task: str, prompts_dir: Path, **variables: Any) -> list[dict[str, str]]:
    """Chat messages for a task (`draft` or `repair`): the fixed system prompt, then the task prompt."""
    return [
        {"role": "system", "content": render("system", prompts_dir)},
        {"role": "user", "content": render(task, prompts_dir, **variables)},
    ]
