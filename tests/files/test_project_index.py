"""The project index (clients one module makes and others import) is built only when some
file of the run could use it (issue 23): building it parses the exporting modules with LibCST,
which a commit touching only the module that makes the client does not need."""

from __future__ import annotations

from pathlib import Path

import pytest

import migrator.analysis
from migrator.files import processing as files
from migrator.settings import Settings

CLIENT_MODULE = "from openai import OpenAI\n\nclient = OpenAI()\n"
USES_IT = (
    "from llm import client\n\n"
    'reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
    "print(reply.choices[0].message.content)\n"
)


@pytest.fixture
def builds(monkeypatch) -> list[list[Path]]:
    """The modules of every project index the run builds."""
    calls: list[list[Path]] = []
    real = migrator.analysis.ProjectIndex.build.__func__

    def build(cls, files, others=()):
        files = list(files)
        calls.append([path for path, _ in files])
        return real(cls, files, others)

    monkeypatch.setattr(migrator.analysis.ProjectIndex, "build", classmethod(build))
    return calls


def test_no_project_index_when_no_file_could_use_a_client(tmp_path, builds):
    (tmp_path / "llm.py").write_text(CLIENT_MODULE)
    (tmp_path / "util.py").write_text("def double(x):\n    return 2 * x\n")
    outcomes = list(files.run([str(tmp_path)], Settings()))
    assert builds == [] and not any(o.changed or o.error for o in outcomes)


def test_the_project_index_is_built_for_a_file_that_could_use_its_client(tmp_path, builds):
    """`uses.py` never names `openai`: only the index can tell that its client is OpenAI's."""
    (tmp_path / "llm.py").write_text(CLIENT_MODULE)
    (tmp_path / "uses.py").write_text(USES_IT)
    outcomes = list(files.run([str(tmp_path)], Settings(), write=True))
    assert builds == [[tmp_path / "llm.py"]]
    assert [Path(o.display).name for o in outcomes if o.changed] == ["uses.py"]
    assert "client.responses.create(" in (tmp_path / "uses.py").read_text()


def test_a_module_that_does_not_name_openai_exports_no_client():
    """The run looks for exporting modules only among those that name `openai` (it keeps only
    their bytes): so must the analysis."""
    assert migrator.analysis.may_export_client(b"from openai import OpenAI\nclient = OpenAI()\n")
    assert not migrator.analysis.may_export_client(b"from my_sdk import OpenAI\nclient = OpenAI()\n")
