"""The HTTP service: `create_app()` builds the FastAPI app; `okr serve` runs it with uvicorn.

Importing this package stays light: torch, litellm and llama.cpp load in the start-up warm-up.
"""

from suggester.api.app import create_app

__all__ = ["create_app"]
