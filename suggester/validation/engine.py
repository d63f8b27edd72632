"""Run the catalogue over an OKR set."""

from __future__ import annotations

from collections.abc import Iterable

from suggester.models import Finding, OKRSet, Severity
from suggester.validation.catalogue import RULES, Rule, RuleContext, Violation
from suggester.validation.numbers import numbers_in
from suggester.validation.profile import Profile


def validate(okr: OKRSet, *, context: str | None = None, profile: Profile | None = None) -> list[Finding]:
    """Check a set against every rule of the catalogue.

    Args:
        okr: the objective and its key results, with structured fields filled in (parse free text
            with `suggester.krtext.parse_kr_text` first).
        context: what the user said about their situation; a baseline whose number does not appear
            here, and whose source is not the user, a document or an example, counts as invented.
        profile: rule overrides; None runs every rule at its default severity.

    Returns:
        Findings in catalogue order: per-KR findings (KR by KR) first, then set-level ones.
    """
    ctx = RuleContext(okr=okr, context=context, context_numbers=numbers_in(context))
    profile = profile or Profile()
    findings: list[Finding] = []
    for kr in okr.key_results:
        for rule in RULES:
            if rule.scope == "kr" and profile.is_enabled(rule.id):
                violation = rule.check(kr, ctx)
                if violation is not None:
                    findings.append(_finding(rule, violation, profile, kr.id))
    for rule in RULES:
        if rule.scope == "set" and profile.is_enabled(rule.id):
            for violation in rule.check(okr, ctx):
                findings.append(_finding(rule, violation, profile, violation.kr))
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error."""
    return any(finding.severity is Severity.error for finding in findings)


def _finding(rule: Rule, violation: Violation, profile: Profile, kr_id: str | None) -> Finding:
    severity = profile.severity(rule.id, violation.severity or rule.severity)
    return Finding(
        rule=rule.id,
        severity=severity,
        message=violation.detail or rule.message,
        hint=rule.hint,
        kr=kr_id,
    )
