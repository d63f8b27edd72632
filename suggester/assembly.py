"""Pick the best set of KR lines from several sampled drafts, and link every input to an output.

Small models give a usable line here and there, not a usable set every time. Pooling the lines of
a few candidates and choosing by relevance, diversity and kind mix is a cheap, reliable lever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from suggester.models import KeyResult, Kind
from suggester.parsing import DraftLine

Embed = Callable[[Sequence[str]], np.ndarray]  # L2-normalized rows
Prior = Callable[[np.ndarray], np.ndarray]  # metric vectors -> how much each reads like a real KR metric
DUPLICATE_COSINE = 0.88
PRIOR_WEIGHT = 0.5
MAX_INITIATIVES = 1
# Added to the worth of a metric the user's context already measures: it outranks any model line of its
# kind (MiniLM rates "Median first response time" 0.11 against "make support effortless", a model's
# "tickets are handled in a more friendly way" 0.44), yet kinds, duplicates and the count still apply.
STATED_BONUS = 1.0


@dataclass
class Candidate:
    """The lines of one model answer (or of the user's context); `drives` numbers refer to positions inside it."""

    lines: list[DraftLine]
    from_repair: bool = False
    stated: bool = False  # metrics the user's context gives a value for (pipeline.stated_lines)


def _normalized(metric: str) -> str:
    return " ".join(metric.lower().split())


def assemble(
    pool: list[Candidate], objective: str, count: int, embed: Embed, prior: Prior | None = None
) -> list[DraftLine]:
    """Choose `count` lines: the best output, then the best input, then the best of the rest.

    A line's worth is its relevance to the objective plus, when a `prior` is given, how closely it
    resembles a metric someone actually wrote (its nearest corpus KR): small models also produce
    on-topic phrases that measure nothing. Metrics the user's context measures come first of their kind. Near-duplicates (same metric text, or cosine >= DUPLICATE_COSINE) are dropped, at most one
    initiative is kept, and `drives` links are renumbered to the chosen order.
    """
    entries: list[tuple[DraftLine, Candidate]] = []
    seen: set[str] = set()
    for candidate in pool:
        for line in candidate.lines:
            key = (line.kind.value, _normalized(line.metric))
            if key[1] and key not in seen:
                seen.add(key)
                entries.append((line, candidate))
    if not entries:
        return []
    vectors = embed([objective] + [line.metric for line, _ in entries])
    relevance = vectors[1:] @ vectors[0]
    if prior is not None:
        relevance = relevance + PRIOR_WEIGHT * prior(vectors[1:])
    relevance = relevance + STATED_BONUS * np.array([candidate.stated for _, candidate in entries], dtype=np.float32)
    order = sorted(range(len(entries)), key=lambda i: (-relevance[i], entries[i][1].from_repair))
    chosen: list[int] = []

    def fits(i: int) -> bool:
        line = entries[i][0]
        if line.kind is Kind.initiative and sum(entries[j][0].kind is Kind.initiative for j in chosen) >= MAX_INITIATIVES:
            return False
        return all(float(vectors[i + 1] @ vectors[j + 1]) < DUPLICATE_COSINE for j in chosen)

    for wanted in (Kind.output, Kind.input):
        first = next((i for i in order if entries[i][0].kind is wanted and fits(i)), None)
        if first is not None:
            chosen.append(first)
    for i in order:
        if len(chosen) >= count:
            break
        if i not in chosen and fits(i):
            chosen.append(i)
    # Outputs first, then inputs, then initiatives: the order a reader expects.
    rank = {Kind.output: 0, Kind.input: 1, Kind.initiative: 2}
    chosen.sort(key=lambda i: (rank[entries[i][0].kind], -relevance[i]))
    return [_relinked(entries, chosen, i) for i in chosen]


def _relinked(entries: list[tuple[DraftLine, Candidate]], chosen: list[int], i: int) -> DraftLine:
    """Copy a line with `drives` pointing at positions in the chosen list (links lost are dropped)."""
    line, candidate = entries[i]
    position_of = {id(entries[j][0]): n + 1 for n, j in enumerate(chosen)}
    drives = []
    for number in line.drives:
        if 0 < number <= len(candidate.lines):
            target = candidate.lines[number - 1]
            if target.kind is Kind.output and id(target) in position_of:
                drives.append(position_of[id(target)])
    return DraftLine(kind=line.kind, metric=line.metric, direction=line.direction, drives=drives, raw=line.raw)


def link_inputs(krs: list[KeyResult], embed: Embed) -> None:
    """Give every input KR without a valid link the output KR it is most similar to, and say so."""
    outputs = [kr for kr in krs if kr.kind is Kind.output]
    unlinked = [kr for kr in krs if kr.kind is Kind.input and not kr.drives]
    if not outputs or not unlinked:
        return
    vectors = embed([kr.metric or kr.text for kr in outputs] + [kr.metric or kr.text for kr in unlinked])
    out_vectors, in_vectors = vectors[: len(outputs)], vectors[len(outputs):]
    for kr, vector in zip(unlinked, in_vectors):
        best = outputs[int(np.argmax(out_vectors @ vector))]
        kr.drives = [best.id]
        kr.rationale = kr.rationale or f"Linked to {best.id} ({best.metric}) as the closest outcome this lever should move."
