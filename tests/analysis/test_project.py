"""Clients exported by one module of a project and used in another."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.analysis import ProjectIndex, absolute_name, module_name

CLIENTS = """\
import os

from openai import OpenAI
from groq import Groq

client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
deepseek = OpenAI(base_url="https://api.deepseek.com")
lookalike = Groq()


def get_client() -> OpenAI:
    return client
"""

USE = """\
from . import clients
from .clients import client, deepseek, get_client, lookalike
import shop.clients as aliased


def a():
    return client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "a"}]).choices[0].message.content


def b():
    return get_client().chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "b"}]).choices[0].message.content


def c():
    return clients.client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "c"}]).choices[0].message.content


def d():
    return aliased.get_client().chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "d"}]).choices[0].message.content


def e():
    return deepseek.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "e"}]).choices[0].message.content


def f():
    return lookalike.chat.completions.create(model="llama", messages=[{"role": "user", "content": "f"}]).choices[0].message.content
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, ProjectIndex]:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "clients.py").write_text(CLIENTS)
    (package / "use.py").write_text(USE)
    files = [(path, path.read_text()) for path in package.glob("*.py")]
    return package / "use.py", ProjectIndex.build(files)


def test_imported_clients_are_followed(project):
    use, index = project
    result = migrate_source(use.read_text(), filename=str(use), project=index)
    assert result.new_source.count("responses.create(") == 4
    assert result.new_source.count(".output_text") == 4
    assert "deepseek.chat.completions.create" in result.new_source  # another provider stays
    assert "lookalike.chat.completions.create" in result.new_source  # another SDK stays
    assert any("not on OpenAI or DashScope" in f.message for f in result.findings)


def test_without_the_index_nothing_is_guessed(project):
    use, _ = project
    result = migrate_source(use.read_text(), filename=str(use))
    assert not result.changed


def test_module_names(tmp_path: Path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    assert module_name(tmp_path / "pkg" / "sub" / "mod.py") == "pkg.sub.mod"
    assert module_name(tmp_path / "pkg" / "sub" / "__init__.py") == "pkg.sub"
    assert module_name(tmp_path / "script.py") == "script"


@pytest.mark.parametrize(
    ("name", "module", "is_package", "expected"),
    [
        (".clients.client", "shop.use", False, "shop.clients.client"),
        ("..clients.client", "shop.sub.use", False, "shop.clients.client"),
        (".client", "shop", True, "shop.client"),
        ("shop.clients.client", "anything", False, "shop.clients.client"),
        ("...too.far", "shop.use", False, None),
    ],
)
def test_relative_names(name, module, is_package, expected):
    assert absolute_name(name, module, is_package) == expected


# -- the command line builds the index -------------------------------------------------------------

SUPPORT = """\
from .llm import client


def answer(question: str):
    completion = client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": question}])
    return completion.choices[0].message.content
"""

LLM = """\
import os

from openai import OpenAI

client = OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch) -> Path:
    """A package whose `llm` module makes the client and whose other modules import it."""
    monkeypatch.chdir(tmp_path)
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "llm.py").write_text(LLM)
    (package / "support.py").write_text(SUPPORT)
    # imports openai for its errors, and the client from the project
    (package / "billing.py").write_text(
        "from openai import APIError\n\n" + SUPPORT.replace("from .llm", "from shop.llm")
    )
    # names an `llm` too, but another one: its calls are not the project's client
    (package / "lookalike.py").write_text(SUPPORT.replace("from .llm import client", "from groq_llm import client"))
    return package


def cli(*args):
    from click.testing import CliRunner

    from migrator.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_the_cli_follows_a_client_another_module_makes(shop: Path):
    result = cli("apply", "--jobs", "1", shop)
    assert "client.responses.create(" in (shop / "support.py").read_text()
    assert "client.responses.create(" in (shop / "billing.py").read_text()
    assert (shop / "lookalike.py").read_text() == SUPPORT.replace(
        "from .llm import client", "from groq_llm import client"
    )
    assert result.exit_code == 0, result.output


def test_with_several_jobs_the_index_reaches_the_workers(shop: Path):
    for number in range(40):  # more files than one chunk (pool.CHUNK_FILES), so workers run them
        (shop / f"more_{number}.py").write_text(SUPPORT)
    cli("apply", "--jobs", "2", shop)
    assert "client.responses.create(" in (shop / "support.py").read_text()
    assert all("client.responses.create(" in (shop / f"more_{n}.py").read_text() for n in range(40))


def test_no_follow_imports_leaves_them(shop: Path):
    result = cli("check", "--no-follow-imports", shop)
    assert "support.py" not in result.output  # no `openai` in it: another SDK's, as far as a file can tell
    assert (
        "billing.py:7:18: RSP001" in result.output and "could not be shown to be an OpenAI SDK client" in result.output
    )


def test_follow_imports_can_be_turned_off_in_pyproject(shop: Path):
    (shop.parent / "pyproject.toml").write_text("[tool.migrator]\nfollow-imports = false\n")
    result = cli("check", shop)
    assert "support.py" not in result.output


def test_a_notebook_that_imports_the_client_is_migrated(shop: Path):
    import json

    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook = {
        "cells": [{**cell, "source": SUPPORT.replace("from .llm", "from shop.llm").splitlines(True)}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (shop.parent / "try.ipynb").write_text(json.dumps(notebook, indent=1))
    cli("apply", shop.parent)
    assert "client.responses.create(" in (shop.parent / "try.ipynb").read_text()


def test_two_modules_of_the_same_name_are_not_followed(tmp_path: Path, monkeypatch):
    """Two top-level `llm.py` in different folders: which one `from llm import client` gets
    depends on how the program is started, so neither is followed."""
    monkeypatch.chdir(tmp_path)
    # The DashScope one is found last: an index that kept the last one would follow it.
    apps = (
        ("a_other_app", "https://api.deepseek.com"),
        ("b_dashscope_app", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
    )
    for folder, url in apps:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "llm.py").write_text(f'from openai import OpenAI\n\nclient = OpenAI(base_url="{url}")\n')
        (tmp_path / folder / "use.py").write_text(SUPPORT.replace("from .llm", "from llm"))
    cli("apply", tmp_path)
    for folder, _ in apps:
        assert "chat.completions.create(" in (tmp_path / folder / "use.py").read_text()


def test_a_module_name_shared_with_a_file_that_makes_no_client_is_not_followed(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("a_app", "b_app"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "use.py").write_text(SUPPORT.replace("from .llm", "from llm"))
    (tmp_path / "a_app" / "llm.py").write_text("client = None  # filled in at start-up\n")
    (tmp_path / "b_app" / "llm.py").write_text(LLM)
    cli("apply", tmp_path)
    assert "chat.completions.create(" in (tmp_path / "a_app" / "use.py").read_text()


def test_module_names_follow_packages_made_between_runs(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    assert module_name(tmp_path / "pkg" / "mod.py") == "mod"
    (tmp_path / "pkg" / "__init__.py").write_text("")
    ProjectIndex.build([])  # each index starts from what the folders are now
    assert module_name(tmp_path / "pkg" / "mod.py") == "pkg.mod"
