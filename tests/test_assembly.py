from suggester.assembly import Candidate, assemble, link_inputs
from suggester.embedding import HashingEmbedder
from suggester.models import Direction, KeyResult, Kind
from suggester.parsing import parse_lines

embed = HashingEmbedder().encode


def candidate(text: str, **kw) -> Candidate:
    return Candidate(parse_lines(text).lines, **kw)


def test_pools_candidates_to_get_both_kinds_and_renumbers_drives():
    only_inputs = candidate("1. input | EU demos held | increase\n2. input | EU calls made | increase")
    with_output = candidate("1. initiative | German website | complete\n2. output | EU bookings | increase\n"
                            "3. input | EU demos held with prospects | increase | drives 2")
    lines = assemble([only_inputs, with_output], objective="grow EU bookings (sales)", count=4, embed=embed)
    kinds = [line.kind for line in lines]
    assert Kind.output in kinds and Kind.input in kinds
    assert kinds == sorted(kinds, key=[Kind.output, Kind.input, Kind.initiative].index)
    linked = [line for line in lines if line.metric == "EU demos held with prospects"]
    if linked:
        assert lines[linked[0].drives[0] - 1].metric == "EU bookings"


def test_drops_duplicates_and_extra_initiatives():
    pool = [candidate("output | EU bookings | increase\noutput | EU bookings | increase\n"
                      "initiative | site A | complete\ninitiative | site B launch | complete\ninput | demos | increase")]
    lines = assemble(pool, objective="EU bookings", count=5, embed=embed)
    assert sum(line.metric == "EU bookings" for line in lines) == 1
    assert sum(line.kind is Kind.initiative for line in lines) == 1


def test_empty_pool_gives_nothing():
    assert assemble([Candidate([])], objective="x", count=3, embed=embed) == []


def test_link_inputs_links_unlinked_inputs_to_closest_output():
    krs = [
        KeyResult(id="kr1", kind=Kind.output, text="t", metric="EU bookings", direction=Direction.increase),
        KeyResult(id="kr2", kind=Kind.output, text="t", metric="support satisfaction score", direction=Direction.increase),
        KeyResult(id="kr3", kind=Kind.input, text="t", metric="support satisfaction surveys sent"),
        KeyResult(id="kr4", kind=Kind.input, text="t", metric="demos", drives=["kr1"]),
    ]
    link_inputs(krs, embed)
    assert krs[2].drives == ["kr2"] and "kr2" in krs[2].rationale
    assert krs[3].drives == ["kr1"] and krs[3].rationale is None


def test_prior_prefers_lines_that_read_like_real_metrics():
    pool = [candidate("output | bakery payroll done by payroll | increase\noutput | customer churn rate | decrease\n"
                      "input | onboarding calls held | increase")]
    real_metrics = embed(["customer churn rate", "onboarding calls held"])
    prior = lambda vectors: (vectors @ real_metrics.T).max(axis=1)  # noqa: E731
    chosen = assemble(pool, objective="small business clients", count=2, embed=embed, prior=prior)
    assert [line.metric for line in chosen] == ["customer churn rate", "onboarding calls held"]
