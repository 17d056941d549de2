"""Which mocks stand in for an OpenAI client (analysis/doubles.py): decided by where the class
they are made from or patch comes from, followed through the names that hold them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from migrator.analysis import RunModules, find_doubles
from migrator.syntax import SourceTree

#: The module of the run whose `OpenAI` the tests patch, and one importing another SDK's class
#: under the same name.
LLM = "from openai import OpenAI\nimport openai\n"
LOOKALIKE = "from together import Together as OpenAI\n"


def package(root: Path, files: dict[str, str]) -> RunModules:
    """The package `shop` under `root`, with these modules, as the files of a run."""
    shop = root / "shop"
    shop.mkdir()
    files = {"__init__.py": "", **files}
    for name, text in files.items():
        (shop / name).write_text(text)
    return RunModules.of([shop / name for name in files])


@pytest.fixture
def modules(tmp_path: Path) -> RunModules:
    return package(tmp_path, {"llm.py": LLM, "other.py": LOOKALIKE})


def doubles(source: str, modules: RunModules) -> list[tuple[int, set[str], str | None, bool]]:
    """(line, modules fed, why not rewritable, rewritable) of each double in `source`."""
    tree = SourceTree(cst.parse_module(textwrap.dedent(source)))
    return [
        (tree.position(d.node)[0], d.feeds, d.why_not, d.rewritable)
        for d in find_doubles(tree, modules.resolve_target, modules.module_of)
    ]


SHAPE = "MagicMock(choices=[MagicMock(message=MagicMock(content='x'))])"


def assert_renamed(source: str, modules: RunModules, renamed: list[str] | None, why_not: str | None) -> None:
    """The one double of `source` checks the call's arguments and renames them to `renamed`,
    or (`why_not` given) cannot take the Responses shape, for that reason."""
    tree = SourceTree(cst.parse_module(source))
    (double,) = find_doubles(tree, modules.resolve_target, modules.module_of)
    if why_not is None:
        assert double.why_not is None and double.checks_arguments
        assert [new for use in double.uses for _, new in use.renamed or ()] == renamed
    else:
        assert why_not in (double.why_not or "") and not double.rewritable


def test_a_spec_double_handed_to_a_function_of_the_run(modules):
    found = doubles(
        f"""
        from unittest.mock import MagicMock
        from openai import OpenAI
        from shop.llm import summarize

        def test_it():
            client = MagicMock(spec=OpenAI)
            client.chat.completions.create.return_value = {SHAPE}
            summarize(client, "text")
        """,
        modules,
    )
    assert found == [(7, {"shop.llm"}, None, True)]


def test_patch_decorators_pass_their_mocks_nearest_first_after_self(modules):
    found = doubles(
        f"""
        from unittest.mock import MagicMock, patch

        class TestIt:
            @patch("shop.llm.os")
            @patch("shop.llm.OpenAI")
            @patch.dict("os.environ", {{"A": "1"}})
            @patch("shop.llm.time", new=None)
            def test_it(self, mock_openai, mock_os):
                mock_openai.return_value.chat.completions.create.return_value = {SHAPE}
                mock_os.chat.completions.create.side_effect = None
        """,
        modules,
    )
    assert found == [(6, {"shop.llm"}, None, True)]


def test_a_patch_through_the_module_attribute_and_mocker(modules):
    found = doubles(
        """
        def test_it(mocker):
            mock_openai = mocker.patch("shop.llm.openai.OpenAI")
            client = mock_openai.return_value
            client.chat.completions.create.call_args
        """,
        modules,
    )
    assert found == [(3, {"shop.llm"}, "`.call_args` reads the arguments of the Chat call", False)]


def test_a_fixture_a_with_block_and_set_up(modules):
    found = doubles(
        f"""
        import unittest
        from unittest.mock import MagicMock, patch
        import pytest
        from openai import AsyncOpenAI

        @pytest.fixture
        def client():
            return MagicMock(spec=AsyncOpenAI)

        def test_fixture(client):
            client.chat.completions.create.assert_called_once()

        def test_with():
            with patch("shop.llm.OpenAI") as cls:
                cls.return_value.chat.completions.create.called

        class Case(unittest.TestCase):
            def setUp(self):
                self.client = MagicMock(spec_set=AsyncOpenAI)

            def test_it(self):
                self.client.chat.completions.create.return_value = {SHAPE}
        """,
        modules,
    )
    assert found == [(9, set(), None, True), (15, {"shop.llm"}, None, True), (20, set(), None, True)]


def test_look_alikes_are_never_doubles(modules):
    found = doubles(
        f"""
        from unittest.mock import MagicMock, patch
        from groq import Groq
        from together import Together as OpenAI

        def test_it():
            a = MagicMock(spec=Groq)
            a.chat.completions.create.return_value = {SHAPE}
            b = MagicMock(spec=OpenAI)
            b.chat.completions.create.return_value = {SHAPE}
            with patch("shop.other.OpenAI") as c:
                c.return_value.chat.completions.create.return_value = {SHAPE}
            with patch("groq.resources.chat.completions.Completions.create"):
                pass
        """,
        modules,
    )
    assert found == []


def test_a_double_whose_chat_the_test_never_touches_is_not_reported(modules):
    assert (
        doubles(
            "from unittest.mock import Mock\nfrom openai import OpenAI\nc = Mock(spec=OpenAI)\nc.models.list()\n",
            modules,
        )
        == []
    )


@pytest.mark.parametrize(
    ("fake", "rewritable"),
    [
        (SHAPE, True),
        ("SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(role='assistant', content='x'))])", True),
        ("MagicMock(choices=[MagicMock(message=MagicMock(role='tool', content='x'))])", False),
        ("MagicMock(choices=[MagicMock(message=MagicMock(content='x'))], usage=None)", False),
        ("MagicMock(choices=[MagicMock(message=MagicMock(content='x'))], usage=MagicMock(prompt_tokens=1))", True),
        ("MagicMock(choices=[MagicMock(message=MagicMock(content='x'))], usage=MagicMock(cost=1))", False),
        ("MagicMock(choices=[MagicMock(message=MagicMock(content='x')), MagicMock()])", False),
        ("MagicMock(choices=[MagicMock(message=MagicMock(content='x', tool_calls=None))])", False),
        ("make_fake('x')", False),
    ],
)
def test_only_the_text_shape_is_rewritten(modules, fake, rewritable):
    found = doubles(
        f"""
        from types import SimpleNamespace
        from unittest.mock import MagicMock
        from openai import OpenAI

        client = MagicMock(spec=OpenAI)
        client.chat.completions.create.return_value = {fake}
        """,
        modules,
    )
    assert [entry[3] for entry in found] == [rewritable]


@pytest.mark.parametrize(
    ("check", "renamed", "why_not"),
    [
        ("assert_called_once_with(model='qwen-plus', messages=[{'role': 'user', 'content': 'x'}])", ["input"], None),
        (
            "assert_called_with(model=MODEL, messages=msgs, max_tokens=100, temperature=0)",
            ["input", "max_output_tokens"],
            None,
        ),
        ("assert_awaited_once_with(model='qwen-plus')", [], None),
        ("assert_any_call(messages=msgs, max_completion_tokens=64)", ["input", "max_output_tokens"], None),
        (
            "assert_called_once_with(model='qwen-plus', messages=msgs, tools=TOOLS)",
            None,
            "checks `tools`, which the Responses call does not send as it is",
        ),
        ("assert_called_once_with(model='qwen-plus', messages=msgs, stream=True)", None, "checks `stream`"),
        ("assert_called_once_with(**expected)", None, "checks arguments given by position or unpacked"),
        ("assert_has_calls([])", None, "`assert_has_calls(...)` checks the arguments of the Chat call"),
    ],
)
def test_argument_checks_are_renamed_only_for_what_the_call_sends_the_same(modules, check, renamed, why_not):
    source = textwrap.dedent(f"""
        from unittest.mock import MagicMock
        from openai import OpenAI

        client = MagicMock(spec=OpenAI)
        client.chat.completions.create.return_value = {SHAPE}
        client.chat.completions.create.{check}
        """)
    assert_renamed(source, modules, renamed, why_not)


def test_a_double_without_argument_checks_does_not_check_arguments(modules):
    tree = SourceTree(
        cst.parse_module(
            f"from unittest.mock import MagicMock\nfrom openai import OpenAI\nc = MagicMock(spec=OpenAI)\n"
            f"c.chat.completions.create.return_value = {SHAPE}\nc.chat.completions.create.assert_called_once()\n"
        )
    )
    (double,) = find_doubles(tree, modules.resolve_target, modules.module_of)
    assert double.rewritable and not double.checks_arguments


#: The edits of the simplest fake set up in steps: the choices become the text.
CHOICES_EDITS = ["fake.choices -> fake.output_text", "[MagicMock(message=MagicMock(content='x'))] -> 'x'"]


@pytest.mark.parametrize(
    ("steps", "edits"),
    [
        ("fake = MagicMock()\nfake.choices = [MagicMock(message=MagicMock(content='x'))]", CHOICES_EDITS),
        (
            "fake = MagicMock()\nfake.choices = [MagicMock(message=MagicMock(content='x'))]\n"
            "fake.usage = MagicMock(prompt_tokens=1)",
            [*CHOICES_EDITS, "MagicMock(prompt_tokens=1) -> MagicMock(input_tokens=1)"],
        ),
        (
            "fake = MagicMock()\nfake.choices[0].message.content = 'x'",
            ["fake.choices[0].message.content -> fake.output_text"],
        ),
        ("fake = MagicMock()\nfake.choices[0].message.content = 'x'\nfake.choices[0].finish_reason = 'stop'", None),
        ("fake = MagicMock()\nfake.choices[1].message.content = 'x'", None),
        (
            "fake = MagicMock()\nfake.choices = [MagicMock()]\nfake.choices[0].message.content = 'x'",
            ["fake.choices = [MagicMock()] -> removed", "fake.choices[0].message.content -> fake.output_text"],
        ),
        ("fake = MagicMock()\nfake.choices = [MagicMock()]; y = 1\nfake.choices[0].message.content = 'x'", None),
        ("fake = MagicMock()\nfake.choices = [MagicMock(), MagicMock()]\nfake.choices[0].message.content = 'x'", None),
        ("fake = MagicMock()\nfake.choices[0].message.content = 'x'\nfake.choices = []", None),
        ("fake = MagicMock()\nfake.choices = [MagicMock()]", None),
        ("fake = MagicMock(usage=None)\nfake.choices = [MagicMock(message=MagicMock(content='x'))]", None),
        ("fake = MagicMock()\nfake.choices = [MagicMock(message=MagicMock(content='x'))]\nfake.id = 'a'", None),
        ("fake = MagicMock()\nfake.choices = [MagicMock(message=MagicMock(content='x'))]\nprint(fake)", None),
        ("fake = make_fake()\nfake.choices = [MagicMock(message=MagicMock(content='x'))]", None),
    ],
)
def test_a_fake_response_set_up_in_steps(modules, steps, edits):
    source = (
        "from unittest.mock import MagicMock\nfrom openai import OpenAI\n"
        f"{steps}\nclient = MagicMock(spec=OpenAI)\nclient.chat.completions.create.return_value = fake\n"
    )
    tree = SourceTree(cst.parse_module(source))
    (double,) = find_doubles(tree, modules.resolve_target, modules.module_of)
    assert double.rewritable is (edits is not None)
    made = [
        f"{tree.code(old).strip()} -> {tree.code(new) if isinstance(new, cst.CSTNode) else 'removed'}"
        for use in double.uses
        for old, new in use.fake_edits
    ]
    assert made == (edits or [])


def test_the_usage_of_a_fake_response_takes_the_responses_names(modules):
    source = (
        "from unittest.mock import MagicMock\nfrom openai import OpenAI\nclient = MagicMock(spec=OpenAI)\n"
        "client.chat.completions.create.return_value = MagicMock(\n"
        "    choices=[MagicMock(message=MagicMock(content='x'))],\n"
        "    usage=MagicMock(prompt_tokens=3, completion_tokens=4, total_tokens=7),\n"
        ")\n"
    )
    tree = SourceTree(cst.parse_module(source))
    (double,) = find_doubles(tree, modules.resolve_target, modules.module_of)
    ((_, new),) = double.uses[0].fake_edits
    assert cst.Module([]).code_for_node(new) == (
        "MagicMock(output_text='x', usage=MagicMock(input_tokens=3, output_tokens=4, total_tokens=7))"
    )


@pytest.mark.parametrize(
    ("reads", "renamed", "why_not"),
    [
        (
            "sent = client.chat.completions.create.call_args.kwargs\nassert sent['messages'] and sent.get('model')",
            ["input"],
            None,
        ),
        ("assert 'messages' in client.chat.completions.create.call_args[1]", ["input"], None),
        ("assert client.chat.completions.create.call_args[1]['max_tokens'] == 64", ["max_output_tokens"], None),
        (
            "sent = client.chat.completions.create.call_args.kwargs\nassert 'tools' not in sent",
            None,
            "reads the argument `tools`",
        ),
        (
            "sent = client.chat.completions.create.call_args.kwargs\nassert sent == {}",
            None,
            "`assert sent == {}` reads the arguments",
        ),
        (
            "sent = client.chat.completions.create.call_args.kwargs\nsent = {}\nprint(sent['model'])",
            None,
            "reads the arguments",
        ),
        ("_, sent = client.chat.completions.create.call_args", None, "`.call_args` reads the arguments"),
        ("args = client.chat.completions.create.call_args[0]", None, "`.call_args` reads the arguments"),
    ],
)
def test_keyword_reads_of_call_args_are_renamed_like_argument_checks(modules, reads, renamed, why_not):
    source = (
        "from unittest.mock import MagicMock\nfrom openai import OpenAI\nclient = MagicMock(spec=OpenAI)\n"
        f"client.chat.completions.create.return_value = {SHAPE}\n{reads}\n"
    )
    assert_renamed(source, modules, renamed, why_not)


def test_patches_of_the_sdk_chat_methods(modules):
    found = doubles(
        """
        from unittest import mock
        from openai.resources.chat.completions import Completions

        @mock.patch("openai.resources.chat.completions.AsyncCompletions.create")
        def test_a(create):
            pass

        def test_b():
            with mock.patch.object(Completions, "create"):
                pass
        """,
        modules,
    )
    assert [(line, why) for line, _, why, _ in found] == [
        (5, "it patches `openai.resources.chat.completions.AsyncCompletions.create` of the SDK"),
        (10, "it patches `openai.resources.chat.completions.Completions.create` of the SDK"),
    ]


def test_a_function_a_package_re_exports_is_in_the_module_that_defines_it(tmp_path):
    """`from shop import summarize`, shop/__init__.py re-exporting it from `.summaries`: the
    double feeds shop.summaries, where the calls are (not the package, which has none)."""
    modules = package(
        tmp_path,
        {
            "__init__.py": "from .summaries import summarize\nfrom . import titles\n",
            "summaries.py": LLM,
            "titles.py": LLM,
        },
    )
    found = doubles(
        f"""
        from unittest.mock import MagicMock
        from openai import OpenAI
        import shop
        from shop import summarize

        client = MagicMock(spec=OpenAI)
        client.chat.completions.create.return_value = {SHAPE}
        summarize(client, "text")
        shop.titles.title_for(client)
        """,
        modules,
    )
    assert found == [
        (7, {"shop.summaries", "shop.titles"}, "it stands in for the clients of shop.summaries, shop.titles", False)
    ]


def test_a_patch_of_the_sdk_method_keeps_the_modules_called_where_it_is_in_force(modules):
    found = doubles(
        """
        from unittest import mock
        from shop.llm import summarize
        from shop import other

        @mock.patch("openai.resources.chat.completions.Completions.create")
        def test_a(create):
            summarize("x")

        def test_b():
            other.helper()
            with mock.patch("openai.resources.chat.completions.AsyncCompletions.create"):
                pass

        patcher = mock.patch("openai.resources.chat.completions.Completions.create")
        """,
        modules,
    )
    assert [(line, feeds) for line, feeds, _, _ in found] == [
        (6, {"shop.llm"}),
        (12, set()),
        (15, {"shop.llm", "shop.other"}),
    ]


def test_patch_object_on_a_module_of_the_run_and_a_patch_given_its_mock(modules):
    found = doubles(
        f"""
        from unittest import mock
        from unittest.mock import MagicMock
        from shop import llm, other

        def test_object(mocker):
            fake = mocker.patch.object(llm, "OpenAI")
            fake.return_value.chat.completions.create.return_value = {SHAPE}

        def test_given():
            openai_cls = MagicMock()
            openai_cls.return_value.chat.completions.create.return_value = {SHAPE}
            with mock.patch("shop.llm.OpenAI", openai_cls):
                pass

        def test_lookalike():
            fake = mock.patch.object(other, "OpenAI").start()
            fake.return_value.chat.completions.create.return_value = {SHAPE}

        def test_given_a_hand_made_fake():
            with mock.patch("shop.llm.OpenAI", new=FakeOpenAI):
                FakeOpenAI.chat.completions.create.return_value = None
        """,
        modules,
    )
    assert found == [(7, {"shop.llm"}, None, True), (13, {"shop.llm"}, None, True)]


def test_a_patch_of_the_sdk_client_class_stands_in_for_the_clients_of_the_code_its_test_calls(modules):
    found = doubles(
        f"""
        from unittest import mock
        from unittest.mock import MagicMock
        from shop.llm import summarize

        @mock.patch("openai.OpenAI")
        def test_it(openai_class):
            openai_class.return_value.chat.completions.create.return_value = {SHAPE}
            summarize("x")

        @mock.patch("together.Together")
        def test_lookalike(together_class):
            together_class.return_value.chat.completions.create.return_value = {SHAPE}
            summarize("x")
        """,
        modules,
    )
    assert found == [(6, {"shop.llm"}, None, True)]


def test_a_double_set_on_an_object_of_a_class_of_the_run(modules):
    found = doubles(
        f"""
        from unittest.mock import MagicMock
        from openai import OpenAI
        from shop.llm import Bot

        def test_set_after():
            bot = Bot()
            mock_client = MagicMock(spec=OpenAI)
            bot.client = mock_client
            mock_client.chat.completions.create.return_value = {SHAPE}

        def test_set_directly():
            bot = Bot()
            bot.client = MagicMock(spec=OpenAI)
            bot.client.chat.completions.create.return_value = {SHAPE}

        def test_on_an_object_of_elsewhere():
            thing = make_thing()
            thing.client = MagicMock(spec=OpenAI)
            thing.client.chat.completions.create.return_value = {SHAPE}
        """,
        modules,
    )
    assert found == [(8, {"shop.llm"}, None, True), (14, {"shop.llm"}, None, True), (19, set(), None, True)]


def test_a_double_set_on_an_object_a_fixture_makes_from_a_class_of_the_run(modules):
    found = doubles(
        f"""
        import pytest
        from unittest.mock import MagicMock
        from openai import OpenAI
        from shop.llm import Bot

        @pytest.fixture
        def bot():
            return Bot()

        @pytest.fixture
        def thing():
            yield make_thing()

        def test_bot(bot):
            bot.client = MagicMock(spec=OpenAI)
            bot.client.chat.completions.create.return_value = {SHAPE}

        def test_thing(thing):
            thing.client = MagicMock(spec=OpenAI)
            thing.client.chat.completions.create.return_value = {SHAPE}
        """,
        modules,
    )
    assert [(feeds, rewritable) for _, feeds, _, rewritable in found] == [({"shop.llm"}, True), (set(), True)]


CONFTEST = """\
import pytest
from unittest.mock import MagicMock, patch
from openai import OpenAI
from together import Together


@pytest.fixture
def openai_client():
    return MagicMock(spec=OpenAI)


@pytest.fixture
def patched_openai():
    with patch("shop.llm.OpenAI") as openai_class:
        yield openai_class


@pytest.fixture
def started(request):
    openai_class = patch("shop.llm.OpenAI").start()
    return openai_class


@pytest.fixture
def together_client():
    return MagicMock(spec=Together)
"""


def test_the_fixtures_of_a_conftest_that_give_a_double(tmp_path):
    modules = package(tmp_path, {"llm.py": LLM})
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(CONFTEST)
    modules = RunModules.of(
        [*(Path(p) for paths in modules.files.values() for p in paths), tmp_path / "tests" / "conftest.py"]
    )
    shared = modules.shared_doubles_for(str(tmp_path / "tests" / "unit" / "test_it.py"))
    assert {name: double.module for name, double in shared.items()} == {
        "openai_client": None,
        "patched_openai": "shop.llm",
        "started": "shop.llm",
    }
    assert modules.shared_doubles_for(str(tmp_path / "elsewhere" / "test_it.py")) == {}


def test_tests_take_the_double_of_a_shared_fixture_unless_their_file_defines_one(modules):
    from migrator.analysis.doubles import SharedDouble

    tree = SourceTree(cst.parse_module(textwrap.dedent(f"""
                import pytest
                from unittest.mock import MagicMock
                from shop.llm import summarize

                def test_spec(openai_client):
                    openai_client.chat.completions.create.return_value = {SHAPE}
                    summarize(openai_client)

                def test_patched(patched_openai):
                    patched_openai.return_value.chat.completions.create.return_value = {SHAPE}

                @pytest.fixture
                def own():
                    return object()

                def test_own(own):
                    own.chat.completions.create.return_value = None
                """)))
    shared = {
        "openai_client": SharedDouble("`MagicMock(spec=OpenAI)` in conftest.py", None),
        "patched_openai": SharedDouble('`patch("shop.llm.OpenAI")` in conftest.py', "shop.llm"),
        "own": SharedDouble("`MagicMock(spec=OpenAI)` in conftest.py", None),
    }
    found = find_doubles(tree, modules.resolve_target, modules.module_of, shared)
    assert [(tree.position(d.node)[0], d.feeds, d.rewritable) for d in found] == [
        (6, {"shop.llm"}, True),
        (10, {"shop.llm"}, True),
    ]
