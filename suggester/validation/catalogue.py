"""The rule catalogue as data: each rule is a small pure function plus its id, scope, severity,
message and fix hint. Rules register themselves with `kr_rule` / `set_rule`; `RULES` keeps the order
of OKR_RULES.md so `okr check --rules` reads like the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from suggester.models import KeyResult, OKRSet, Severity


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at besides the KR itself: the whole set and the user's context text."""

    okr: OKRSet
    context: str | None = None
    context_numbers: frozenset[float] = frozenset()


@dataclass(frozen=True)
class Violation:
    """One problem a rule found. `detail` replaces the rule's generic message when it says more."""

    detail: str | None = None
    kr: str | None = None
    severity: Severity | None = None  # overrides the default, for rules whose severity depends on the case


KRCheck = Callable[[KeyResult, RuleContext], Violation | None]
SetCheck = Callable[[OKRSet, RuleContext], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue."""

    id: str
    scope: Literal["kr", "set"]
    severity: Severity
    message: str
    hint: str
    check: KRCheck | SetCheck = field(repr=False, compare=False)


RULES: list[Rule] = []


def _register(scope: Literal["kr", "set"], id: str, severity: str, message: str, hint: str):
    def decorator(function):
        if any(rule.id == id for rule in RULES):
            raise ValueError(f"duplicate rule id {id!r}")
        RULES.append(Rule(id, scope, Severity(severity), message, hint, function))
        return function

    return decorator


def kr_rule(id: str, severity: str, message: str, hint: str) -> Callable[[KRCheck], KRCheck]:
    """Register a per-KR rule: `check(kr, ctx) -> Violation | None`."""
    return _register("kr", id, severity, message, hint)


def set_rule(id: str, severity: str, message: str, hint: str) -> Callable[[SetCheck], SetCheck]:
    """Register a per-set rule: `check(okr, ctx) -> iterable of Violation` (kr=None for the whole set)."""
    return _register("set", id, severity, message, hint)


def rule_by_id(rule_id: str) -> Rule:
    """Look a rule up by id; raises KeyError for unknown ids."""
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
