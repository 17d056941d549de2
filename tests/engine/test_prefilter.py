"""The prefilter never skips a file that a rule would act on.

The property, checked over every fixture and the demo, in several encodings, with unrelated
lines inserted (hypothesis): if `migrate_source`, run WITHOUT the engine's own trigger checks,
changes the text or reports anything, then the byte-level prefilter lets the file through, and
so does the second stage that looks at Python's tree of it (`import openai`).
"""

from __future__ import annotations

import ast
import codecs
import json
from contextlib import contextmanager
from functools import cache
from unittest import mock

import pytest
from fixture_cases import FIXTURES, all_cases
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from migrator.engine import core as engine
from migrator.files import notebooks, text_files as textfiles
from migrator.engine import SourceError, migrate_source
from migrator.engine.prefilter import Prefilter, declared_encoding, imports_openai
from migrator.settings import Settings

LEGACY = "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"


def sources() -> list[tuple[str, str, Settings]]:
    cases = [(case.id, case.before.read_text(), case.settings) for case in all_cases()]
    demo = [
        (f"demo/{p.relative_to(FIXTURES / 'demo')}", p.read_text(), Settings()) for p in FIXTURES.glob("demo/**/*.py")
    ]
    return sorted(cases + demo)


SOURCES = sources()


@contextmanager
def engine_prefilter_off():
    """The engine skips files without a trigger itself; switched off, every rule sees every file."""
    with (
        mock.patch.object(engine, "could_apply", lambda *args, **kwargs: True),
        mock.patch.object(notebooks, "could_apply", lambda *args, **kwargs: True),
    ):
        yield


def acts_on(text: str, settings: Settings) -> bool:
    with engine_prefilter_off():
        try:
            result = migrate_source(text, settings)
        except SourceError:
            return False
    return result.changed or bool(result.findings)


@cache
def acted_on(index: int) -> bool:
    _, text, settings = SOURCES[index]
    return acts_on(text, settings)


def encodings(text: str) -> list[bytes]:
    """The same program as a file could hold it."""
    variants = [text.encode(), codecs.BOM_UTF8 + text.encode(), text.replace("\n", "\r\n").encode()]
    try:
        variants.append(f"# -*- coding: latin-1 -*-\n{text}".encode("latin-1"))
    except UnicodeEncodeError:
        pass
    variants.append(f"# coding: utf-7\n{text}".encode("utf-7"))
    return variants


# --- the property ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(SOURCES)), ids=[name for name, _, _ in SOURCES])
def test_prefilter_passes_every_fixture_a_rule_acts_on(index):
    _, text, settings = SOURCES[index]
    if not acted_on(index):
        return  # a must-not-change case: nothing for the prefilter to let through
    prefilter = Prefilter.for_rules(settings)
    for raw in encodings(text):
        assert prefilter.in_python(raw)
    assert engine.could_apply(text, settings, ast.parse(text))


def test_the_property_is_not_vacuous():
    assert sum(acted_on(i) for i in range(len(SOURCES))) >= len(SOURCES) // 2


#: Lines that cannot change what a program means, wherever they go (outside strings).
unrelated_lines = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40).map(lambda t: f"# {t}"),
    st.just(""),
    st.sampled_from(["# completion", "# chat.complete", "# ChatCompl", "# finish", "# /api/v2/apps/agent/x"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(SOURCES) - 1),
    inserts=st.lists(st.tuples(st.integers(0, 10_000), unrelated_lines), max_size=6),
    encoding=st.integers(0, 4),
)
def test_prefilter_never_skips_a_file_a_rule_acts_on(index, inserts, encoding):
    _, text, settings = SOURCES[index]
    lines = text.split("\n")
    for position, line in inserts:
        at = position % (len(lines) + 1)
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())] if at < len(lines) else ""
        lines.insert(at, indent + line)
    variant = "\n".join(lines)
    assume(acts_on(variant, settings))
    variants = encodings(variant)
    assert Prefilter.for_rules(settings).in_python(variants[encoding % len(variants)])
    assert engine.could_apply(variant, settings, ast.parse(variant))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(SOURCES) - 1), ensure_ascii=st.booleans(), escape_slashes=st.booleans())
def test_prefilter_never_skips_a_notebook_a_rule_acts_on(index, ensure_ascii, escape_slashes):
    _, text, settings = SOURCES[index]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": text}], "metadata": {}}
    dumped = json.dumps(notebook, ensure_ascii=ensure_ascii)
    raw = (dumped.replace("/", "\\/") if escape_slashes else dumped).encode()
    with engine_prefilter_off():
        try:
            result = notebooks.migrate_notebook(raw, settings).result
        except notebooks.NotebookError:
            return
    if result.changed or result.findings:
        assert Prefilter.for_rules(settings).in_notebook(raw)


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(max_size=30),
    host=st.sampled_from(["dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com", "${HOST}", "x.y:8080"]),
    after=st.text(max_size=30),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1"]),
)
def test_prefilter_never_skips_a_text_file_with_a_legacy_url(before, host, after, encoding):
    text = f"{before}https://{host}/api/v2/apps/protocols/compatible-mode/v1{after}"
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        *_, result, _ = textfiles.migrate_text(raw, Settings())
    except textfiles.TextFileError:
        return
    if result.changed or result.findings:
        assert Prefilter.for_rules(Settings(), textfiles.RULES).in_any_text(raw)


# --- the pieces ----------------------------------------------------------------------------------


def test_triggers_that_contain_another_add_nothing():
    prefilter = Prefilter(["completions", "chat.completions", "ChatCompletion", "completions"])
    assert sorted(prefilter.triggers) == ["ChatCompletion", "completions"]


def test_triggers_follow_the_enabled_rules():
    everything = Prefilter.for_rules(Settings())
    assert "/api/v2/apps/protocols/compatible-mode" in everything.triggers  # any file may hold a URL
    assert "completions" in everything.openai_triggers and "completions" not in everything.triggers
    only_urls = Prefilter.for_rules(Settings(select=frozenset({"RSP004"})))
    assert only_urls.triggers == ("/api/v2/apps/protocols/compatible-mode",)
    assert not Prefilter.for_rules(Settings(ignore=frozenset({"RSP004"})), textfiles.RULES)


def test_openai_triggers_count_only_where_openai_is_named():
    prefilter = Prefilter(["/api/v2"], ["completions"])
    assert prefilter.in_python(b"/api/v2\n")
    assert not prefilter.in_python(b"x.chat.completions.create()\n")  # some other SDK
    assert prefilter.in_python(b"from openai import OpenAI\nx.chat.completions.create()\n")
    assert prefilter.in_python("# coding: utf-7\nimport openai\ncompletions\n".encode("utf-7"))
    assert not prefilter.in_notebook(b'{"source": "x.completions"}')
    assert prefilter.in_notebook(b'{"source": "import openai\\nx.completions"}')
    assert prefilter.in_text("completions", imports_openai=True)
    assert not prefilter.in_text("openai.completions", imports_openai=False)


IMPORTS = {
    "import openai": True,
    "import os, openai.types as t": True,
    "from openai import OpenAI": True,
    "from openai.types.chat import ChatCompletion": True,
    "from . import openai": False,  # a module of the project that happens to be called so
    "from .openai import client": False,
    "import openai_compat": False,
    "x = 'import openai'": False,
    "# import openai": False,
    "def f():\n    if x:\n        try:\n            pass\n        except E:\n            import openai\n": True,
    "class A:\n    def f(self):\n        with x:\n            for a in b:\n                pass\n"
    "            else:\n                from openai import OpenAI\n": True,
    "match x:\n    case 1:\n        import openai\n": True,
    "try:\n    pass\nfinally:\n    import openai\n": True,
    "try:\n    pass\nexcept* E:\n    import openai\n": True,
    "async def f():\n    async with a:\n        async for b in c:\n            import openai\n": True,
    "while x:\n    pass\nelse:\n    import openai.lib.azure\n": True,
}


@pytest.mark.parametrize("source, imports", IMPORTS.items(), ids=range(len(IMPORTS)))
def test_imports_openai_finds_an_import_at_any_depth(source, imports):
    assert imports_openai(ast.parse(source)) is imports


def test_a_file_that_only_names_openai_is_not_parsed_by_libcst():
    passing = "# see openai.com\nfrom other_sdk import Client\nClient().chat.completions.create(messages=[])\n"
    assert Prefilter.for_rules(Settings()).in_python(passing.encode())  # the bytes stage lets it by
    result = migrate_source(passing, Settings())
    assert not result.parsed and not result.findings
    with_import = "import openai\n" + passing
    assert migrate_source(with_import, Settings()).parsed


def test_a_legacy_url_needs_no_openai_import():
    source = f"URL = {LEGACY!r}\n"
    result = migrate_source(source, Settings())
    assert result.parsed and "/api/v2/apps" not in result.new_source


def test_bytes_in_utf8_and_ascii_compatible_encodings():
    prefilter = Prefilter(["completions", "café"])
    assert prefilter.in_python(b"x.completions\n")
    assert not prefilter.in_python(b"x.complete\n")
    assert prefilter.in_python("# coding: latin-1\ncafé = 1\n".encode("latin-1"))
    assert not prefilter.in_python(b"# coding: latin-1\ncaf\xc3\xa9 = 1\n")  # mojibake, not the word
    assert prefilter.in_python("café".encode())


def test_encodings_where_bytes_lie_are_decoded_first():
    prefilter = Prefilter(["completions"])
    assert prefilter.in_python("# coding: utf-7\nx = 'completions'\n".encode("utf-7"))
    # UTF-7 may spell ASCII letters in base64: "+AGMAbwBt-" is "com".
    assert prefilter.in_python(b"# coding: utf-7\nx = '+AGMAbwBt-pletions'\n")
    assert prefilter.in_any_text("completions".encode("utf-16"))
    assert prefilter.in_python(codecs.BOM_UTF16_LE + "completions".encode("utf-16-le"))


def test_notebook_escapes_are_let_through():
    prefilter = Prefilter(["/api/v2"])
    assert prefilter.in_notebook(b'{"source": "\\/api\\/v2"}')
    assert prefilter.in_notebook(b'{"source": "\\u002fapi/v2"}')
    assert not prefilter.in_notebook(b'{"source": "x = 1"}')


def test_declared_encoding_only_from_the_first_two_lines():
    assert declared_encoding(b"# -*- coding: latin-1 -*-\n") == "iso-8859-1"
    assert declared_encoding(b"#!/usr/bin/env python\n# coding=cp1252\n") == "cp1252"
    assert declared_encoding(b"x = 1\ny = 2\n# coding: latin-1\n") is None
    assert declared_encoding(b"# coding: nope\n") is None
