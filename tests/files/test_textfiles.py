"""Config, script and doc files: the legacy endpoint path reported (RSP004) and rewritten."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.rules.legacy_base_url import rewrite_legacy_urls_in_text
from migrator.settings import Settings
from migrator.files.text_files import TextFileError, decode, is_discovered, migrate_text

LEGACY = "https://dashscope-intl.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"
NEW = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"BASE_URL={LEGACY}\n", f"BASE_URL={NEW}\n"),
        (f'base_url: "{LEGACY}/"', f'base_url: "{NEW}/"'),
        (f"curl -X POST {LEGACY}/responses \\", f"curl -X POST {NEW}/responses \\"),
        (f"See {LEGACY}.", f"See {NEW}."),
        (f"`{LEGACY}/conversations`", f"`{NEW}/conversations`"),
        (
            "const u = `https://${HOST}/api/v2/apps/protocols/compatible-mode/v1`;",
            "const u = `https://${HOST}/compatible-mode/v1`;",
        ),
        ("http://localhost:8080/api/v2/apps/protocols/compatible-mode/v1", "http://localhost:8080/compatible-mode/v1"),
    ],
)
def test_rewrites_the_path_and_keeps_host_and_suffix(text, expected):
    assert rewrite_legacy_urls_in_text(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://dashscope.aliyuncs.com/api/v2/apps/agent/APP_ID/compatible-mode/v1/responses",
        "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v10",
        "/api/v2/apps/protocols/compatible-mode/v1",  # a path alone: not a full URL
        "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode",
        "ftp://host/api/v2/apps/protocols/compatible-mode/v1",
    ],
)
def test_leaves_other_paths_alone(text):
    assert rewrite_legacy_urls_in_text(text) == (text, [])


def test_positions_are_lines_and_columns_of_each_url():
    text = f"a\r\nx = {LEGACY} and {LEGACY}\n\ny: é{LEGACY}\n"
    new_text, changes = rewrite_legacy_urls_in_text(text)
    assert [(line, column) for line, column, _, _ in changes] == [(2, 5), (2, 5 + len(LEGACY) + 5), (4, 5)]
    assert all(old == LEGACY and new == NEW for _, _, old, new in changes)
    assert new_text == text.replace(LEGACY, NEW)


def test_decode_keeps_every_byte():
    assert decode(b"a\r\nb") == ("a\r\nb", "utf-8")
    assert decode(codecs.BOM_UTF8 + b"x") == ("x", "utf-8-sig")
    assert decode(b"caf\xe9") == ("café", "latin-1")
    assert decode(codecs.BOM_UTF16_BE + "x".encode("utf-16-be"))[1] == "utf-16-be"
    with pytest.raises(TextFileError, match="not a text file"):
        decode(b"\0\1")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1"])
def test_rewrite_round_trips_the_encoding(encoding):
    text = f"# é\r\nURL={LEGACY}\r\n"
    _, _, result, new_raw = migrate_text(text.encode(encoding), Settings())
    assert new_raw == text.replace(LEGACY, NEW).encode(encoding)
    assert [(f.line, f.column, f.code, f.fixable) for f in result.findings] == [(2, 5, "RSP004", True)]


def test_the_rule_can_be_switched_off():
    _, _, result, new_raw = migrate_text(LEGACY.encode(), Settings(ignore=frozenset({"RSP004"})))
    assert new_raw is None and not result.parsed


def test_which_files_are_looked_for():
    found = [".env", ".env.local", "prod.env", "config.yaml", "a.yml", "package.json", "pyproject.toml", "setup.cfg"]
    found += ["tox.ini", "app.js", "app.ts", "a.mjs", "a.cjs", "run.sh", "Dockerfile", "Dockerfile.dev", "README.md"]
    assert all(is_discovered(name) for name in found)
    assert not any(is_discovered(name) for name in ["notes.txt", "image.png", "a.py", "Makefile", "env"])


# --- through the command line --------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = {
        ".env": f"DASHSCOPE_BASE_URL={LEGACY}\n",
        "deploy/values.yaml": f"env:\n  - name: BASE\n    value: '{LEGACY}'\n",
        "web/client.ts": f'const client = new OpenAI({{ baseURL: "{LEGACY}" }});\n',
        "Dockerfile": f"FROM python:3.12\nENV BASE_URL={LEGACY}\n",
        "docs/README.md": "Call `https://dashscope.aliyuncs.com/api/v2/apps/agent/ID/completion`.\n",
        "notes.txt": f"{LEGACY}\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return files


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_reports_each_url_where_it_is(tree):
    result = run("check", "--jobs", "1", ".")
    assert result.exit_code == 1
    lines = [line.split(": RSP004")[0] for line in result.stdout.splitlines()]
    assert lines == [".env:1:20", "Dockerfile:2:14", "deploy/values.yaml:3:13", "web/client.ts:1:39"]
    assert "5 files checked (1 skipped by the prefilter)" in result.stderr  # README.md: only the agent path


def test_apply_rewrites_them_and_a_named_txt_file_too(tree):
    result = run("apply", ".", "notes.txt")
    assert result.exit_code == 0, result.output
    for name, text in tree.items():
        expected = text if name == "docs/README.md" else text.replace(LEGACY, NEW)
        assert Path(name).read_text() == expected, name


def test_diff_of_a_text_file(tree):
    result = run("diff", "Dockerfile")
    assert result.stdout == (
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM python:3.12\n"
        f"-ENV BASE_URL={LEGACY}\n+ENV BASE_URL={NEW}\n"
    )


def test_select_without_rsp004_skips_text_files(tree):
    result = run("check", "--select", "RSP001", ".")
    assert result.exit_code == 0 and "5 files checked (5 skipped by the prefilter)" in result.stderr
