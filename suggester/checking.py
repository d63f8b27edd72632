"""Check OKRs against the rule catalogue: the core of `okr check`, `suggester.check` and `POST /v1/check`.

    from suggester import check
    report = check("Grow our EU business\\n- Increase EU bookings from EUR 0.4M to EUR 0.7M by Q2")
    report.errors, [f.rule for f in report.findings]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from suggester.documents import DocumentSet, complete_key_result, load_document, parse_markdown
from suggester.models import Finding, OKRSet, Severity
from suggester.validation import Profile, profile_at, validate


class CheckedSet(BaseModel):
    """One objective with its KRs as read, and what the rules found."""

    okr: OKRSet = Field(description="The objective and its key results, structured fields filled in from the text.")
    context: str | None = Field(
        default=None, description="Context text the baselines were traced to, if any.",
        examples=["Median first response time is 9 hours; CSAT is 78%."],
    )
    where: str | None = Field(default=None, description="File and line of the objective.", examples=["okrs.md:3"])
    findings: list[Finding] = Field(
        default_factory=list, description="Findings for this set, KR by KR, then set-level.",
        examples=[[{"rule": "measurable", "severity": "error", "kr": "kr3", "where": "okrs.md:7",
                    "message": "No number to grade: the KR has neither a target nor a baseline.",
                    "hint": "Name the metric and the value that means success."}]],
    )


class CheckReport(BaseModel):
    """The result of checking one document or one OKR set."""

    source: str = Field(default="<text>", description="File name, or <text> for text given directly.", examples=["okrs.md"])
    sets: list[CheckedSet] = Field(
        default_factory=list, description="Each objective read, with its findings.",
        examples=[[{"okr": {"objective": "Make support effortless", "key_results": []}, "where": "okrs.md:1",
                    "findings": []}]],
    )
    errors: int = Field(default=0, description="Number of error-level findings; any error fails the check.", examples=[1])
    warnings: int = Field(default=0, description="Number of warning-level findings.", examples=[2])
    infos: int = Field(default=0, description="Number of info-level findings.", examples=[0])

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every set, in document order."""
        return [finding for checked in self.sets for finding in checked.findings]

    @property
    def okr_sets(self) -> list[OKRSet]:
        return [checked.okr for checked in self.sets]

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return self.errors == 0


def check(
    okr: OKRSet | str,
    *,
    context: str | None = None,
    profile: Profile | None = None,
    source: str = "<text>",
) -> CheckReport:
    """Check an OKR set, or OKRs written as Markdown / plain text.

    Args:
        okr: an OKRSet, or text with one or more objectives followed by bullet KRs.
        context: the user's situation; baselines must trace back to it (overrides a "Context:" line).
        profile: rule overrides; None uses the file named by settings.rule_profile, if any.
        source: a name for the text in `where` ("file:line").

    Returns:
        A CheckReport with the structured sets, their findings and the counts per severity.

    Raises:
        InputFileError: text with no objective, or a KR before any objective.
    """
    if isinstance(okr, str):
        sets = parse_markdown(okr, source=source)
    else:
        # Without a context there is nothing to trace numbers to: the author's own numbers are theirs.
        krs = [complete_key_result(kr, own_numbers=context is None) for kr in okr.key_results]
        sets = [DocumentSet(okr=okr.model_copy(update={"key_results": krs}), source=source)]
    return check_sets(sets, source=source, context=context, profile=profile)


def check_files(paths: Iterable[str | Path], *, profile: Profile | None = None) -> list[CheckReport]:
    """Check OKR files (YAML, JSON, Markdown, plain text), one report per file.

    Raises:
        InputFileError: a file cannot be read or parsed; the message names the file and line.
    """
    profile = profile if profile is not None else settings_profile()
    return [check_sets(load_document(path), source=str(path), profile=profile) for path in paths]


def check_sets(
    sets: list[DocumentSet], *, source: str, context: str | None = None, profile: Profile | None = None
) -> CheckReport:
    """Validate document sets and count the findings (shared by `check` and `check_files`)."""
    profile = profile if profile is not None else settings_profile()
    report = CheckReport(source=source)
    for document_set in sets:
        set_context = context if context is not None else document_set.context
        findings = [
            finding.model_copy(update={"where": document_set.where(finding.kr)})
            for finding in validate(document_set.okr, context=set_context, profile=profile)
        ]
        report.sets.append(
            CheckedSet(okr=document_set.okr, context=set_context, where=document_set.where(), findings=findings)
        )
    severities = [finding.severity for finding in report.findings]
    report.errors = severities.count(Severity.error)
    report.warnings = severities.count(Severity.warning)
    report.infos = severities.count(Severity.info)
    return report


def settings_profile() -> Profile | None:
    """The profile `OKR_RULE_PROFILE` points at, or None when unset.

    Raises:
        InputFileError: the profile file cannot be read or names unknown rules.
    """
    if _profile_unset():
        return None
    from suggester.settings import get_settings

    return profile_at(get_settings().rule_profile)


def _profile_unset() -> bool:
    """True when none of the settings' sources (the environment, a `.env` file) can name a profile.

    Importing pydantic-settings is a quarter of `okr check`'s start-up; without a source it would only
    confirm the default (no profile).
    """
    return "OKR_RULE_PROFILE" not in {name.upper() for name in os.environ} and not Path(".env").is_file()
