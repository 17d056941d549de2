"""RSP028 chat-references: what the fixtures under fixtures/chat-references/ cannot show (the
severity of a finding, suppressions, a client of another module, a file the prefilter must not
skip)."""

from __future__ import annotations

from pathlib import Path

from migrator.analysis import ProjectIndex
from migrator.engine import migrate_source
from migrator.engine.prefilter import Prefilter
from migrator.findings import Severity
from migrator.settings import Settings

DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"

MIXED = f"""\
import functools

from openai import AzureOpenAI, OpenAI

client = OpenAI(api_key="key", base_url="{DASHSCOPE}")
azure = AzureOpenAI(azure_endpoint="https://example.openai.azure.com", api_key="key", api_version="2024-10-21")
ask_qwen = functools.partial(client.chat.completions.create, model="qwen-plus")
ask_azure = functools.partial(azure.chat.completions.create, model="gpt-4o")
"""


def rsp028(result):
    return [f for f in result.findings if f.code == "RSP028"]


def test_a_reference_is_a_warning_a_human_acts_on_and_another_providers_a_note():
    findings = rsp028(migrate_source(MIXED))
    assert [(f.line, f.severity, f.fixable) for f in findings] == [
        (7, Severity.WARNING, False),
        (8, Severity.INFO, False),
    ]
    assert findings[1].message.endswith("it stays on Chat Completions")


def test_a_region_without_responses_is_a_note_too():
    source = MIXED.replace("dashscope.aliyuncs.com", "cn-hongkong.dashscope.aliyuncs.com")
    findings = rsp028(migrate_source(source))
    assert findings[0].severity is Severity.INFO
    assert "it stays on Chat Completions" in findings[0].message


def test_ignore_and_a_marker_silence_it():
    assert not rsp028(migrate_source(MIXED, Settings(ignore=frozenset({"RSP028"}))))
    marked = MIXED.replace('model="qwen-plus")', 'model="qwen-plus")  # migrator: ignore[RSP028]')
    assert [f.line for f in rsp028(migrate_source(marked))] == [8]


CALL_AND_REFERENCE = f"""\
from openai import OpenAI

client = OpenAI(api_key="key", base_url="{DASHSCOPE}")


def retry(function, **kwargs):
    return function(**kwargs)


completion = client.chat.completions.create(model="qwen-plus", messages=[{{"role": "user", "content": "Hi"}}])
print(completion.choices[0].message.content)
again = retry(client.chat.completions.create, model="qwen-plus", messages=[])  # migrator: ignore[RSP028]
"""


def test_a_silenced_reference_keeps_no_call_on_chat_completions():
    result = migrate_source(CALL_AND_REFERENCE)
    assert "completion = client.responses.create(" in result.new_source
    assert "retry(client.chat.completions.create," in result.new_source
    assert not rsp028(result)


def test_a_chat_object_kept_in_a_file_that_never_says_completions_is_reported():
    source = f"""\
from openai import OpenAI


class Bot:
    def __init__(self):
        self.chat = OpenAI(base_url="{DASHSCOPE}").chat
"""
    assert Prefilter.for_rules(Settings()).in_python(source.encode())
    findings = rsp028(migrate_source(source))
    assert [(f.line, f.column) for f in findings] == [(6, 21)]
    assert "is kept in `self.chat`" in findings[0].message


def test_the_module_client_is_a_client_and_module_names_are_not_references():
    source = """\
import functools

import openai
import openai.resources.chat.completions
from openai.resources.chat import completions

ask = functools.partial(openai.chat.completions.create, model="gpt-4o")
kind = openai.resources.chat.completions.Completions
"""
    findings = rsp028(migrate_source(source))
    assert [(f.line, f.column) for f in findings] == [(7, 25)]
    assert "`openai.responses.create(...)`" in findings[0].message


def test_a_client_exported_by_another_module_of_the_run(tmp_path: Path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "llm.py").write_text(f'from openai import OpenAI\n\nclient = OpenAI(base_url="{DASHSCOPE}")\n')
    use = package / "use.py"
    use.write_text(
        "from tenacity import retry\n\nfrom .llm import client\n\nask = retry(client.chat.completions.create)\n"
    )
    index = ProjectIndex.build([(path, path.read_text()) for path in package.glob("*.py")])
    findings = rsp028(migrate_source(use.read_text(), filename=str(use), project=index))
    assert [(f.line, f.column) for f in findings] == [(5, 13)]
    assert not rsp028(migrate_source(use.read_text(), filename=str(use)))  # (alone, not proven)


MAY_BE = """\
from groq import Groq
from openai import OpenAI


class Backend:
    def __init__(self, client=None, provider: str = "openai"):
        if client is not None:
            self._client = client
        else:
            self._client = OpenAI()
        if provider == "groq":
            self._other = Groq()
        else:
            self._other = OpenAI()

    def methods(self):
        return [self._client.chat.completions.create, self._other.chat.completions.create]
"""


def test_a_receiver_that_may_be_an_openai_client_is_reported_and_one_that_may_be_another_sdks_is_a_note():
    findings = rsp028(migrate_source(MAY_BE))
    assert [(f.column, f.severity) for f in findings] == [(17, Severity.WARNING), (55, Severity.INFO)]
    assert "may be the one made on line 10" in findings[0].message
    assert "may be `Groq()` (line 12)" in findings[1].message
