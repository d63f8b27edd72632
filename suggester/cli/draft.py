"""`okr draft`: typed key results for an objective, in a table or as JSON."""

from __future__ import annotations

import sys

import click

from suggester.cli.output import fail, spinner


@click.command()
@click.argument("objective")
@click.option("--team", "-t", required=True, help="Team type: sales, marketing, customer support, ... (any text works).")
@click.option("--context", "-c", default=None, help="Current numbers and constraints; the only source of baselines.")
@click.option("--horizon", default=None, help='Cycle or due date, e.g. "Q2 2027" (default: end of next quarter).')
@click.option("--count", "-n", type=click.IntRange(3, 5), default=4, show_default=True, help="Key results to draft.")
@click.option("--model", "-m", default=None, help="litellm model string (default: OKR_MODEL or local/gemma-3-270m).")
@click.option("--seed", type=int, default=None, help="Sampling seed, for a reproducible draft.")
@click.option("--json", "as_json", is_flag=True, help="Print the Suggestion as JSON.")
def draft(objective, team, context, horizon, count, model, seed, as_json):
    """Draft typed key results (input, output, initiative) for OBJECTIVE.

    \b
    Examples:
      okr draft "Grow our global business via expansion in the EU" --team sales
      okr draft "Make support effortless" --team "customer support" \\
          --context "Median first response time is 9 hours; CSAT is 78%" --horizon "Q2 2027"
      OKR_MODEL=openai/gpt-4o-mini okr draft "Win the mid-market" --team sales --json
    """
    from pydantic import ValidationError

    from suggester.errors import SuggesterError
    from suggester.models import SuggestionRequest

    try:
        request = SuggestionRequest(
            objective=objective, team_type=team, context=context, horizon=horizon, count=count, model=model, seed=seed
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        fail(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}", code=2)
    try:
        from suggester.pipeline import suggest, warm_up
        from suggester.settings import get_settings

        settings = get_settings()
        if model:
            settings = settings.model_copy(update={"model": model})
        with spinner("Loading the corpus index and the model…"):
            warm_up(settings)
        with spinner(f"Drafting with {settings.model}…"):
            suggestion = suggest(request, settings=settings)
    except SuggesterError as exc:
        fail(exc.message, code=1)
    except KeyboardInterrupt:
        fail("interrupted", code=130)

    if as_json:
        sys.stdout.write(suggestion.model_dump_json(indent=2) + "\n")
        return
    from suggester.cli.output import print_suggestion

    print_suggestion(suggestion)
