"""`check --format text|json|github|sarif`, `--output`, `--exit-zero`.

Each format's output for one sample project is a golden file under tests/data/ (regenerate with
MIGRATOR_UPDATE_GOLDEN=1 and read the diff). The SARIF golden leaves out the rule metadata,
which is the registry's (checked against it here instead), and the whole log is validated
against the official SARIF 2.1.0 JSON schema shipped in tests/data/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.findings import Finding, Severity
from migrator.output.formats import github_annotation, github_error
from migrator.rules import all_rules

DATA = Path(__file__).resolve().parents[1] / "data"
UPDATE = os.environ.get("MIGRATOR_UPDATE_GOLDEN") == "1"

CLIENT = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
"""
SAMPLE = {
    # an error `apply` fixes
    "app/legacy.py": 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n',
    # a warning for a human: `stop` has no Responses equivalent
    "app/stop.py": CLIENT
    + 'completion = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}], '
    'stop=["\\n"])\nprint(completion.choices[0].message.content)\n',
    # nothing to report (the prefilter skips it)
    "app/plain.py": "x = 1\n",
    # a file that cannot be processed
    "app/broken.py": "import openai\ndef f(:\n    client.chat.completions.create()\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, text in SAMPLE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def check(*args):
    return CliRunner().invoke(main, ["check", "--no-color", *args], catch_exceptions=False)


def golden(name: str, text: str) -> str:
    path = DATA / name
    if UPDATE:
        path.write_text(text)
    return path.read_text()


def sarif_schema() -> dict:
    return json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("format_", ["text", "json", "github"])
def test_format_matches_golden(project, format_):
    result = check("--format", format_, "app")
    assert result.exit_code == 2  # broken.py
    assert result.stdout == golden(f"check.{format_}", result.stdout)


def test_sarif_matches_golden_and_the_official_schema(project):
    result = check("--format", "sarif", "app")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    jsonschema.validate(log, sarif_schema())
    driver = log["runs"][0]["tool"]["driver"]
    rules = driver.pop("rules")
    assert [(r["id"], r["name"], r["shortDescription"]["text"]) for r in rules] == [
        (rule.code, rule.slug, rule.summary) for rule in all_rules()
    ]
    assert all(r["help"]["text"] == rule.doc() and r["fullDescription"]["text"] for r, rule in zip(rules, all_rules()))
    text = json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    assert text == golden("check.sarif.json", text)
    # Each result points at its rule.
    for res in log["runs"][0]["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_sarif_levels_and_a_clean_run_validate(project):
    (project / "app/broken.py").unlink()
    (project / "app/info.py").write_text(
        CLIENT + 'c = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}])\n'
        "print(c.choices[0].message.content)\n"
    )
    log = json.loads(check("--format", "sarif", "app").stdout)
    jsonschema.validate(log, sarif_schema())
    assert {r["level"] for r in log["runs"][0]["results"]} == {"error", "warning", "note"}
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    (project / "clean.py").write_text("x = 1\n")
    clean = json.loads(check("--format", "sarif", "clean.py").stdout)
    jsonschema.validate(clean, sarif_schema())
    assert clean["runs"][0]["results"] == []


def test_the_schema_is_the_official_one():
    schema = sarif_schema()
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    # It does reject what is not SARIF.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, schema)


def test_github_severities_and_escaping():
    def line(severity, fixable=False, path="a.py", message="m"):
        return github_annotation(path, Finding(3, 7, "RSP007", message, severity, fixable))

    assert (
        line(Severity.ERROR, True) == "::error file=a.py,line=3,col=7,title=RSP007::m (fixable with `migrator apply`)\n"
    )
    assert line(Severity.WARNING).startswith("::warning file=a.py,line=3,col=7,title=RSP007::m")
    assert line(Severity.INFO).startswith("::notice ")
    # Property values escape `,` and `:`; every value escapes %, CR and LF.
    assert line(Severity.WARNING, path="dir,x/a:b.py", message="50% a\nb") == (
        "::warning file=dir%2Cx/a%3Ab.py,line=3,col=7,title=RSP007::50%25 a%0Ab\n"
    )
    assert github_error("b.py", "line 1: bad") == "::error file=b.py,title=migrator::line 1: bad\n"


def test_output_writes_the_report_to_a_file(project):
    result = check("--format", "json", "--output", "out/report.json", "app/legacy.py")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((project / "out/report.json").read_text())["findings"][0]["code"] == "RSP004"
    assert "1 file checked" in result.stderr  # the summary still goes to stderr
    text = check("-o", "report.txt", "app/legacy.py")
    assert text.stdout == "" and (project / "report.txt").read_text().startswith("app/legacy.py:1:8: RSP004 [*]")


def test_output_to_an_unwritable_place_is_a_usage_error(project):
    result = check("--output", "app", "app/legacy.py")  # a directory
    assert result.exit_code == 2 and "cannot write --output" in result.stderr


def test_exit_zero_but_still_2_on_failures(project):
    assert check("app/legacy.py").exit_code == 1
    assert check("--exit-zero", "app/legacy.py").exit_code == 0
    assert check("--exit-zero", "app").exit_code == 2


# --- pre-commit --------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_pre_commit_manifest_is_valid():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = {hook["id"]: hook for hook in clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"migrator-check", "migrator-apply"}
    assert hooks["migrator-check"]["entry"] == "migrator check"
    assert hooks["migrator-apply"]["entry"] == "migrator apply"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types_or"] == ["python", "jupyter"]
        # The staged files as arguments, every one to a single process, as ruff's hooks: split
        # over several, each would pay the start-up and miss clients made in another's files.
        assert hook["pass_filenames"] is True and hook["require_serial"] is True
        assert not hook["always_run"] and hook["files"] == ""


@pytest.mark.timeout(600)
def test_pre_commit_try_repo_runs_both_hooks(tmp_path):
    """The real thing: pre-commit installs this repository into its own environment and runs
    the hooks on a staged file (needs git, and pip able to install the dependencies)."""
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = _hook_repository(tmp_path / "migrator-repo")
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "x.py").write_text(SAMPLE["app/legacy.py"])
    _git(work, "add", "x.py")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}

    def try_repo(hook: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(repo),
            hook,
            "--files",
            "x.py",
            "--color",
            "never",
        ]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)

    checked = try_repo("migrator-check")
    if "An error has occurred" in checked.stdout + checked.stderr and "migrator check..." not in checked.stdout:
        pytest.skip(
            "pre-commit could not build the hook environment:\n" + checked.stdout[-2000:] + checked.stderr[-2000:]
        )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "migrator check" in checked.stdout and "Failed" in checked.stdout
    assert "x.py:1:8: RSP004 [*] legacy DashScope path" in checked.stdout
    applied = try_repo("migrator-apply")
    assert "files were modified by this hook" in applied.stdout, applied.stdout + applied.stderr
    assert (work / "x.py").read_text() == 'BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"\n'
    _git(work, "add", "x.py")
    again = try_repo("migrator-check")
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout + again.stderr


def _hook_repository(target: Path) -> Path:
    """A git repository holding this project's working tree as it is now (try-repo on the real
    checkout would leave out files not yet committed)."""
    shutil.copytree(ROOT / "migrator", target / "migrator", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "hooks")
    return target


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize(
    "line",
    [
        "fixed: src/app.py",
        "src/app.py:12:5: RSP001 " + "a long message that runs past any terminal width, " * 4,
        "ünïcödé/路径.py:1:1: RSP013 `max_tokens=10` → `max_output_tokens` [*]",
        "  leading and trailing spaces  ",
        "[bold]not markup[/bold] :smile: http://example.com 123",
    ],
)
def test_uncoloured_lines_are_what_rich_would_print(line, monkeypatch):
    import io

    from rich.console import Console
    from rich.text import Text

    from migrator.output import Report, make_console

    by_rich, direct = io.StringIO(), io.StringIO()
    make_console(by_rich, color=False).print(Text(line), markup=False, highlight=False, emoji=False, soft_wrap=True)
    monkeypatch.setattr(Console, "print", None)  # written straight to the stream, not rendered by rich
    Report._line(make_console(direct, color=False), Text(line))
    assert direct.getvalue() == by_rich.getvalue() == line + "\n"


@pytest.mark.parametrize(
    "finding, printed",
    [
        (
            Finding(3, 5, "RSP001", "message [red]kept[/red]", Severity.ERROR, True),
            "\x1b[1ma.py\x1b[0m:3:5: \x1b[1;31mRSP001\x1b[0m\x1b[32m [*]\x1b[0m message [red]kept[/red]\n",
        ),
        (
            Finding(1, 1, "RSP003", "a note", Severity.INFO, False),
            "\x1b[1ma.py\x1b[0m:1:1: \x1b[1;36mRSP003\x1b[0m\x1b[36m note:\x1b[0m a note\n",
        ),
    ],
)
def test_a_finding_in_color_keeps_the_style_of_each_part(finding, printed):
    """Findings are put together without rich (`Line`), which renders them only in color: the
    path bold, the code red (blue for a note), `[*]` green, the message as it is."""
    import io

    from migrator.output import Report, make_console
    from migrator.output.console import format_finding

    out = io.StringIO()
    Report._line(make_console(out, color=True), format_finding("a.py", finding))
    assert out.getvalue() == printed
