"""The `okr` command. Each subcommand lives in its own module and is imported only when run,
so `okr --help` and `okr check` never pay for torch, litellm or llama.cpp."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

# pydantic looks for plugins through importlib.metadata when the first model is built: ~25 ms of every
# `okr check`, which has no plugin to find. A user who installs one can still set this variable.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# name -> (module, attribute, one-line help shown by `okr --help`)
_COMMANDS = {
    "draft": ("suggester.cli.draft", "draft", "Draft typed key results for an objective."),
    "check": ("suggester.cli.check", "check", "Lint OKR files (YAML, JSON, Markdown) against the rule catalogue."),
    "serve": ("suggester.cli.serve", "serve", "Run the HTTP service."),
    "eval": ("suggester.cli.eval", "eval_group", "Score suggestion quality over datasets."),
    "corpus": ("suggester.cli.corpus", "corpus", "Validate, index and inspect the examples corpus."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _, _) in _COMMANDS.items() if importlib.util.find_spec(module)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attribute, _ = _COMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attribute)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None
            raise

    def invoke(self, ctx: click.Context):
        """Every command's last line of defence: a library error is one line and exit 1, never a traceback."""
        from suggester.errors import SuggesterError

        try:
            return super().invoke(ctx)
        except SuggesterError as exc:
            from suggester.cli.output import fail

            fail(exc.message)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="okr-suggester")
def main() -> None:
    """Suggest and check OKRs: typed key results that are specific, measurable and honest.

    \b
    Examples:
      okr draft "Grow our global business via expansion in the EU" --team sales
      okr check okrs.md
      okr serve --port 8000
    """


# Commands that, once they have loaded litellm or sentence-transformers, end with os._exit: the
# interpreter's teardown of those libraries takes about 3 s after a draft is printed and does nothing
# for it. The others (serve, eval, corpus) write files or run shutdown hooks, and exit normally.
_QUICK_EXIT_COMMANDS = {"draft", "check"}
_SLOW_TO_TEAR_DOWN = ("litellm", "sentence_transformers")


def run() -> None:
    """The `okr` console script: `main`, then a quick exit where it is safe (see above)."""
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code if done.code is not None else 0
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if (
        isinstance(code, int)
        and command in _QUICK_EXIT_COMMANDS
        and any(name in sys.modules for name in _SLOW_TO_TEAR_DOWN)
    ):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
                pass
        os._exit(code)
    sys.exit(code)
