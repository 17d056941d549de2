"""Clients exported by one module of a project and used in another."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.project import ProjectIndex, absolute_name, module_name

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
