"""`[tool.migrator]` in pyproject.toml: where it is found, what it sets, and that the command line wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator import config
from migrator.cli import main
from migrator.engine import migrate_source
from migrator.settings import Settings

LEGACY = 'BASE = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"\n'
CHAT = """\
import os
from openai import OpenAI
client = OpenAI(api_key=os.getenv("KEY"), base_url="{url}")
completion = client.chat.completions.create(model="qwen-plus", messages=[{{"role": "user", "content": "Hi"}}])
print(completion.choices[0].message.content)
"""
DASHSCOPE_CHAT = CHAT.format(url="https://dashscope.aliyuncs.com/compatible-mode/v1")
GATEWAY_CHAT = CHAT.format(url="https://llm-gateway.corp.example/v1")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, list(args), input=input)

    return invoke


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def pyproject(folder: Path, body: str) -> None:
    write(folder / "pyproject.toml", body)


# --- discovery ---------------------------------------------------------------------------------


def test_found_by_walking_up_from_the_first_path(run, tmp_path):
    pyproject(tmp_path / "proj", '[tool.migrator]\nignore = ["RSP004"]\n')
    # A pyproject.toml without [tool.migrator] on the way is passed over, as ruff does.
    pyproject(tmp_path / "proj/pkg", '[project]\nname = "pkg"\n')
    write(tmp_path / "proj/pkg/sub/a.py", LEGACY)
    assert run("check", "proj/pkg/sub/a.py").exit_code == 0
    assert run("check", "proj/pkg").exit_code == 0
    write(tmp_path / "elsewhere/a.py", LEGACY)
    assert run("check", "elsewhere/a.py").exit_code == 1  # no configuration above it


def test_stdin_uses_the_current_directory(run, tmp_path):
    pyproject(tmp_path, '[tool.migrator]\nignore = ["RSP004"]\n')
    assert run("check", "-", input=LEGACY).exit_code == 0


def test_find_returns_the_nearest_table(tmp_path):
    pyproject(tmp_path, "[tool.migrator]\nunsafe-fixes = true\n")
    pyproject(tmp_path / "a", '[tool.migrator]\nthinking-effort = "low"\n')
    (tmp_path / "a/b").mkdir()
    path, table = config.find(tmp_path / "a/b")
    assert path == tmp_path / "a/pyproject.toml" and table == {"thinking-effort": "low"}
    assert config.load([str(tmp_path / "a/b")]).options["thinking_effort"] == "low"


# --- what it sets, and precedence ----------------------------------------------------------------


def test_every_key_parses_to_its_option():
    options = config.parse(
        {
            "select": ["rsp001", "RSP002"],
            "ignore": ["RSP021"],
            "exclude": ["vendor"],
            "extend-exclude": ["generated"],
            "thinking-effort": "high",
            "preserve-nonthinking": True,
            "history-chains": False,
            "session-cache": True,
            "unsafe-fixes": True,
            "extra-models": ["qwen-custom"],
            "providers": {"LLM.corp.example": "dashscope"},
            "base-urls": {"$LLM_BASE_URL": "dashscope", "settings": {"LLM_BASE_URL": "https://api.openai.com/v1"}},
            "models": {"$LLM_MODEL": ["qwen-plus", "qwen3-max"], "*": "qwen-plus"},
            "line-length": 100,
        }
    )
    assert options == {
        "select": frozenset({"RSP001", "RSP002"}),
        "ignore": frozenset({"RSP021"}),
        "exclude": ("vendor",),
        "extend_exclude": ("generated",),
        "thinking_effort": "high",
        "preserve_nonthinking": True,
        "history_chains": False,
        "session_cache": True,
        "unsafe_fixes": True,
        "extra_models": ("qwen-custom",),
        "provider_overrides": (("llm.corp.example", "dashscope"),),
        # (`settings.LLM_BASE_URL = ...` unquoted is a nested table to TOML: read as the dotted key)
        "declared_base_urls": (("$LLM_BASE_URL", "dashscope"), ("settings.LLM_BASE_URL", "https://api.openai.com/v1")),
        "declared_models": (("$LLM_MODEL", ("qwen-plus", "qwen3-max")), ("*", ("qwen-plus",))),
        "line_length": 100,
    }
    # Every key is a Settings field or an option of the CLI.
    fields = set(Settings.__dataclass_fields__) | {"exclude", "extend_exclude"}
    assert {name for name, _ in config.KEYS.values()} <= fields


def test_the_command_line_overrides_the_file(run, tmp_path):
    pyproject(tmp_path, '[tool.migrator]\nignore = ["RSP004"]\npreserve-nonthinking = true\n')
    write(tmp_path / "a.py", LEGACY)
    write(tmp_path / "chat.py", DASHSCOPE_CHAT)
    assert run("check", "a.py").exit_code == 0  # the file ignores RSP004
    assert run("check", "--ignore", "RSP007", "a.py").exit_code == 1  # --ignore replaces it
    # A flag set in the file holds unless the command line says otherwise.
    assert 'reasoning={"effort": "none"}' in run("diff", "chat.py").stdout
    assert "reasoning=" not in run("diff", "--no-preserve-nonthinking", "chat.py").stdout


def test_thinking_effort_from_the_file_and_from_the_command_line(run, tmp_path):
    pyproject(tmp_path, '[tool.migrator]\nthinking-effort = "high"\n')
    write(tmp_path / "t.py", DASHSCOPE_CHAT.replace("}])", '}], extra_body={"enable_thinking": True})'))
    assert 'reasoning={"effort": "high"}' in run("diff", "t.py").stdout
    assert 'reasoning={"effort": "low"}' in run("diff", "--thinking-effort", "low", "t.py").stdout


def test_exclude_and_extend_exclude(run, tmp_path):
    pyproject(tmp_path, '[tool.migrator]\nexclude = ["vendor"]\nextend-exclude = ["generated"]\n')
    for name in ("app.py", "vendor/v.py", "generated/g.py"):
        write(tmp_path / name, LEGACY)
    assert [line.split(":")[0] for line in run("check", ".").stdout.splitlines()] == ["app.py"]
    # --exclude replaces `exclude`; `extend-exclude` still applies.
    shown = {line.split(":")[0] for line in run("check", "--exclude", "nothing", ".").stdout.splitlines()}
    assert shown == {"app.py", str(Path("vendor/v.py"))}


def test_provider_overrides_make_a_gateway_migratable(run, tmp_path):
    write(tmp_path / "g.py", GATEWAY_CHAT)
    assert "responses.create" not in run("diff", "g.py").stdout  # another provider: left alone
    pyproject(tmp_path, '[tool.migrator.providers]\n"llm-gateway.corp.example" = "dashscope"\n')
    assert "+completion = client.responses.create(" in run("diff", "g.py").stdout


def test_provider_override_patterns_in_settings():
    settings = Settings(provider_overrides=(("*.corp.example", "openai"),))
    result = migrate_source(GATEWAY_CHAT, settings)
    assert "client.responses.create(" in result.new_source
    assert "client.responses.create(" not in migrate_source(GATEWAY_CHAT, Settings()).new_source
    # An override can also keep a known host out.
    other = Settings(provider_overrides=(("dashscope.aliyuncs.com", "other"),))
    assert migrate_source(DASHSCOPE_CHAT, other).new_source == DASHSCOPE_CHAT


ENV_CHAT = CHAT.replace('"{url}"', 'os.getenv("LLM_BASE_URL")').format()


def test_base_url_declarations_make_an_unknown_endpoint_migratable(run, tmp_path):
    write(tmp_path / "e.py", ENV_CHAT)
    result = run("check", "e.py")
    assert "responses.create" not in run("diff", "e.py").stdout
    # The finding names the declaration to add, ready to paste.
    assert '[tool.migrator.base-urls] "$LLM_BASE_URL" = "dashscope"' in result.stdout
    pyproject(tmp_path, '[tool.migrator.base-urls]\n"$LLM_BASE_URL" = "dashscope"\n')
    diff = run("diff", "e.py")
    assert "+completion = client.responses.create(" in diff.stdout
    assert 'rewritten on a declaration: base_url `os.getenv("LLM_BASE_URL")`' in run("check", "e.py").stdout


def test_declarations_reach_clients_other_modules_export(run, tmp_path):
    """The project index (built before the files are migrated) reads the declarations too."""
    write(tmp_path / "shop/__init__.py", "")
    write(
        tmp_path / "shop/clients.py",
        'import os\nfrom openai import OpenAI\nclient = OpenAI(base_url=os.environ["LLM_BASE_URL"])\n',
    )
    write(
        tmp_path / "shop/use.py",
        "from shop.clients import client\n"
        'r = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}])\n'
        "print(r.choices[0].message.content)\n",
    )
    assert "responses.create" not in run("diff", "shop").stdout
    pyproject(tmp_path, '[tool.migrator.base-urls]\n"$LLM_BASE_URL" = "dashscope"\n')
    assert "+r = client.responses.create(" in run("diff", "shop").stdout


def test_model_declarations(run, tmp_path):
    write(tmp_path / "m.py", DASHSCOPE_CHAT.replace('model="qwen-plus"', 'model=os.getenv("LLM_MODEL")'))
    assert '[tool.migrator.models] "$LLM_MODEL" = ["<model>", ...]' in run("check", "m.py").stdout
    pyproject(tmp_path, '[tool.migrator.models]\n"$LLM_MODEL" = ["qwen-plus"]\n')
    assert "+completion = client.responses.create(" in run("diff", "m.py").stdout
    # A declared model is still checked against the models DashScope's Responses API supports.
    pyproject(tmp_path, '[tool.migrator.models]\n"$LLM_MODEL" = ["qwen-plus", "qwen-mt-plus"]\n')
    result = run("check", "m.py")
    assert (
        "the model 'qwen-mt-plus' (as declared in [tool.migrator.models] \"$LLM_MODEL\") is not documented"
        in result.stdout
    )


def test_line_length_from_black_then_from_migrator(tmp_path):
    pyproject(tmp_path, "[tool.black]\nline-length = 100\n")
    assert config.load([str(tmp_path)]).options["line_length"] == 100
    pyproject(tmp_path, "[tool.black]\nline-length = 100\n[tool.migrator]\nline-length = 79\n")
    assert config.load([str(tmp_path)]).options["line_length"] == 79


def _blacks_own_line_length(start: Path) -> object:
    """What the code before black was left unimported read: black's own search and reading."""
    import black
    import black.files

    for cached in ("find_user_pyproject_toml", "_find_project_root_cached", "_load_toml", "_cached_resolve"):
        getattr(black.files, cached).cache_clear()  # (black reads its configuration once a process)
    try:
        found = black.find_pyproject_toml((str(start),))
        return black.parse_pyproject_toml(found).get("line_length") if found else None
    except (OSError, ValueError):
        return None


BLACK_LAYOUTS = {
    "nothing": {},
    "here": {"pyproject.toml": "[tool.black]\nline-length = 100\n"},
    "dashed key": {"pyproject.toml": "[tool.black]\n'--line-length' = 101\n"},
    "underscored key": {"pyproject.toml": "[tool.black]\nline_length = 102\n"},
    "no black table: the root is above": {
        "pyproject.toml": "[tool.black]\nline-length = 103\n",
        "src/pyproject.toml": "[project]\nname = 'x'\n",
    },
    "no black table at the root": {
        ".git/HEAD": "",
        "pyproject.toml": "[project]\nname = 'x'\n",
        "src/pyproject.toml": "[tool.migrator]\n",
    },
    "a .git folder stops the search": {"pyproject.toml": "[tool.black]\nline-length = 104\n", "src/.git/HEAD": ""},
    "a .git file too (a worktree)": {"pyproject.toml": "[tool.black]\nline-length = 105\n", "src/.git": "gitdir: x"},
    "a .hg folder": {"pyproject.toml": "[tool.black]\nline-length = 106\n", "src/.hg/x": ""},
    "a .hg file does not": {"pyproject.toml": "[tool.black]\nline-length = 107\n", "src/.hg": ""},
    "the root's pyproject without a line length": {".git/HEAD": "", "pyproject.toml": "[tool.black]\nfast = true\n"},
    "nearest black table wins": {
        "pyproject.toml": "[tool.black]\nline-length = 108\n",
        "src/pyproject.toml": "[tool.black]\nline-length = 109\n",
    },
    "broken TOML on the way": {"pyproject.toml": "[tool.black]\nline-length = 110\n", "src/pyproject.toml": "[x"},
    "broken TOML at the root": {".git/HEAD": "", "pyproject.toml": "[tool.black\nline-length = 111\n"},
    "user configuration": {".git/HEAD": "", "home/black": "[tool.black]\nline-length = 112\n"},
    "project over user configuration": {
        ".git/HEAD": "",
        "pyproject.toml": "[tool.black]\nline-length = 113\n",
        "home/black": "[tool.black]\nline-length = 114\n",
    },
}


@pytest.mark.parametrize("layout", BLACK_LAYOUTS, ids=str)
@pytest.mark.parametrize("start", ["src", "src/a.py", "src/missing.py"])
def test_blacks_line_length_is_found_as_black_finds_it(tmp_path, monkeypatch, layout, start):
    """`config.black_line_length` reads black's configuration without importing black: the same
    answer as black's own search, for each way black decides where a project's root is."""
    root = tmp_path / "repo"
    write(root / "src" / "a.py", "x = 1\n")
    for name, text in BLACK_LAYOUTS[layout].items():
        write(root / name, text)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "home"))
    monkeypatch.chdir(root / "src")  # a start path that does not exist: black searches from here
    expected = _blacks_own_line_length(root / start if (root / start).exists() else root / "src")
    assert config.black_line_length([str(root / start)]) == expected
    assert expected == EXPECTED_LINE_LENGTH[layout]  # (the layout is what its name says)


EXPECTED_LINE_LENGTH = {
    "nothing": None,
    "here": 100,
    "dashed key": 101,
    "underscored key": 102,
    "no black table: the root is above": 103,
    "no black table at the root": None,
    "a .git folder stops the search": None,
    "a .git file too (a worktree)": None,
    "a .hg folder": None,
    "a .hg file does not": 107,
    "the root's pyproject without a line length": None,
    "nearest black table wins": 109,
    "broken TOML on the way": None,
    "broken TOML at the root": None,
    "user configuration": 112,
    "project over user configuration": 113,
}


# --- errors ----------------------------------------------------------------------------------------


def test_unknown_key_is_a_usage_error_naming_it(run, tmp_path):
    pyproject(tmp_path, '[tool.migrator]\nselect = ["RSP004"]\nline_lenght = 3\n')
    write(tmp_path / "a.py", LEGACY)
    result = run("check", "a.py")
    assert result.exit_code == 2
    assert "unknown key `line_lenght` in [tool.migrator]" in result.stderr
    assert str(tmp_path / "pyproject.toml") in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('select = "RSP004"', "`select` must be a list of strings"),
        ('ignore = ["RSP999"]', "`ignore`: unknown rule code RSP999"),
        ('thinking-effort = "huge"', "`thinking-effort` must be one of"),
        ("unsafe-fixes = 1", "`unsafe-fixes` must be true or false"),
        ("line-length = 0", "`line-length` must be a positive integer"),
        ('providers = {"a.example" = "azure"}', "`providers.a.example` must be one of dashscope, openai, other"),
        ('base-urls = "dashscope"', "`base-urls` must be a table of `$VARIABLE`, dotted name or `*` = value"),
        (
            'base-urls = {"$LLM_BASE_URL" = "azure"}',
            "`base-urls.$LLM_BASE_URL` must be one of dashscope, openai, other, or a URL (https://...)",
        ),
        ('base-urls = {"$X" = "dashscope.aliyuncs.com"}', "`base-urls.$X` must be one of dashscope, openai, other"),
        ('base-urls = {"os.getenv(X)" = "dashscope"}', "`base-urls.os.getenv(X)`: a key must be `$VARIABLE`"),
        ('base-urls = {"$LLM-URL" = "dashscope"}', "`base-urls.$LLM-URL`: a key must be `$VARIABLE`"),
        ('models = {"$LLM_MODEL" = 3}', "`models.$LLM_MODEL` must be a model name or a list of model names"),
        ('models = {"*" = []}', "`models.*` must be a model name or a list of model names"),
        ("select = [", "cannot be read as TOML"),
    ],
)
def test_bad_values_are_usage_errors(run, tmp_path, body, message):
    pyproject(tmp_path, f"[tool.migrator]\n{body}\n")
    write(tmp_path / "a.py", LEGACY)
    result = run("check", "a.py")
    assert result.exit_code == 2 and message in result.stderr, result.stderr
