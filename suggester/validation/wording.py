"""Word lists and small text helpers shared by the rules and the KR text parser.

The lists are our own, drawn from the ideas in OKR_RULES.md: verbs that describe an activity rather
than an outcome, verbs that describe a deliverable (a project that is done or not), and words that
make a KR vague. Keeping them in one module means the parser and the rules never disagree.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Verbs that describe doing work, not a result. Typed as input with a number they are legitimate levers.
ACTIVITY_VERBS = frozenset(
    [
        "hold", "run", "conduct", "organize", "organise", "host", "attend", "have", "meet", "schedule",
        "refactor", "rewrite", "clean", "review", "research", "explore", "investigate", "analyze",
        "analyse", "study", "brainstorm", "discuss", "plan", "prepare", "write", "document", "update",
        "monitor", "track", "send", "call", "email", "post", "tweet", "share", "interview", "survey",
        "train", "coach", "mentor", "visit", "contact", "follow", "work", "do", "perform", "execute",
        "participate", "collaborate", "coordinate", "support", "help", "assist", "test", "try", "pitch",
        "demo", "present", "speak", "give", "reply", "respond", "answer", "record", "produce",
        "contribute"
    ]
)

# Verbs that describe a deliverable: a project that is finished or not (an initiative).
DELIVERABLE_VERBS = frozenset(
    [
        "launch", "ship", "release", "deliver", "deploy", "migrate", "complete", "finish", "implement",
        "build", "create", "develop", "introduce", "establish", "open", "obtain", "automate",
        "integrate", "replace", "retire", "decommission", "sunset", "consolidate", "redesign",
        "rebuild", "localize", "localise", "translate", "roll", "go", "set", "stand", "adopt",
        "rollout", "certify", "pass", "secure", "publish", "link", "install", "enable", "offer", "show",
        "start", "switch", "commission", "found", "design", "enforce", "provide", "rewrite", "agree"
    ]
)

# Verbs for work that never finishes by itself: an initiative worded like this has no finish line.
OPEN_ENDED_VERBS = frozenset(
    [
        "work", "improve", "enhance", "optimize", "optimise", "support", "help", "assist", "explore",
        "research", "investigate", "look", "continue", "maintain", "keep", "monitor", "track", "focus",
        "drive", "strengthen", "foster", "encourage", "promote", "nurture", "engage", "consider",
        "discuss", "think", "learn", "study", "try", "aim", "strive", "coordinate", "collaborate",
        "participate", "contribute", "advocate", "champion", "prioritize", "prioritise", "deepen",
        "broaden", "grow", "increase", "raise", "boost", "lift", "reduce", "cut", "decrease", "lower",
        "better", "maximize", "maximise", "minimize", "minimise", "accelerate", "expand", "scale"
    ]
)

# Comparatives that ask for an outcome to move ("smoother onboarding"): the KR wants a number, not a date.
COMPARATIVES = (
    "better", "faster", "smoother", "easier", "simpler", "quicker", "cheaper", "happier", "healthier",
    "stronger", "more", "less", "fewer", "higher", "lower", "bigger", "greater", "clearer", "safer",
)

# Verbs that say which way a number moves.
INCREASE_VERBS = frozenset(
    [
        "increase", "grow", "raise", "boost", "lift", "expand", "double", "triple", "add", "gain",
        "accelerate", "scale", "extend"
    ]
)
DECREASE_VERBS = frozenset(
    [
        "reduce", "cut", "decrease", "lower", "lessen", "shrink", "drop", "halve", "shorten",
        "minimise", "minimize", "trim", "eliminate", "slash"
    ]
)
# Hold a level rather than move it.
HOLD_VERBS = frozenset(["keep", "maintain", "sustain", "stay", "hold", "remain", "preserve", "protect"])
# Hit a level: the direction follows from the numbers, if any.
LEVEL_VERBS = frozenset(["reach", "hit", "achieve", "attain", "get", "bring", "improve", "move"])

# Outcome verbs: the KR names a result the team wants (never an activity).
OUTCOME_VERBS = frozenset(
    [
        "win", "sign", "close", "acquire", "convert", "retain", "renew", "recruit", "hire", "onboard",
        "earn", "generate", "collect", "sell", "book"
    ]
)

# Hedges that weaken any KR, with or without a number.
HEDGES = (
    "try to", "aim to", "strive to", "attempt to", "hope to", "hopefully", "if possible", "ideally",
    "as much as possible", "where possible", "look into", "work towards", "work toward",
)
# Comparatives and buzzwords that only hurt when no number pins them down.
VAGUE_WORDS = (
    "significantly", "substantially", "considerably", "dramatically", "greatly", "a lot", "lots",
    "better", "more", "less", "fewer", "faster", "maximize", "maximise", "minimize", "minimise",
    "as soon as possible", "continue", "continuing", "various", "several",
    "many", "world-class", "best-in-class", "robust", "seamless", "awesome", "great", "asap", "etc",
    "some", "high-quality", "stronger", "healthier", "excellent", "top-notch",
)

# Metric words for which a percentage above 100 is normal (growth, retention, attainment, ratios).
UNBOUNDED_PERCENT_WORDS = (
    "growth", "retention", "nrr", "ndr", "attainment", "quota", "of plan", "of target", "of budget",
    "yoy", "year-over-year", "year over year", "uplift", "roi", "roas", "return on", "markup",
    "coverage ratio", "pipeline coverage", "utilization of", "overachievement",
)

# Metric words for which a negative value is normal (profit can be a loss, NPS runs from -100).
NEGATIVE_OK_WORDS = (
    "nps", "net promoter", "margin", "profit", "ebitda", "income", "earnings", "cash flow", "balance",
    "sentiment", "growth", "change", "temperature", "delta", "variance", "net", "operating result", "burn",
)

# Which way is better, for metrics whose name says so: lets "Improve NPS from 30 to 25" be caught.
HIGHER_IS_BETTER = (
    "nps", "csat", "satisfaction", "conversion", "retention", "revenue", "arr", "mrr", "uptime", "availability",
    "margin", "activation", "adoption", "engagement", "renewal", "win rate", "acceptance rate", "completion rate",
    "accuracy", "coverage", "rating", "score", "on-time", "on time", "profit", "bookings", "attainment",
)
LOWER_IS_BETTER = (
    "churn", "latency", "cost", "cac", "defect", "bug", "incident", "error", "downtime", "wait", "time to",
    "time-to", "turnover", "attrition", "refund", "complaint", "backlog", "resolution time", "response time",
    "handling time", "lead time", "cycle time", "drop-off", "dropoff", "bounce", "abandon", "failure", "spend",
    "mttr", "readmission", "escalation", "dso", "days sales outstanding",
)

# Metrics that grow by volume or speed, and the counter-metrics that keep them honest.
VOLUME_WORDS = (
    "lead", "signup", "sign-up", "sign up", "call", "email", "ticket", "deploy", "deployment", "release", "velocity",
    "story point", "throughput", "volume", "units", "demo", "meeting", "post", "article", "hire", "hiring",
    "application", "download", "install", "traffic", "visit", "session", "impression", "follower", "mql",
    "sql", "pipeline", "orders", "shipment", "feature", "outreach", "content", "video", "episode", "campaign",
    "trial", "registration", "pieces", "picks", "claims processed", "cases closed", "requests", "merge",
    "pull request", "commit", "experiment", "applicant", "candidate", "interview", "listing", "output",
    "page view", "pageview", "click", "subscriber", "open rate",
)
QUALITY_WORDS = (
    "quality", "csat", "nps", "satisfaction", "churn", "retention", "error", "defect", "bug", "incident",
    "accuracy", "refund", "complaint", "latency", "uptime", "availability", "margin", "cost", "cac",
    "return", "escalation", "reopen", "re-open", "rework", "failure", "rollback", "change failure",
    "mttr", "time to restore", "rating", "review score", "score", "compliance", "audit", "attrition",
    "regretted", "engagement", "retain", "renewal", "payback", "ltv", "win rate", "conversion",
    "acceptance", "resolution", "first-contact", "first contact", "no-show", "safety", "injur",
    "spoilage", "waste", "scrap", "yield", "on-time", "on time", "sla", "fraud", "chargeback", "abandon",
    "bounce", "unsubscribe", "spam", "ces", "effort score", "readmission", "wait", "turnover",
    "completion rate", "pass rate", "quit", "health", "cycle time", "lead time", "sentiment", "dispute",
    "approval rate", "default rate", "watch time", "watch hours", "activation", "active",
)

# An objective that starts like this is a deliverable or business as usual.
OUTPUT_OBJECTIVE_VERBS = frozenset(
    [
        "launch", "ship", "release", "build", "deliver", "implement", "migrate", "complete", "finish",
        "create", "develop", "introduce", "deploy", "roll", "publish", "open"
    ]
)
BAU_OBJECTIVE_VERBS = frozenset(["maintain", "continue", "keep", "sustain", "preserve", "carry", "uphold"])

_WORD = re.compile(r"[a-z][a-z'-]*")
_PREFIX = re.compile(
    r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?(?:\[[^\]]*\]\s*|\((?:input|output|initiative)[^)]*\)\s*)?"
    r"(?:(?:kr|key result)\s*[\d.]*\s*[:.)-]\s*)?",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(r"^(?:we(?:'ll| will| should| must)?|i(?:'ll| will)?|the team will|to)\s+", re.IGNORECASE)


def strip_prefix(text: str) -> str:
    """Drop bullets, `[input]`-style tags, `KR1:` labels and lead-ins such as "We will"."""
    text = _PREFIX.sub("", text, count=1)
    return _LEAD_IN.sub("", text.strip(), count=1)


def words(text: str) -> list[str]:
    """Lower-case words of a text (letters, apostrophes and hyphens)."""
    return _WORD.findall(text.lower())


def leading_verb(text: str) -> str | None:
    """The first word of the KR after its prefix, lower-cased: usually the verb."""
    found = words(strip_prefix(text)[:40])
    return found[0] if found else None


@lru_cache(maxsize=64)
def _pattern(words_: tuple[str, ...] | frozenset[str], prefix: str, suffix: str) -> re.Pattern[str]:
    # One compiled alternation per word list: the rules run on every KR, so this is the hot path.
    alternation = "|".join(re.escape(word) for word in sorted(words_, key=len, reverse=True))
    return re.compile(rf"{prefix}(?:{alternation}){suffix}")


def mentions_word(text: str, nouns: tuple[str, ...]) -> str | None:
    """Return the first noun found as a whole word, singular or plural ("lead", "leads", not "leaders")."""
    match = _pattern(nouns, r"(?<![\w-])(", r")(?:s|es)?(?![\w-])").search(text.lower())
    return match.group(1) if match else None


def contains_phrase(text: str, phrases: tuple[str, ...] | frozenset[str]) -> str | None:
    """Return the first phrase found as whole words in `text` (case-insensitive), else None."""
    match = _pattern(phrases, r"(?<![\w-])(", r")(?![\w-])").search(text.lower())
    return match.group(1) if match else None


def mentions(text: str, stems: tuple[str, ...]) -> str | None:
    """Return the first stem that starts a word in `text` (so "lead" matches "leads"), else None."""
    match = _pattern(stems, r"(?<![\w-])(", r")").search(text.lower())
    return match.group(1) if match else None
