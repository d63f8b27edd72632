"""The core: SuggestionRequest -> Suggestion. The CLI, the HTTP service and the eval harness all call this.

retrieve -> render -> generate (a few candidates) -> parse -> assemble -> compose numbers
-> validate -> repair (bounded) -> Suggestion. Each step lives in its own module; this one only
orders them and keeps the books (timings, tokens, attempts).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from suggester import cancellation, llm, prompting
from suggester.assembly import Candidate, assemble, link_inputs
from suggester.compose import Neighbor, compose
from suggester.errors import DraftFailed, InputTooLong, InvalidRequest
from suggester.models import (
    CorpusExample,
    Direction,
    ExampleRef,
    Finding,
    Kind,
    OKRSet,
    Suggestion,
    SuggestionRequest,
    Usage,
)
from suggester.numbers import due_date
from suggester.parsing import DraftLine, line_from_key_result, parse_lines
from suggester.repair import (
    STOP,
    arepair_lines,
    aresample_lines,
    needs_repair,
    problems_for_model,
    resamples,
    set_score,
)
from suggester.settings import Settings, get_settings
from suggester.teams import normalize_team


@dataclass(frozen=True)
class Variant:
    """Which pipeline stages run; the eval harness switches them off to measure what each is worth."""

    name: str = "default"
    retrieval: bool = True  # False: fixed generic examples instead of the nearest ones
    few_shot: bool = True  # False: no examples in the prompt at all
    repair: bool = True
    repair_strategy: str | None = None  # overrides Settings.repair_strategy
    context_metrics: bool = True  # False: only the model proposes what to measure (see stated_lines)


VARIANTS = {
    "default": Variant(),
    "no-retrieval": Variant("no-retrieval", retrieval=False),
    "zero-shot": Variant("zero-shot", few_shot=False),
    "no-repair": Variant("no-repair", repair=False),
    "repair-findings": Variant("repair-findings", repair_strategy="findings"),
    "no-context-metrics": Variant("no-context-metrics", context_metrics=False),
}


@dataclass
class _Books:
    timings_ms: dict[str, float] = field(default_factory=dict)
    completions: list[llm.Completion] = field(default_factory=list)

    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - started) * 1000


def _check_request(request: SuggestionRequest, settings: Settings) -> None:
    if len(request.objective) > settings.max_objective_chars:
        raise InputTooLong(
            f"objective is {len(request.objective)} characters; the limit is {settings.max_objective_chars}",
            field="objective", limit=settings.max_objective_chars,
        )
    if request.context and len(request.context) > settings.max_context_chars:
        raise InputTooLong(
            f"context is {len(request.context)} characters; the limit is {settings.max_context_chars}",
            field="context", limit=settings.max_context_chars,
        )


def example_block(example: CorpusExample) -> dict:
    ids = [kr.id for kr in example.key_results]
    return {
        "objective": example.objective,
        "team_type": example.team_type,
        "lines": [line_from_key_result(kr, ids).render() for kr in example.key_results],
    }


def neighbor_finder(retriever, examples: list[CorpusExample]):
    """Nearest corpus KR of the same kind: among the retrieved examples first, else the whole corpus."""

    def find(line: DraftLine) -> Neighbor | None:
        best = None
        for pool in (examples, None):
            for example, kr, score in retriever.similar_krs(line.metric, examples=pool, top=5):
                if kr.kind is line.kind and (best is None or score > best.similarity):
                    best = Neighbor(kr=kr, similarity=float(score), example_id=example.id)
            if best is not None and best.similarity >= 0.5:
                break
        return best

    return find


STATED_MIN_SIMILARITY = 0.55  # cosine to the nearest corpus KR for a context metric to borrow its kind and direction


def stated_lines(retriever, context: str | None) -> list[DraftLine]:
    """Candidate lines for the metrics the user's context gives a value for ("CSAT is 78%").

    The user already measures these, so a KR on them starts from a real baseline. Kind and direction come
    from the nearest corpus KR (a duration always goes down); a metric with no close KR, or whose
    nearest KR holds a level, is left to the model rather than guessed.
    """
    from suggester.krtext import held_side
    from suggester.numbers import stated_metrics, unit_family

    lines = []
    for metric, value in stated_metrics(context):
        nearest = retriever.similar_krs(metric, top=1)
        if not nearest or nearest[0][2] < STATED_MIN_SIMILARITY:
            continue
        kr = nearest[0][1]
        direction = Direction.decrease if unit_family(value.unit) == "time" else kr.direction
        if direction is Direction.reach:  # "Keep CSAT at or above 88%": higher is better, so raise it
            direction = held_side(kr.text)
        if direction not in (Direction.increase, Direction.decrease):
            continue
        kind = Kind.output if kr.kind is Kind.initiative else kr.kind
        lines.append(DraftLine(kind=kind, metric=metric, direction=direction, raw=f"context: {value.clause}"))
    return lines


def _metricness(retriever, vectors):
    """For each metric vector, its cosine to the nearest KR in the corpus."""
    corpus_vectors, _ = retriever.kr_matrix()
    return (vectors @ np.asarray(corpus_vectors).T).max(axis=1)


async def asuggest(
    request: SuggestionRequest, *, settings: Settings | None = None, variant: Variant | str = "default"
) -> Suggestion:
    """Draft typed key results for an objective.

    Args:
        request: the objective, team type and optional context, horizon and count.
        settings: overrides the environment's settings (model, corpus, retrieval, repair bounds).
        variant: a pipeline variant name for ablations (`default`, `no-retrieval`, `zero-shot`, `no-repair`).

    Returns:
        A Suggestion whose every KR has been validated; findings are attached, never hidden.

    Raises:
        SuggesterError: InvalidRequest/InputTooLong, UnknownModel, MissingCredentials, ProviderError
        (and its timeout / rate-limit kinds), or DraftFailed when no usable set came back.
    """
    with cancellation.scope():  # a cancelled draft also stops the generation it leaves running
        return await _draft(request, settings, VARIANTS[variant] if isinstance(variant, str) else variant)


async def _draft(request: SuggestionRequest, settings: Settings | None, variant: Variant) -> Suggestion:
    from suggester.retrieval import get_retriever, query_text
    from suggester.validation import profile_at, validate

    settings = settings or get_settings()
    _check_request(request, settings)
    profile = profile_at(settings.rule_profile)
    model = request.model or settings.model
    books = _Books()
    started = time.perf_counter()
    with books.step("prepare"):
        await asyncio.to_thread(llm.prepare_model, model, settings)

    team = normalize_team(request.team_type)
    with books.step("retrieve"):
        retriever = await asyncio.to_thread(get_retriever, settings)
        if variant.retrieval:
            hits = await asyncio.to_thread(retriever.search, request.objective, team, settings.retrieval_k)
        else:
            hits = [(example, 0.0) for example in retriever.examples[: settings.retrieval_k]]
    examples = [example for example, _ in hits]

    objective = prompting.one_line(request.objective)
    context = prompting.one_line(request.context) or None
    prompt_vars = dict(
        examples=[example_block(e) for e in examples] if variant.few_shot else [],
        objective=objective, team_type=prompting.one_line(team), context=context, count=request.count,
    )
    with books.step("render"):
        messages = prompting.messages("draft", settings.prompts_dir, **prompt_vars)

    seed = request.seed if request.seed is not None else settings.seed
    with books.step("generate"):
        completions = await asyncio.gather(*[
            llm.acomplete(messages, model, settings, seed=None if seed is None else seed + i, stop=STOP)
            for i in range(settings.candidates)
        ])
    books.completions.extend(completions)

    due = due_date(request.horizon)
    find_neighbor = neighbor_finder(retriever, examples)
    pool: list[Candidate] = []
    stated: list[DraftLine] = []  # metrics the user's context measures (stated_lines)
    parse_problems: list[str] = []

    def build() -> tuple[list, list[Finding]]:
        with books.step("assemble"):
            lines = assemble(
                # The context's metrics join only a draft the model made: alone, they are not a suggestion.
                pool + ([Candidate(stated, stated=True)] if stated and any(c.lines for c in pool) else []),
                # The retrieval query's text, so its vector comes from the embedder's cache.
                objective=query_text(request.objective, team), count=request.count, embed=retriever.embed_texts,
                prior=lambda vectors: _metricness(retriever, vectors),
            )
        if not lines:
            return [], []
        with books.step("compose"):
            krs = compose(lines, find_neighbor, request.context, due)
            link_inputs(krs, embed=retriever.embed_texts)
        with books.step("validate"):
            findings = validate(OKRSet(objective=request.objective, team_type=team, key_results=krs),
                                context=request.context, profile=profile)
        return krs, findings

    with books.step("parse"):
        for completion in completions:
            parsed = parse_lines(completion.text)
            pool.append(Candidate(parsed.lines))
            parse_problems += parsed.problems
    if variant.context_metrics and request.context:
        with books.step("context"):
            stated.extend(await asyncio.to_thread(stated_lines, retriever, request.context))
    krs, findings = await asyncio.to_thread(build)  # embeddings and rules: CPU work, off the event loop

    attempts_left = settings.repair_attempts if variant.repair else 0
    resample = resamples(model, variant.repair_strategy or settings.repair_strategy)
    shown = {example.id for example in examples}
    refs = [_ref(example, score, "draft") for example, score in hits] if variant.few_shot else []
    while attempts_left > 0 and needs_repair(krs, findings, request.count):
        attempts_left -= 1
        with books.step("repair"):
            if resample:
                # The next-nearest examples (none shown before) and a seed no candidate used.
                if variant.few_shot:
                    more = await asyncio.to_thread(_next_examples, retriever, request.objective, team, settings, shown,
                                                   variant.retrieval)
                    shown |= {example.id for example, _ in more}
                    refs += [_ref(example, score, "repair") for example, score in more]
                    prompt_vars = {**prompt_vars, "examples": [example_block(e) for e, _ in more]}
                resample_seed = None if seed is None else seed + settings.candidates + len(books.completions)
                completion, parsed = await aresample_lines(prompt_vars, model, settings, resample_seed)
            else:
                completion, parsed = await arepair_lines(
                    prompt_vars, problems_for_model(krs, findings, request.count, parse_problems),
                    [line.render() for line in (pool[0].lines if pool else [])], model, settings, seed,
                )
        books.completions.append(completion)
        if not parsed.lines:
            continue
        pool.append(Candidate(parsed.lines, from_repair=True))
        new_krs, new_findings = await asyncio.to_thread(build)
        if new_krs and (not krs or set_score(new_krs, new_findings, request.count) <= set_score(krs, findings, request.count)):
            krs, findings = new_krs, new_findings

    usage = Usage(
        model=model,
        prompt_tokens=sum(c.prompt_tokens for c in books.completions),
        completion_tokens=sum(c.completion_tokens for c in books.completions),
        cost_usd=sum(c.cost_usd for c in books.completions),
        latency_ms=(time.perf_counter() - started) * 1000,
        attempts=len(books.completions),
        timings_ms={k: round(v, 2) for k, v in books.timings_ms.items()},
    )
    if not krs:
        raise DraftFailed(
            f"the model returned no usable key results after {len(books.completions)} attempt(s)", usage=usage,
            attempts=len(books.completions), last_output=books.completions[-1].text[:2000] if books.completions else "",
        )
    return Suggestion(
        objective=request.objective,
        team_type=team,
        key_results=krs,
        findings=findings,
        examples_used=refs,
        usage=usage,
    )


def _ref(example: CorpusExample, score: float, used_in: str) -> ExampleRef:
    return ExampleRef(
        id=example.id, team_type=example.team_type, objective=example.objective, score=round(float(score), 4),
        used_in=used_in,
    )


def _next_examples(retriever, objective: str, team: str, settings: Settings, shown: set[str], nearest: bool):
    """The examples a resample shows: the nearest not shown yet (or the next fixed ones, without retrieval)."""
    if nearest:
        return retriever.search(objective, team, settings.retrieval_k, exclude_ids=shown)
    unseen = [example for example in retriever.examples if example.id not in shown]
    return [(example, 0.0) for example in unseen[: settings.retrieval_k]]


def suggest(request: SuggestionRequest, *, settings: Settings | None = None, variant: Variant | str = "default") -> Suggestion:
    """Sync twin of `asuggest` (same arguments); call `asuggest` from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(asuggest(request, settings=settings, variant=variant))
    raise InvalidRequest("suggest() was called inside a running event loop: await asuggest() instead")


def warm_up(settings: Settings | None = None) -> None:
    """Load the heavy parts once per process (embedder, corpus index, KR vectors, local model), in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    from suggester.retrieval import get_retriever

    settings = settings or get_settings()
    # An unknown model or a missing key fails now, not after seconds of loading the embedder.
    llm.prepare_model(settings.model, settings)
    # A request's matrix products are small (a few thousand rows at most); numpy's BLAS threads only spin
    # against the model's and the embedder's on a busy machine (measured: 2x the pipeline's own time).
    threadpool_limits(1, user_api="blas")

    def load_index_and_embedder() -> None:
        # A cached index loads without the embedder, whose model (torch) loads on first use, and without
        # the corpus KR vectors that targets are proposed from: pay both here, not in the first request.
        retriever = get_retriever(settings)
        retriever.embed_texts(["warm up"])
        retriever.kr_matrix()

    with ThreadPoolExecutor(max_workers=2) as pool:
        index = pool.submit(load_index_and_embedder)
        model = pool.submit(llm.warm_up, settings.model, settings)
        index.result()
        model.result()
