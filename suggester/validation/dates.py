"""Reading due dates and cycles as people write them: "by end of Q2", "2027-06-30", "May 31",
"in Q3 2027", "by EOY", "by the end of the spring term". Shared by the KR text parser and the rules."""

from __future__ import annotations

import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_CYCLE = rf"(?:q[1-4]|h[12])(?:\s*(?:fy\s?)?'?(?:{_YEAR}|\d{{2}})\b)?"
_DATE_ALTERNATIVES = (
    rf"{_YEAR}-\d{{1,2}}-\d{{1,2}}",
    r"\d{1,2}/\d{1,2}/\d{2,4}",
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?(?!\s*%)",
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?",
    (
        rf"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:{_CYCLE}|{_MONTH}|(?:[a-z]+\s+){{0,2}}(?:quarter|year|half|month"
        rf"|cycle|sprint|term|semester|season|school year|financial year|fiscal year)|fy\s?'?\d{{2,4}}|{_YEAR})"
        rf"(?:\s+{_YEAR})?"
    ),
    rf"{_MONTH}\s+{_YEAR}",
    _CYCLE,
    r"fy\s?'?\d{2,4}",
    r"eo[qym]|year[- ]end|quarter[- ]end|month[- ]end|end of (?:the )?(?:year|quarter|month)",
    r"(?:this|next|the)\s+(?:quarter|year|half|cycle|month)",
    r"(?:the\s+)?next\s+\d+\s+(?:days|weeks|months)",
)
_DUE_PREPOSITION = r"(?:by|before|until|till|through|on|due|no later than|in|during|for|at|within|over)"
DUE_RE = re.compile(
    rf"(?:\b{_DUE_PREPOSITION}\s+(?:the\s+)?)?(?<![\w/-])(?P<due>{'|'.join(_DATE_ALTERNATIVES)})(?![\w/-])",
    re.IGNORECASE,
)
# A bare month or year counts as a due date only after a preposition ("by May", "in 2027").
LOOSE_DUE_RE = re.compile(
    rf"\b(?:by|before|until|in|during|through)\s+(?P<due>{_MONTH}|{_YEAR})(?![\w%-])", re.IGNORECASE
)


def read_due(body: str) -> tuple[str | None, str]:
    """Find the due date or cycle of a KR (the last one written).

    Returns:
        The date or cycle as written ("end of Q2", "2027-06-30", "May 31"), or None; and the text
        without it, so that its digits are not read as targets.
    """
    matches = list(DUE_RE.finditer(body))
    if not matches:
        matches = list(LOOSE_DUE_RE.finditer(body))
    if not matches:
        return None, body
    match = matches[-1]
    due = match["due"].strip()
    if due.lower().startswith("the end"):
        due = due[4:]
    rest = (body[: match.start()] + " " + body[match.end() :]).strip()
    rest = re.sub(r"\s+([,.;])", r"\1", rest).strip(" ,;.")
    return due, re.sub(r"\s+", " ", rest)


def strip_dates(text: str) -> str:
    """The text with every date and cycle removed, so only the KR's own numbers are left."""
    return LOOSE_DUE_RE.sub(" ", DUE_RE.sub(" ", text))
