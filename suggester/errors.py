"""A small error tree. Shells translate these to exit codes and problem+json; nothing else escapes."""

from __future__ import annotations


class SuggesterError(Exception):
    """Base class: every error the library raises on purpose."""

    title = "Suggester error"
    status = 500

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class InvalidSettings(SuggesterError):
    """An OKR_* environment variable (or a .env line) holds a value the settings cannot use."""

    title = "Invalid settings"
    status = 500


class InvalidRequest(SuggesterError):
    title = "Invalid request"
    status = 422


class InputTooLong(InvalidRequest):
    title = "Input too long"
    status = 413


class UnknownModel(SuggesterError):
    title = "Unknown model"
    status = 400


class MissingCredentials(SuggesterError):
    title = "Provider credentials missing"
    status = 503


class ProviderError(SuggesterError):
    title = "LLM provider failed"
    status = 502


class ProviderTimeout(ProviderError):
    title = "LLM provider timed out"
    status = 504


class RateLimited(ProviderError):
    title = "Rate limited"
    status = 429

    def __init__(self, message: str, retry_after: float | None = None, **context: object) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class DraftFailed(SuggesterError):
    """The model never produced a usable set; carries the attempts, the last output and the usage spent."""

    title = "Draft failed"
    status = 502

    def __init__(self, message: str, *, usage: object = None, **context: object) -> None:
        super().__init__(message, **context)
        self.usage = usage  # a models.Usage; kept off `context`, which problem+json bodies expose


class CorpusError(SuggesterError):
    title = "Corpus error"
    status = 500


class InputFileError(SuggesterError):
    """A file given to `okr check` could not be read; names the file and line."""

    title = "Unreadable OKR file"
    status = 422
