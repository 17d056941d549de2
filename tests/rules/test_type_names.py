"""RSP019 (migrator/rules/type_names.py) beyond its fixtures: the Responses names its findings
give are real names of the installed openai package, a copy of the SDK kept in the project is
not reported, each import is one finding however many names it brings, and the triggers let
through a file whose only Chat Completions name is a re-export of `openai.resources`."""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from migrator.engine import migrate_source
from migrator.engine.prefilter import Prefilter
from migrator.rules.type_names import FAMILIES, RESOURCES, RESOURCES_REEXPORTS, TypeNames
from migrator.settings import Settings

RSP019 = "RSP019"


def resolve(qualified: str) -> object:
    """The object `qualified` names in the installed openai package (a module, a class, an
    alias), importing the longest module prefix first."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            value = getattr(value, part)
        return value
    raise ModuleNotFoundError(qualified)


def modules_under(name: str) -> list[ModuleType]:
    module = importlib.import_module(name)
    found = [module]
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=name + "."):
        found.append(importlib.import_module(info.name))
    return found


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.module)
def test_every_name_the_findings_give_is_in_the_openai_package(family):
    responses = importlib.import_module(family.responses)
    assert isinstance(responses, ModuleType)
    chat_modules = modules_under(family.module)
    for name, replacement in family.counterparts.items():
        assert any(hasattr(module, name) for module in chat_modules), name
        assert resolve(replacement) is not None, replacement
    for name in family.notes:
        assert any(hasattr(module, name) for module in chat_modules), name


def test_every_resources_reexport_is_the_chat_resource():
    for name in RESOURCES_REEXPORTS:
        assert resolve(f"openai.resources.{name}") is resolve(f"{RESOURCES.module}.{name}")


def findings(source: str, filename: str = "<string>", settings: Settings | None = None) -> list[str]:
    result = migrate_source(textwrap.dedent(source), settings or Settings(), filename)
    return [f"{f.line}:{f.code} {f.message}" for f in result.findings if f.code == RSP019]


VENDORED = """\
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessage
from openai.types.chat.chat_completion import ChatCompletion as Completion


def wrap(completion: Completion) -> ChatCompletion:
    return openai.types.chat.ChatCompletion.model_validate(completion)
"""


def write_package(root: Path, package: str) -> Path:
    (root / package / "lib").mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / "lib" / "__init__.py").write_text("")
    path = root / package / "lib" / "helpers.py"
    path.write_text(VENDORED)
    return path


def test_a_copy_of_the_openai_package_in_the_project_is_not_reported(tmp_path):
    vendored = write_package(tmp_path, "openai")
    assert findings(VENDORED, str(vendored)) == []
    # the same module in a package of the project's own: both imports reported
    own = write_package(tmp_path, "myapp")
    assert [line.split(" ")[0] for line in findings(VENDORED, str(own))] == ["2:RSP019", "3:RSP019", "7:RSP019"]


def test_one_finding_per_import_however_many_names_and_lines():
    reported = findings(
        """\
        import openai

        def build():
            from openai.types.chat import (
                ChatCompletionMessage,
                ChatCompletionAssistantMessageParam,
                ChatCompletionToolMessageParam,
            )
            return ChatCompletionMessage, ChatCompletionAssistantMessageParam, ChatCompletionToolMessageParam
        """
    )
    assert len(reported) == 1
    (message,) = reported
    assert message.startswith("4:RSP019 Chat Completions types imported from `openai.types.chat`: ")
    assert (
        "`ChatCompletionToolMessageParam` → `openai.types.responses.response_input_item_param.FunctionCallOutput`"
        in (message)
    )
    assert message.endswith("`--ignore RSP019` or `# migrator: ignore[RSP019]` silences this")


def test_a_name_the_import_brings_is_not_reported_again_where_it_is_used():
    reported = findings(
        """\
        import openai.types.chat as t
        from openai.types import chat

        a: t.ChatCompletion
        b = chat.ChatCompletionMessage
        c = t.chat_completion.Choice
        """
    )
    assert [line.split(" ")[0] for line in reported] == ["1:RSP019", "2:RSP019"]


def test_a_use_written_out_is_reported_once_at_the_whole_name():
    reported = findings(
        """\
        import openai

        x = openai.types.chat.chat_completion.Choice.model_fields
        """
    )
    assert reported == [
        (
            "3:RSP019 Chat Completions type `openai.types.chat.chat_completion.Choice` → none (a Response has no "
            "choices: its `output` items, such as `ResponseOutputMessage`, hold the reply); `--ignore RSP019` or "
            "`# migrator: ignore[RSP019]` silences this"
        )
    ]


def test_modules_with_chat_in_their_names_are_not_chat_completions():
    assert (
        findings(
            """\
            import openai.types.chat_model
            from openai.resources import Completions
            from openai.resources.beta import chatkit
            from openai.types.chat_model import ChatModel

            model: openai.types.chat_model.ChatModel = "gpt-4.1"
            """
        )
        == []
    )


def test_a_suppression_on_the_first_line_of_an_import_silences_it():
    source = """\
        from openai.types.chat import (  # migrator: ignore[RSP019]
            ChatCompletionMessage,
        )
        from openai.types.chat.chat_completion import Choice
        """
    assert [line.split(" ")[0] for line in findings(source)] == ["4:RSP019"]
    assert findings(source, settings=Settings(ignore=frozenset({RSP019}))) == []


def test_the_triggers_let_through_a_file_whose_only_chat_name_is_a_reexport():
    source = "from openai.resources import AsyncChat\n\nprint(AsyncChat)\n"
    assert Prefilter((), TypeNames.triggers).in_text(source, imports_openai=True)
    assert Prefilter.for_rules(Settings()).in_text(source, imports_openai=True)  # (the catalog's)
    assert len(findings(source)) == 1
