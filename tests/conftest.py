"""Shared test setup: nothing reaches the network, and the global settings cache starts clean."""

from __future__ import annotations

import os

# Before anything imports litellm or sentence-transformers.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["DISABLE_AIOHTTP_TRANSPORT"] = "True"

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_settings():
    from suggester.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
