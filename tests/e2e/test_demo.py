"""The sample codebase: migrated, it runs the same; migrated twice, only human work is left."""

from __future__ import annotations

import shutil
import subprocess

from fixture_cases import FIXTURES
from programs import DASHSCOPE_HOST, run_program

from migrator.files import processing as files
from migrator.engine import migrate_source
from migrator.settings import Settings

DEMO = FIXTURES / "demo"


def migrate_tree(root) -> None:
    """As `migrator apply` does it: one run over the tree, so `chat.py` gets the client `llm.py` makes."""
    outcomes = list(files.run([str(root)], Settings(), write=True))
    assert not [o.error for o in outcomes if o.error]


def run_demo(root, server) -> subprocess.CompletedProcess:
    for path in root.rglob("*.py"):
        path.write_text(DASHSCOPE_HOST.sub(server.base_url, path.read_text()))
    return run_program((root / "run.py").read_text(), root, server)


def test_demo_runs_the_same_after_migration(fake_dashscope, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(DEMO, before)
    shutil.copytree(DEMO, after)
    migrate_tree(after)
    assert (after / "support_bot" / "bot.py").read_text() != (DEMO / "support_bot" / "bot.py").read_text()
    assert "self.previous_response_id = completion.id" in (after / "support_bot" / "chat.py").read_text()
    ran_before = run_demo(before, fake_dashscope)
    ran_after = run_demo(after, fake_dashscope)
    assert ran_before.returncode == 0, ran_before.stderr
    assert (ran_after.returncode, ran_after.stdout) == (0, ran_before.stdout), ran_after.stderr


def test_after_apply_only_human_findings_remain(tmp_path):
    shutil.copytree(DEMO, tmp_path / "demo")
    migrate_tree(tmp_path / "demo")
    remaining = []
    for path in sorted((tmp_path / "demo").rglob("*.py")):
        result = migrate_source(path.read_text(), filename=str(path))
        assert not result.changed, path
        remaining += [(path.name, f.code) for f in result.findings]
    # `stop` and `seed` on one call; on the other, the model alone decides (nothing else is said)
    assert remaining == [("classify.py", "RSP007"), ("classify.py", "RSP007"), ("classify.py", "RSP001")]
