"""What an OpenAI-style chat request becomes for llama.cpp: one plain-text prompt for a base model, and
the GBNF grammar its `grammar` or `response_format` asks for. Pure functions; `suggester.local_model`
runs them. llama_cpp is imported only to convert a JSON schema.
"""

from __future__ import annotations

import json
from functools import lru_cache

from suggester.errors import InvalidRequest


def message_text(message: dict) -> str:
    """The text of a chat message (the text parts of OpenAI content parts)."""
    content = message.get("content") or ""
    if isinstance(content, list):  # OpenAI content parts: keep the text ones
        return "".join(part.get("text", "") for part in content if part.get("type") == "text")
    return str(content)


def base_prompt(messages: list[dict]) -> str:
    """Turn chat messages into one plain-text prompt for a base model.

    The rule, applied to the messages in order (trailing newlines of each text are dropped first):

    - a system message: its text, then a blank line;
    - a user message: its text, then one newline, so the answer starts on the next line;
    - an assistant message that is not the last one: its text, then a blank line (an answer ends at a
      blank line, as in few-shot examples);
    - an assistant message that is the last one: its text exactly as given, with nothing added. The
      model continues it, which lets a caller prefill the start of the answer (few-shot *completion*).
    """
    parts = []
    for index, message in enumerate(messages):
        text, role = message_text(message), message.get("role")
        if role == "assistant" and index == len(messages) - 1:
            parts.append(text)
        elif role in ("system", "developer") or role == "assistant":
            parts.append(text.rstrip("\n") + "\n\n")
        else:
            parts.append(text.rstrip("\n") + "\n")
    return "".join(parts)


@lru_cache(maxsize=64)
def _schema_grammar(schema_json: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        return json_schema_to_gbnf(schema_json)
    except Exception as exc:  # the converter raises plain exceptions on unsupported schema features
        raise InvalidRequest(f"cannot turn this JSON schema into a grammar: {exc}") from exc


def grammar_text(params: dict) -> str | None:
    """The GBNF grammar a request asks for, or None.

    ``grammar`` (a raw GBNF string) is ours; ``response_format`` follows OpenAI: ``json_object``
    (any JSON object, or one matching ``schema`` if given, as llama.cpp's server accepts) or
    ``json_schema`` (``{"json_schema": {"schema": {...}}}``).
    """
    raw, response_format = params.get("grammar"), params.get("response_format")
    if raw is not None and response_format not in (None, {"type": "text"}):
        raise InvalidRequest("pass either grammar or response_format, not both")
    if raw is not None:
        return str(raw)
    if not response_format or response_format.get("type") == "text":
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        schema = response_format.get("schema")
        if schema is None:
            from llama_cpp.llama_grammar import JSON_GBNF

            return JSON_GBNF
    elif kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is None:
            raise InvalidRequest("response_format json_schema needs json_schema.schema")
    else:
        raise InvalidRequest(
            f"unsupported response_format type {kind!r}: use text, json_object or json_schema"
        )
    return _schema_grammar(json.dumps(schema, sort_keys=True))
