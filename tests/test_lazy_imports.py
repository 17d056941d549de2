"""Nothing heavy before it is needed (issue 23): LibCST, black, the rules and the analysis are
imported only once a file passes the prefilter; rich, pathspec and the process pool only when
something is printed in color, a .gitignore is read, or workers start. `import migrator.cli`,
`--help`, `--version`, `rules`, and runs over files that hold no trigger import none of them.

Each check runs migrator in a fresh interpreter (this one has imported everything long ago)
and reads that interpreter's `sys.modules` at the end of the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What parsing takes: a run whose files hold no trigger must not import any of these.
PARSING = ("libcst", "black", "migrator.rules.base", "migrator.analysis", "migrator.engine.core")
#: Imported only when needed even by runs that parse: color, .gitignore files, worker processes.
RICH, PATHSPEC, POOL = "rich", "pathspec", "concurrent.futures"

#: Runs the command line in this interpreter, then writes the names of the modules imported.
PROBE = """
import json, sys
modules = sys.argv[1]
try:
    if sys.argv[2:] == ["--import-only"]:
        import migrator.cli
    else:
        from migrator.cli import main
        main(sys.argv[2:])
except SystemExit:
    pass
finally:
    with open(modules, "w") as out:
        json.dump(sorted(sys.modules), out)
"""

PLAIN = "x = 1\n"
#: A module that makes a client others could import, and names no trigger: with nothing in the
#: run that could use that client, no module is parsed for the project index.
CLIENT_MODULE = "import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.getenv('KEY'))\n"
TO_MIGRATE = (
    "from openai import OpenAI\n\nclient = OpenAI()\n"
    'reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
    "print(reply.choices[0].message.content)\n"
)

#: A DashScope call whose rewrite gets shorter, and grows past 88 characters with
#: --preserve-nonthinking (`reasoning={"effort": "none"}` added): only then is it laid out by black.
GROWS = (
    "import os\nfrom openai import OpenAI\n"
    'client = OpenAI(api_key=os.getenv("KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")\n'
    'messages = [{"role": "user", "content": "hi"}]\n'
    'completion = client.chat.completions.create(model="qwen-plus", messages=messages, max_tokens=100)\n'
    "print(completion.choices[0].message.content)\n"
)


def imported(cwd: Path, *args: str) -> set[str]:
    """The modules a fresh interpreter has imported after `migrator ARGS` in `cwd`."""
    modules = cwd / ".modules.json"
    subprocess.run(
        [sys.executable, "-c", PROBE, str(modules), *args],
        cwd=cwd,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(modules.read_text()))


def loaded(modules: set[str], *packages: str) -> list[str]:
    """Which of `packages` (or their submodules) are among `modules`."""
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small repository with no trigger anywhere: plain modules, one that makes a client, a
    README, a .gitignore, and black's configuration (read without importing black)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "plain.py").write_text(PLAIN)
    (tmp_path / "pkg" / "util.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "pkg" / "llm.py").write_text(CLIENT_MODULE)
    (tmp_path / "README.md").write_text("# app\n\nCalls https://dashscope.aliyuncs.com/compatible-mode/v1\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    return tmp_path


def test_importing_the_cli_imports_nothing_heavy(tmp_path):
    modules = imported(tmp_path, "--import-only")
    assert loaded(modules, *PARSING, RICH, PATHSPEC, POOL) == []
    assert "click" in modules  # (the probe does see what was imported)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["rules"],
        ["check", "--help"],
        ["check", "pkg/plain.py"],
        ["check", "-q", "--exit-zero", "pkg/plain.py"],
        ["diff", "pkg/plain.py", "pkg/util.py"],
        ["apply", "pkg/plain.py"],
        ["check", "--select", "RSP001,RSP004", "pkg/plain.py"],
        ["check", "--jobs", "4", "."],  # a directory: its README and the module that makes a client too
        ["check", "--format", "json", "."],
        ["check", "--format", "github", "."],
    ],
    ids=" ".join,
)
def test_a_run_over_files_without_triggers_imports_nothing_that_parsing_takes(project, args):
    modules = imported(project, *args)
    assert loaded(modules, *PARSING) == []
    assert loaded(modules, RICH, POOL) == []  # nothing in color (not a terminal), no workers


def test_files_named_on_the_command_line_need_no_gitignore_reader(project):
    assert loaded(imported(project, "check", "pkg/plain.py", "pkg/llm.py"), PATHSPEC) == []
    assert loaded(imported(project, "check", "."), PATHSPEC) == [PATHSPEC]  # a directory: its .gitignore


def test_a_file_with_calls_to_migrate_imports_the_engine_but_no_pool(project):
    """The other side of the checks above: what passes the prefilter is parsed (so the probe
    would see LibCST if a run without triggers imported it), and a single file never starts
    workers, whatever --jobs says."""
    (project / "pkg" / "chat.py").write_text(TO_MIGRATE)
    modules = imported(project, "check", "--jobs", "4", "pkg/chat.py", "pkg/plain.py")
    assert loaded(modules, "libcst", "migrator.rules.base", "migrator.engine.core") == [
        "libcst",
        "migrator.engine.core",
        "migrator.rules.base",
    ]
    assert loaded(modules, POOL, RICH) == []


def test_the_color_output_imports_rich(project):
    assert loaded(imported(project, "rules", "--color"), RICH) == [RICH]


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "pkg/grows.py"],  # rewritten, and its lines got shorter
        ["apply", "pkg/grows.py"],
        ["check", "--preserve-nonthinking", "pkg/grows.py"],  # `check` shows no new code: nothing laid out
        ["check", "--preserve-nonthinking", "--format", "json", "--jobs", "1", "."],
    ],
    ids=" ".join,
)
def test_black_is_imported_only_for_a_statement_to_lay_out(project, args):
    """black (a tenth of a second) is imported when a rewritten statement outgrows the line
    length, not by a run that parses, and not to read `[tool.black]`'s line length (the
    project's pyproject.toml has one)."""
    (project / "pkg" / "grows.py").write_text(GROWS)
    modules = imported(project, *args)
    assert loaded(modules, "libcst", "migrator.engine.core") == ["libcst", "migrator.engine.core"]
    assert loaded(modules, "black") == []


def test_a_statement_to_lay_out_imports_black(project):
    """The other side of the test above: the same file, with a line that outgrows the length."""
    (project / "pkg" / "grows.py").write_text(GROWS)
    modules = imported(project, "diff", "--preserve-nonthinking", "pkg/grows.py")
    assert loaded(modules, "black") == ["black"]


def test_a_run_over_python_files_imports_no_notebook_code_nor_importlib_resources(project):
    """The notebook module (a score of regular expressions) only for notebooks; migrator's data
    files read through pkgutil (importlib.resources imports a score of modules, zipfile among them)."""
    (project / "pkg" / "grows.py").write_text(GROWS)
    modules = imported(project, "diff", "--preserve-nonthinking", "pkg/grows.py")
    assert loaded(modules, "migrator.analysis.providers", "black") == ["black", "migrator.analysis.providers"]
    assert loaded(modules, "migrator.files.notebooks", "importlib.resources") == []


def test_a_notebook_imports_the_notebook_code(project):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": GROWS}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (project / "pkg" / "grows.ipynb").write_text(json.dumps(notebook))
    assert loaded(imported(project, "check", "pkg/grows.ipynb"), "migrator.files.notebooks") == [
        "migrator.files.notebooks"
    ]
