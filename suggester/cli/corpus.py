"""`okr corpus`: validate, index, search, import and count the examples corpus.

Only parsing and printing live here; the work is done by `suggester.corpus` and `suggester.retrieval`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from suggester.errors import SuggesterError
from suggester.settings import get_settings
from suggester.teams import normalize_team


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Our errors become one line and exit status 1, never a traceback."""
    try:
        yield
    except SuggesterError as exc:
        raise click.ClickException(exc.message) from exc


def _dirs(paths: tuple[Path, ...]) -> list[Path]:
    from suggester.retrieval import corpus_dirs

    return list(paths) or corpus_dirs(get_settings())


def _err(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def corpus() -> None:
    """Validate, index and inspect the examples corpus.

    \b
    Examples:
      okr corpus validate
      okr corpus index
      okr corpus search "Cut churn among small accounts" --team "customer success"
      okr corpus import our-okrs.csv --out ~/okr-corpus
      okr corpus stats
    """


@corpus.command()
@click.option("--dir", "paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Corpus folder or file to check (repeatable; default: the shipped corpus and your own).")
@click.option("--threshold", default=0.95, show_default=True, help="Objective cosine that counts as a near-duplicate.")
@click.option("--no-embed", is_flag=True, help="Skip the near-duplicate check (it loads the embedding model).")
def validate(paths: tuple[Path, ...], threshold: float, no_embed: bool) -> None:
    """Check the schema, duplicate ids, near-duplicate objectives and every KR against the rules.

    Exits with status 1 on any error-level finding; warnings are counted by rule.

    \b
    Example:
      okr corpus validate --dir examples_corpus
    """
    from suggester.corpus_checks import validate_corpus

    with _clean_errors():
        embedder = None
        if not no_embed:
            from suggester.embedding import get_embedder

            _err("Checking near-duplicate objectives (loading the embedding model)...")
            embedder = get_embedder()
        report = validate_corpus(_dirs(paths), embedder, threshold)
    for error in report.errors:
        click.echo(f"error: {error}")
    for note in report.notes:
        click.echo(f"note: {note}")
    for rule, count in report.warnings.most_common():
        click.echo(f"warning: {rule}: {count}")
    teams = len({normalize_team(example.team_type) for example in report.examples})
    click.echo(
        f"{len(report.examples)} sets, {teams} team types in {report.files} files: "
        f"{len(report.errors)} errors, {sum(report.warnings.values())} warnings"
    )
    if report.errors:
        sys.exit(1)


@corpus.command()
@click.option("--rebuild", is_flag=True, help="Encode again even if the cache is current.")
def index(rebuild: bool) -> None:
    """Build (or refresh) the cached embedding index and report how long it took.

    The cache lives in OKR_CACHE_DIR and is keyed by the corpus content and the model, so this only
    encodes when something changed.

    \b
    Example:
      okr corpus index --rebuild
    """
    from suggester.corpus import load_corpus
    from suggester.embedding import get_embedder
    from suggester.retrieval import CorpusIndex, Retriever

    settings = get_settings()
    with _clean_errors():
        examples = load_corpus(_dirs(()))
        embedder = get_embedder()
        if rebuild:
            shutil.rmtree(CorpusIndex.folder_for(examples, embedder, settings.cache_dir), ignore_errors=True)
        started = time.perf_counter()
        retriever = Retriever.from_examples(examples, embedder, settings.cache_dir)
        took = time.perf_counter() - started
        started = time.perf_counter()
        vectors, _ = retriever.kr_matrix(progress=True)
        kr_took = time.perf_counter() - started
    action = "built" if retriever.index.built else "loaded from cache"
    click.echo(f"{len(examples)} examples, {len(retriever.index.teams)} team types: index {action} in {took:.2f} s")
    click.echo(f"{vectors.shape[0]} key-result vectors ready in {kr_took:.2f} s")
    click.echo(f"cache: {retriever.index.folder}")


@corpus.command()
@click.argument("objective")
@click.option("--team", "team_type", required=True, help="Team type, e.g. sales, 'customer support'.")
@click.option("-k", "k", type=click.IntRange(1, 50), default=None, help="Results to show (default: OKR_RETRIEVAL_K).")
@click.option("--mmr-lambda", type=click.FloatRange(0, 1), default=None, help="1 = pure relevance, lower = more diverse.")
@click.option("--plain", is_flag=True, help="Plain cosine: no team bonus, no MMR.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def search(objective: str, team_type: str, k: int | None, mmr_lambda: float | None, plain: bool, as_json: bool) -> None:
    """Show which corpus examples retrieval returns for an objective, with scores.

    \b
    Example:
      okr corpus search "Answer customers faster on weekends" --team support -k 5
    """
    from suggester.retrieval import get_retriever

    with _clean_errors():
        retriever = get_retriever()
        if plain:
            mmr_lambda = 1.0
        results = retriever.search(objective, team_type, k=k, mmr_lambda=mmr_lambda, team_aware=not plain)
        weights = retriever.team_weights(team_type)
    if as_json:
        rows = [{"id": e.id, "team_type": e.team_type, "objective": e.objective, "score": round(s, 4)} for e, s in results]
        click.echo(json.dumps({"team_weights": weights, "results": rows}, indent=2))
        return
    if not plain:
        click.echo("team weights: " + ", ".join(f"{team} {weight:g}" for team, weight in weights.items()))
    for rank, (example, score) in enumerate(results, start=1):
        click.echo(f"{rank:>2}. {score:.3f}  {example.id}  [{example.team_type}]  {example.objective}")


@corpus.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Corpus folder to write to (default: the first of OKR_EXTRA_CORPUS_DIRS).")
@click.option("--team", "team_type", default=None, help="Team type for sets that do not name one.")
def import_(file: Path, out: Path | None, team_type: str | None) -> None:
    """Add your team's own OKR sets (CSV, JSONL or YAML) to a user corpus folder.

    Every set is checked against the corpus schema and the rule catalogue. Good sets are written as a
    new YAML file; bad rows are listed with their row numbers and reasons (exit status 1 if any).
    CSV: one row per KR, columns id, team_type, industry, stage, horizon, objective, context, kr_id,
    kind, text, metric, baseline, target, unit, direction, due, drives, rationale.

    \b
    Example:
      OKR_EXTRA_CORPUS_DIRS=~/okr-corpus okr corpus import our-okrs.csv --team support
    """
    from suggester.corpus import scan_corpus
    from suggester.corpus_import import import_sets, write_corpus_file

    settings = get_settings()
    with _clean_errors():
        if out is None:
            if not settings.extra_corpus_dirs:
                raise click.UsageError("say where to write: --out DIR, or set OKR_EXTRA_CORPUS_DIRS")
            out = Path(settings.extra_corpus_dirs[0]).expanduser()
        existing, _ = scan_corpus([path for path in _dirs(()) if path.exists()])
        result = import_sets(file, team_type=team_type, existing_ids={example.id for example in existing})
        written = write_corpus_file(result.accepted, out, f"imported-{file.stem}") if result.accepted else None
    for row in result.rejected:
        click.echo(f"rejected {row.where}:")
        for reason in row.reasons:
            click.echo(f"  - {reason}")
    if written:
        click.echo(f"imported {len(result.accepted)} set(s) into {written}")
        if out.resolve() not in {Path(d).expanduser().resolve() for d in settings.extra_corpus_dirs}:
            click.echo(f"note: add {out} to OKR_EXTRA_CORPUS_DIRS so suggestions draw on it")
    click.echo(f"{len(result.accepted)} accepted, {len(result.rejected)} rejected")
    if result.rejected:
        sys.exit(1)


@corpus.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(as_json: bool) -> None:
    """Count sets by team type and KRs by kind, stage and horizon.

    \b
    Example:
      okr corpus stats --json
    """
    from suggester.corpus import load_corpus
    from suggester.corpus_checks import corpus_stats

    with _clean_errors():
        figures = corpus_stats(load_corpus(_dirs(())))
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"{figures['sets']} sets, {figures['key_results']} key results, "
               f"{len(figures['team_types'])} team types, {figures['industries']} industries")
    click.echo(f"sets with an initiative: {figures['sets_with_initiative']}; "
               f"KRs with a baseline: {figures['krs_with_baseline']}")
    for title, key in (("team types", "team_types"), ("KR kinds", "kr_kinds"), ("KRs per set", "krs_per_set"),
                       ("stages", "stages"), ("horizons", "horizons")):
        click.echo(f"\n{title}:")
        for name, count in figures[key].items():
            click.echo(f"  {count:>4}  {name}")
