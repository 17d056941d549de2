"""What only the user knows (migrator/analysis/declarations.py): where a base_url the code cannot
show points, and which models a value the code cannot show holds. Each kind of value has a case
where a declaration settles it and one where the code wins over the declaration."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrator.analysis import Analysis, Provider, provider_overrides
from migrator.analysis.providers import Target
from migrator.engine import migrate_source
from migrator.settings import Settings
from migrator.syntax import SourceTree

CALL = 'client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}])\n'
DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"


def target_of(code: str, *base_urls: tuple[str, str], module: str | None = None, overrides=()) -> Target:
    """The target of the client of the file's last Chat Completions call, under these declarations."""
    tree = SourceTree(cst.parse_module("import os\nfrom openai import OpenAI\n" + textwrap.dedent(code)))
    with provider_overrides(overrides, base_urls):
        site = Analysis(tree, module=module).completion_calls[-1]
        assert site.client is not None
        return site.client.target


# --- what a declaration names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        'os.getenv("LLM_BASE_URL")',
        'os.environ["LLM_BASE_URL"]',
        'os.environ.get("LLM_BASE_URL")',
        'os.getenv("LLM_BASE_URL") or "https://api.openai.com/v1"',
    ],
)
def test_an_environment_variable_however_it_is_read(base_url):
    code = f"client = OpenAI(base_url={base_url})\n" + CALL
    assert target_of(code).provider is Provider.UNKNOWN
    target = target_of(code, ("$LLM_BASE_URL", "dashscope"))
    assert target.provider is Provider.DASHSCOPE and target.migratable
    assert target.declared == ('[tool.migrator.base-urls] "$LLM_BASE_URL" = "dashscope"',)


def test_a_variable_read_through_a_name_and_an_attribute():
    code = """\
    BASE_URL = os.getenv("LLM_BASE_URL")


    class Bot:
        def __init__(self):
            self.url = BASE_URL
            self.client = OpenAI(base_url=self.url)

        def ask(self):
            self.client.chat.completions.create(model="qwen-plus", messages=[{"role": "user", "content": "Hi"}])
    """
    assert "$LLM_BASE_URL" in target_of(code).evidence  # the hint names the variable, not the names on the way
    assert target_of(code, ("$LLM_BASE_URL", "openai")).provider is Provider.OPENAI
    # The names on the way are keys too, the nearest one first.
    assert target_of(code, ("self.url", "other"), ("$LLM_BASE_URL", "openai")).provider is Provider.OTHER
    assert target_of(code, ("BASE_URL", "dashscope")).provider is Provider.DASHSCOPE


def test_a_dotted_name_as_written_or_qualified_through_the_imports():
    code = "from django.conf import settings\nclient = OpenAI(base_url=settings.LLM_BASE_URL)\n" + CALL
    for key in ("settings.LLM_BASE_URL", "django.conf.settings.LLM_BASE_URL"):
        assert target_of(code, (key, "dashscope")).provider is Provider.DASHSCOPE
    # Another attribute, or a name that only ends the same, is another value.
    assert target_of(code, ("settings.BASE_URL", "dashscope")).provider is Provider.UNKNOWN
    assert target_of(code, ("conf.settings.LLM_BASE_URL", "dashscope")).provider is Provider.UNKNOWN


def test_a_relative_import_is_qualified_by_the_module():
    code = "from .config import LLM_BASE_URL as URL\nclient = OpenAI(base_url=URL)\n" + CALL
    declared = ("shop.config.LLM_BASE_URL", "dashscope")
    assert target_of(code, declared, module="shop.bot").provider is Provider.DASHSCOPE
    assert target_of(code, ("URL", "dashscope"), module="shop.bot").provider is Provider.DASHSCOPE


def test_a_parameter_or_a_local_name_has_only_the_project_key():
    code = """\
    def make(base_url):
        local = base_url
        return OpenAI(base_url=local)


    client = make(os.environ["X"])
    """ + CALL
    assert target_of(code, ("local", "dashscope"), ("base_url", "dashscope")).provider is Provider.UNKNOWN
    assert '"*" = "dashscope"' in target_of(code).evidence
    assert target_of(code, ("*", "dashscope")).provider is Provider.DASHSCOPE


def test_the_project_key_covers_what_the_code_shows_nothing_of():
    kwargs = 'def make(**kw):\n    return OpenAI(**kw)\nclient = make(api_key="k")\n' + CALL
    passed = "def ask(client: OpenAI):\n    " + CALL
    for code in (kwargs, passed):
        assert target_of(code).provider is Provider.UNKNOWN
        assert target_of(code, ("*", "openai")).provider is Provider.OPENAI


def test_the_module_client():
    code = 'import openai\nopenai.base_url = os.getenv("LLM_BASE_URL")\nopenai.chat.completions.create(model="qwen-plus", messages=[])\n'
    assert target_of(code).provider is Provider.UNKNOWN
    assert target_of(code, ("$LLM_BASE_URL", "dashscope")).provider is Provider.DASHSCOPE
    no_base_url = 'import openai\nopenai.chat.completions.create(model="qwen-plus", messages=[])\n'
    assert target_of(no_base_url, ("$OPENAI_BASE_URL", "dashscope")).provider is Provider.DASHSCOPE


# --- a client with no base_url ---------------------------------------------------------------------


def test_no_base_url_is_declared_by_openai_base_url_only():
    code = "client = OpenAI()\n" + CALL
    assert target_of(code).by_default and target_of(code).declarable == ("$OPENAI_BASE_URL",)
    target = target_of(code, ("$OPENAI_BASE_URL", "dashscope"))
    assert target.provider is Provider.DASHSCOPE and not target.by_default and target.declared
    # `*` speaks of what the code does not show; the SDK's default is shown (and documented).
    assert target_of(code, ("*", "dashscope")).by_default


# --- values: a provider, or a URL classified as the same URL in the code would be -------------------


def test_a_declared_url_is_classified_like_a_literal_one():
    code = 'client = OpenAI(base_url=os.getenv("X"))\n' + CALL
    intl = target_of(code, ("$X", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"))
    assert intl.provider is Provider.DASHSCOPE and intl.migratable
    native = target_of(code, ("$X", "https://dashscope.aliyuncs.com/api/v1"))
    assert native.provider is Provider.DASHSCOPE and not native.migratable
    assert "is not an OpenAI-compatible one" in (native.unsupported or "")
    assert target_of(code, ("$X", "https://api.groq.com/openai/v1")).provider is Provider.OTHER
    # A gateway's host is what [tool.migrator.providers] says it is.
    gateway = target_of(code, ("$X", "https://llm.corp.example/v1"), overrides=(("llm.corp.example", "dashscope"),))
    assert gateway.provider is Provider.DASHSCOPE and gateway.configured


# --- what the code shows wins ------------------------------------------------------------------------


def test_a_literal_or_a_constant_is_never_looked_up():
    everything_else = (("*", "other"), ("$OPENAI_BASE_URL", "other"))
    literal = f'client = OpenAI(base_url="{DASHSCOPE}")\n' + CALL
    assert target_of(literal, *everything_else) == target_of(literal)
    constant = f'BASE_URL = "{DASHSCOPE}"\nclient = OpenAI(base_url=BASE_URL)\n' + CALL
    assert target_of(constant, ("BASE_URL", "other"), *everything_else).provider is Provider.DASHSCOPE
    attribute = f"""\
    class Bot:
        def __init__(self):
            self.base_url = "{DASHSCOPE}"
            self.client = OpenAI(base_url=self.base_url)

        def ask(self):
            self.{CALL}"""
    # (`self.<attr>` may be set from outside its class too, so without declarations the code
    # leaves it likely DashScope, not proven; no declaration changes what it shows.)
    assert target_of(attribute, ("self.base_url", "other"), *everything_else) == target_of(attribute)


def test_a_declared_variable_is_set_so_its_default_no_longer_decides():
    code = 'client = OpenAI(base_url=os.getenv("LLM_BASE_URL", "https://api.openai.com/v1"))\n' + CALL
    assert target_of(code).provider is Provider.OPENAI  # the default, as without declarations
    assert target_of(code).declarable == ("$LLM_BASE_URL",)
    assert target_of(code, ("*", "dashscope")).provider is Provider.OPENAI  # `*`: only what is unknown
    assert target_of(code, ("$LLM_BASE_URL", "dashscope")).provider is Provider.DASHSCOPE


def test_the_project_key_adds_to_a_default_the_code_shows():
    code = f'def make(base_url="{DASHSCOPE}"):\n    return OpenAI(base_url=base_url)\nclient = make()\n' + CALL
    assert target_of(code).likely is Provider.DASHSCOPE
    assert target_of(code, ("*", "dashscope")).provider is Provider.DASHSCOPE
    # A caller may pass the default or another: the two disagree, so the endpoint stays unknown.
    assert target_of(code, ("*", "openai")).provider is Provider.UNKNOWN
    other = code.replace(DASHSCOPE, "https://api.groq.com/openai/v1")
    assert target_of(other, ("*", "dashscope")).provider is Provider.OTHER


def test_values_that_disagree():
    code = """\
    import sys
    if sys.argv[1:]:
        URL = os.getenv("A")
    else:
        URL = os.getenv("B")
    client = OpenAI(base_url=URL)
    """ + CALL
    assert target_of(code, ("$A", "dashscope")).provider is Provider.UNKNOWN  # $B is not declared
    assert '"$B" = "dashscope"' in target_of(code, ("$A", "dashscope")).evidence
    assert target_of(code, ("$A", "dashscope"), ("$B", "dashscope")).provider is Provider.DASHSCOPE
    assert target_of(code, ("$A", "dashscope"), ("$B", "openai")).provider is Provider.UNKNOWN
    staying = target_of(code, ("$A", "dashscope"), ("$B", "other"))
    assert staying.provider is Provider.OTHER and len(staying.declared) == 2


# --- findings ------------------------------------------------------------------------------------


def findings(code: str, **settings) -> list[str]:
    result = migrate_source("import os\nfrom openai import OpenAI\n" + textwrap.dedent(code), Settings(**settings))
    return [f.message for f in result.findings]


def test_the_hint_names_every_key_that_would_settle_it_on_one_line():
    code = "from app import config\nclient = OpenAI(base_url=config.BASE_URL)\n" + CALL
    (message,) = findings(code)
    assert message.startswith("the client's endpoint is unknown: base_url 'config.BASE_URL' is not a constant; ")
    assert '[tool.migrator.base-urls] "config.BASE_URL" = "dashscope" (or "openai", "other", or a URL)' in message
    assert "\n" not in message


def test_a_declaration_is_not_an_assumption_but_is_said():
    code = 'client = OpenAI(base_url=os.getenv("LLM_BASE_URL"))\nr = ' + CALL + "print(r.choices[0].message.content)\n"
    assert not any("responses" in m for m in findings(code))
    said = findings(code, declared_base_urls=(("$LLM_BASE_URL", "dashscope"),))  # no --unsafe-fixes
    assert "`chat.completions.create()` → `responses.create()`" in said
    assert not any("unsafe" in m for m in said)
    assert any(m.startswith("rewritten on a declaration: base_url `os.getenv") for m in said)


# --- models ----------------------------------------------------------------------------------------

MODEL_CALL = (
    f'client = OpenAI(base_url="{DASHSCOPE}")\nr = client.chat.completions.create(model={{model}}, messages=[])\n'
)


@pytest.mark.parametrize(
    ("code", "key", "hinted"),
    [
        (MODEL_CALL.format(model='os.getenv("LLM_MODEL")'), "$LLM_MODEL", "$LLM_MODEL"),
        ('MODEL = os.environ["LLM_MODEL"]\n' + MODEL_CALL.format(model="MODEL"), "$LLM_MODEL", "$LLM_MODEL"),
        # (the hint names a dotted name as written; its qualified name is a key too)
        ("from app.settings import MODEL\n" + MODEL_CALL.format(model="MODEL"), "app.settings.MODEL", "MODEL"),
        ("def ask(model):\n    " + MODEL_CALL.format(model="model").replace("\n", "\n    "), "*", "*"),
    ],
)
def test_models_a_value_may_hold(code, key, hinted):
    (unknown,) = findings(code)
    assert "is not a constant" in unknown
    assert f'[tool.migrator.models] "{hinted}" = ["<model>", ...] (rewrite anyway with --unsafe-fixes)' in unknown
    said = findings(code, declared_models=((key, ("qwen-plus", "qwen3-max")),))
    assert "`chat.completions.create()` → `responses.create()`" in said, said
    assert any("is one of 'qwen-plus', 'qwen3-max'" in m for m in said)
    # Every declared model is still checked against DashScope's list.
    (refused,) = findings(code, declared_models=((key, ("qwen-plus", "qwen-mt-plus")),))
    assert refused.startswith("the model 'qwen-mt-plus' (as declared in [tool.migrator.models]")


def test_a_model_the_code_shows_is_checked_whatever_is_declared():
    code = MODEL_CALL.format(model='"qwen-mt-plus"')
    (refused,) = findings(code, declared_models=(("*", ("qwen-plus",)),))
    assert refused.startswith("the model 'qwen-mt-plus' is not documented")


def test_a_parameter_default_counts_beside_the_project_models():
    code = "def ask(model='qwen-mt-plus'):\n    " + MODEL_CALL.format(model="model").replace("\n", "\n    ")
    (refused,) = findings(code, declared_models=(("*", ("qwen-plus",)),))
    assert refused.startswith("the model 'qwen-mt-plus' (the default of parameter `model` of `ask()`)")
    declared_variable = MODEL_CALL.format(model='os.getenv("LLM_MODEL", "qwen-mt-plus")')
    # A declared variable is set: its default is not the model any more.
    assert "`chat.completions.create()` → `responses.create()`" in findings(
        declared_variable, declared_models=(("$LLM_MODEL", ("qwen-plus",)),)
    )


def test_the_model_declaration_on_an_openai_client_still_meets_the_name_check():
    code = 'client = OpenAI()\nr = client.chat.completions.create(model=os.getenv("LLM_MODEL"), messages=[])\n'
    (message,) = findings(code, declared_models=(("$LLM_MODEL", ("qwen-plus",)),))
    assert (
        "the model 'qwen-plus' (as declared in [tool.migrator.models] \"$LLM_MODEL\") is not an OpenAI model" in message
    )
    assert '"$OPENAI_BASE_URL" = "dashscope"' in message
