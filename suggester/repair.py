"""Repair: show the model what is wrong and ask again, a bounded number of times.

Used by the drafting pipeline (a set whose shape or findings make it unusable) and by
`okr check --fix` (a user's flagged KRs, one at a time). The model only rewrites *what* is
measured; numbers are composed by `suggester.compose` as for any draft.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from suggester import llm, prompting
from suggester.models import Finding, KeyResult, Kind, OKRSet, Severity
from suggester.parsing import DraftLine, ParseResult, line_from_key_result, parse_lines
from suggester.settings import Settings, get_settings

STOP = ["\n\n", "Objective:"]
# MiniLM cosine between a user's KR and its rewrite below which the rewrite measures something else.
# Measured on 10 flawed KRs (2026-12-04): faithful rewrites scored 0.62-0.87 ("weekly pipeline meetings"
# -> "20 quarterly pipeline meetings" 0.75), drifting ones 0.33-0.49 ("deploys per week" -> "start of a
# production cycle" 0.33); one drift still passes ("change failure rate" -> "shipments" 0.56).
FIX_MIN_SIMILARITY = 0.5


def shape_problems(krs: list[KeyResult], count: int) -> list[str]:
    """What makes a drafted set unusable whatever the validators say: too few KRs, or a kind missing."""
    problems = []
    if len(krs) < min(3, count):
        problems.append(f"only {len(krs)} usable key result(s); write {count} distinct lines")
    kinds = {kr.kind for kr in krs}
    if Kind.output not in kinds:
        problems.append("no output line: add the outcome the team wants")
    if Kind.input not in kinds:
        problems.append("no input line: add a lever the team controls, with 'drives N'")
    return problems


def problems_for_model(krs: list[KeyResult], findings: list[Finding], count: int, parse_problems: list[str]) -> list[str]:
    """The few problems worth showing the model: shape first, then errors, then set-level warnings."""
    worth = [f for f in findings if f.severity is Severity.error]
    worth += [f for f in findings if f.severity is Severity.warning and f.kr is None]
    listed = [f"{f.kr + ': ' if f.kr else ''}{f.message}" for f in worth][:6]
    return shape_problems(krs, count) + listed + parse_problems[:2]


def set_score(krs: list[KeyResult], findings: list[Finding], count: int) -> tuple[int, int, int, int]:
    """Lower is better: a usable shape first, then fewer errors, fewer warnings, more KRs."""
    errors = sum(f.severity is Severity.error for f in findings)
    warnings = sum(f.severity is Severity.warning for f in findings)
    return (len(shape_problems(krs, count)), errors, warnings, -len(krs))


def needs_repair(krs: list[KeyResult], findings: list[Finding], count: int) -> bool:
    return set_score(krs, findings, count)[:2] != (0, 0)


async def arepair_lines(
    prompt_vars: dict, problems: list[str], draft_lines: list[str], model: str, settings: Settings,
    seed: int | None = None,
) -> tuple[llm.Completion, ParseResult]:
    """One repair round: render `prompts/repair`, call the model, parse its lines."""
    messages = prompting.messages("repair", settings.prompts_dir, **prompt_vars, problems=problems, draft_lines=draft_lines)
    completion = await llm.acomplete(messages, model, settings, seed=seed, stop=STOP)
    return completion, parse_lines(completion.text)


async def aresample_lines(
    prompt_vars: dict, model: str, settings: Settings, seed: int | None = None
) -> tuple[llm.Completion, ParseResult]:
    """One repair round for a model that imitates rather than follows: the draft prompt again, with the
    examples in `prompt_vars` (the caller passes the next-nearest ones) and a seed of its own."""
    messages = prompting.messages("draft", settings.prompts_dir, **prompt_vars)
    completion = await llm.acomplete(messages, model, settings, seed=seed, stop=STOP)
    return completion, parse_lines(completion.text)


def resamples(model: str, strategy: str) -> bool:
    """Whether repair rounds resample, for a `Settings.repair_strategy` value (auto, findings, resample).

    On the dev set, the findings prompt repaired none of the embedded Gemma 270M's invalid first drafts (0 of 7);
    a resample from the next-nearest examples made every one of them valid (eval/README.md).
    """
    if strategy != "auto":
        return strategy == "resample"
    from suggester.gguf_models import PROVIDER

    if not model.startswith(f"{PROVIDER}/"):
        return False
    from suggester.gguf_models import resolve

    return not resolve(model).chat


@dataclass
class Fix:
    """A flagged KR before and after repair, and the findings that remain on the new one."""

    before: KeyResult
    after: KeyResult | None
    fixed: list[Finding]
    remaining: list[Finding]


async def afix_set(
    okr: OKRSet, findings: list[Finding], *, context: str | None = None, settings: Settings | None = None
) -> list[Fix]:
    """Rewrite every KR that carries an error or warning, one model call per KR.

    The KR and its findings go through `prompts/repair`, whatever the model: a resample (as the drafting
    pipeline does for base models) fixes the rules but loses what the author meant to measure. Baselines
    still come only from the user's words: the KR's own text and the given context. A rewrite is kept only
    when it leaves fewer errors and warnings than the original and stays on its subject.
    """
    from suggester.compose import compose
    from suggester.numbers import due_date, format_quantity
    from suggester.pipeline import example_block, neighbor_finder
    from suggester.retrieval import get_retriever
    from suggester.validation import profile_at, validate

    settings = settings or get_settings()
    model = settings.model
    await asyncio.to_thread(llm.prepare_model, model, settings)
    retriever = await asyncio.to_thread(get_retriever, settings)
    team = okr.team_type or "general"
    hits = await asyncio.to_thread(retriever.search, okr.objective, team, settings.retrieval_k)
    examples = [example for example, _ in hits]
    find_neighbor = neighbor_finder(retriever, examples)
    ids = [kr.id for kr in okr.key_results]
    profile = profile_at(settings.rule_profile)
    fixes = []
    for kr in okr.key_results:
        own = [f for f in findings if f.kr == kr.id and f.severity in (Severity.error, Severity.warning)]
        if not own:
            continue
        line = line_from_key_result(kr, ids)
        prompt_vars = {
            "examples": [example_block(e) for e in examples], "objective": prompting.one_line(okr.objective),
            "team_type": prompting.one_line(team), "context": prompting.one_line(context) or None, "count": 1,
        }
        _, parsed = await arepair_lines(prompt_vars, [f.message for f in own], [line.render()], model, settings)
        after, remaining = None, own
        if parsed.lines:
            new: DraftLine = parsed.lines[0]
            new.drives = line.drives if new.kind is Kind.input else []
            # The user's baseline (if the KR had one) and their context: never the KR's target, which a
            # rewrite would otherwise read as where it starts ("to 2 hours" -> "from 2 hours to 1 hour").
            known = f"{kr.metric or kr.text} is {format_quantity(kr.baseline, kr.unit)}." if kr.baseline is not None else None
            sources = " ".join(filter(None, [known, context]))
            candidate = compose([new], find_neighbor, sources, kr.due or due_date(None))[0]
            candidate.id, candidate.drives = kr.id, list(kr.drives) if candidate.kind is Kind.input else []
            trial = OKRSet(objective=okr.objective, team_type=okr.team_type,
                           key_results=[candidate if k.id == kr.id else k for k in okr.key_results])
            left = [f for f in validate(trial, context=context, profile=profile)
                    if f.kr == kr.id and f.severity is not Severity.info]
            original, rewrite = retriever.embed_texts([kr.text, candidate.text])
            # Kept only when it leaves fewer problems and still measures what the author meant.
            if len(left) < len(own) and float(original @ rewrite) >= FIX_MIN_SIMILARITY:
                after, remaining = candidate, left
        still = {f.rule for f in remaining}
        fixes.append(Fix(before=kr, after=after, fixed=[f for f in own if f.rule not in still], remaining=remaining))
    return fixes


def fix_set(okr: OKRSet, findings: list[Finding], *, context: str | None = None, settings: Settings | None = None) -> list[Fix]:
    """Sync twin of `afix_set`."""
    return asyncio.run(afix_set(okr, findings, context=context, settings=settings))
