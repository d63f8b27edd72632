"""`okr check`: output, exit codes, options, and a start that pulls in no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from suggester.cli import main

DATA = Path(__file__).parent / "data" / "okrs"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["check", *args], input=input)


def test_clean_file_exits_0():
    result = run(str(DATA / "support.yaml"))
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_errors_exit_1_grouped_by_objective_and_kr():
    result = run(str(DATA / "plain.txt"))
    assert result.exit_code == 1
    out = result.output
    assert out.index("Improve things") < out.index("Make the product better") < out.index("measurable")
    assert "hint:" in out and "line 12" in out
    assert "2 errors" in out


def test_bad_input_exits_2_with_file_and_line():
    result = run(str(DATA / "bad_kind.yaml"))
    assert result.exit_code == 2
    assert f"{DATA / 'bad_kind.yaml'}:7:" in result.output
    assert "Traceback" not in result.output
    assert run(str(DATA / "absent.md")).exit_code == 2
    assert run().exit_code == 2


def test_json_format_is_a_list_of_reports():
    result = run(str(DATA / "support.yaml"), str(DATA / "sets.json"), "--format", "json")
    assert result.exit_code == 1
    reports = json.loads(result.output)
    assert [report["errors"] > 0 for report in reports] == [False, True]
    assert reports[1]["sets"][1]["findings"][0]["where"].startswith(str(DATA / "sets.json"))


def test_stdin_and_context():
    text = "Grow\n- Raise NPS from 32 to 45 by Q4\n- [input -> 1] Hold 40 calls by Q4\n"
    assert run("-", input=text).exit_code == 0
    result = run("-", "--context", "Our NPS was 28.", "--format", "json", input=text)
    findings = json.loads(result.output)[0]["sets"][0]["findings"]
    assert findings == []  # numbers read from the user's own document are theirs, context or not


def test_profile_option(tmp_path):
    profile = tmp_path / "rules.yaml"
    profile.write_text("rules:\n  measurable: warning\n  direction-consistent: off\n  count: off\n")
    result = run(str(DATA / "plain.txt"), "--profile", str(profile))
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  nope: off\n")
    result = run(str(DATA / "plain.txt"), "--profile", str(bad))
    assert result.exit_code == 2 and "nope" in result.output


def test_rules_lists_the_catalogue():
    result = run("--rules")
    assert result.exit_code == 0
    for rule_id in ("measurable", "baseline-invented", "guardrail", "objective-not-bau"):
        assert rule_id in result.output
    rows = json.loads(run("--rules", "--format", "json").output)
    assert len(rows) == 22 and {"id", "scope", "severity", "message", "hint"} == set(rows[0])


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0 and "okr check okrs.md" in result.output


def test_check_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from suggester.cli import main\n"
        f"result = CliRunner().invoke(main, ['check', {str(DATA / 'team_okrs.md')!r}])\n"
        "assert result.exit_code == 1, result.output\n"
        "heavy = {'torch', 'sentence_transformers', 'litellm', 'llama_cpp', 'numpy'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_fix_prints_before_and_after_with_remaining_findings(monkeypatch):
    import suggester.repair
    from suggester.krtext import parse_kr_text
    from suggester.models import Finding, Severity

    calls = []

    def fake_fix_set(okr, findings, *, context=None, settings=None):
        calls.append((okr.objective, context))
        before = okr.key_results[0]
        after = parse_kr_text("Raise CSAT from 82% to 90% by end of Q3", id=before.id)
        remaining = [Finding(rule="baseline-invented", severity=Severity.warning, message="Baseline 82 is not in the context.",
                             hint="h", kr=before.id)]
        fixed = [f for f in findings if f.kr == before.id and f.rule != "baseline-invented"]
        return [suggester.repair.Fix(before=before, after=after, fixed=fixed, remaining=remaining)]

    monkeypatch.setattr(suggester.repair, "fix_set", fake_fix_set)
    result = run(str(DATA / "team_okrs.md"), "--fix")
    assert result.exit_code == 1  # the file itself still has its errors
    assert [objective for objective, _ in calls] == ["Make onboarding effortless for new teams"]
    assert calls[0][1].startswith("We closed EUR 0.4M")  # the document's context goes to the repair
    out = result.output
    assert "Suggested rewrites" in out and "→ Raise CSAT from 82% to 90% by end of Q3" in out
    assert "baseline-invented" in out.split("Suggested rewrites")[1]
    payload = json.loads(run(str(DATA / "team_okrs.md"), "--fix", "--format", "json").output)
    assert payload["fixes"][0]["after"]["target"] == 90 and payload["reports"][0]["errors"] == 1


def test_fix_uses_the_model_named_on_the_command_line(monkeypatch):
    import suggester.repair

    models = []

    def fake_fix_set(okr, findings, *, context=None, settings=None):
        models.append(settings.model)
        return []

    monkeypatch.setattr(suggester.repair, "fix_set", fake_fix_set)
    monkeypatch.setenv("OKR_MODEL", "openai/from-the-environment")
    run(str(DATA / "team_okrs.md"), "--fix", "--model", "anthropic/claude-3-5-haiku-20241022")
    run(str(DATA / "team_okrs.md"), "--fix")
    assert models == ["anthropic/claude-3-5-haiku-20241022", "openai/from-the-environment"]


def test_model_without_fix_is_refused_and_an_unknown_model_is_one_line():
    result = run(str(DATA / "team_okrs.md"), "--model", "openai/gpt-4o-mini")
    assert result.exit_code == 2 and "--model only applies with --fix" in result.output
    result = run(str(DATA / "team_okrs.md"), "--fix", "--model", "nosuchprovider/x")
    assert result.exit_code == 2 and "--fix: unknown model 'nosuchprovider/x'" in result.output
    assert "Traceback" not in result.output


def test_fix_reports_model_failures_cleanly(monkeypatch):
    import suggester.repair
    from suggester.errors import MissingCredentials

    def broken(*args, **kwargs):
        raise MissingCredentials("no API key for openai/gpt-4o-mini")

    monkeypatch.setattr(suggester.repair, "fix_set", broken)
    result = run(str(DATA / "team_okrs.md"), "--fix")
    assert result.exit_code == 2 and "no API key" in result.output and "Traceback" not in result.output


def test_the_okr_script_starts_light_for_help_and_check():
    """The installed console script in a new process, as a user runs it (CliRunner would inherit our imports)."""
    okr = Path(sys.executable).with_name("okr")
    probe = (
        "import runpy, sys\n"
        "sys.argv = [{script!r}, *{args!r}]\n"
        "try:\n"
        "    runpy.run_path({script!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    loaded = {{'pydantic', 'rich', 'yaml', 'torch', 'litellm', 'numpy'}} & set(sys.modules)\n"
        "    print(exit.code, sorted(loaded), file=sys.stderr)\n"
    )
    for args, code, loaded in (
        (["--help"], "0", "[]"),
        (["check", str(DATA / "team_okrs.md")], "1", "['pydantic']"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe.format(script=str(okr), args=args)],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.stderr.strip().splitlines()[-1] == f"{code} {loaded}", done.stderr
        assert ("Commands:" if args == ["--help"] else "1 error") in done.stdout
