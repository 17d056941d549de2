"""Soak test: `migrator apply` over a copy of the Python standard library.

    python scripts/soak.py [--every N] [--plant-every K] [--jobs N] [--keep DIR]

Copies the `*.py` files of the running Python's standard library (minus site-packages) into
a temporary directory and adds an `import openai` line with a rule trigger in its comment to
each, so that every file is parsed and analysed instead of skipped by the prefilter. Every K-th file also gets a
fixture's `before.py` appended (real OpenAI code inside real-world code). Then it runs
`apply` over the copy, in this process, and checks:

- no file fails with an internal error; a failed file that Python compiles is listed apart
  (valid code that migrator refuses: a parser's limits, reported per file, never changed);
- every file without planted code is byte-for-byte what it was (nothing there to migrate);
- every changed file compiles, and a second run changes nothing (idempotence);
- no temporary file is left behind.

It prints counts and timings, and exits 1 when a check fails. `tests/e2e/test_soak.py` runs the
same checks on a sample, so a slow full soak is only needed now and then.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fixture_cases import all_cases

from migrator.files import processing as files
from migrator.settings import Settings

#: Appended to every copied file: a trigger of the call rules in a file that imports openai,
#: so nothing is skipped unread.
TRIGGER_LINE = "import openai  # migrator soak: client.chat.completions\n"
_FUTURE = re.compile(r"^from __future__ import .*$", re.MULTILINE)


@dataclass
class Soak:
    """What one soak run found. `bugs` is empty when every check held."""

    root: Path
    copied: int = 0
    planted: set[str] = field(default_factory=set)
    processed: int = 0
    skipped_by_prefilter: int = 0
    changed: int = 0
    failed: Counter = field(default_factory=Counter)  # reason (without positions) → files
    bugs: list[str] = field(default_factory=list)
    #: Valid Python that migrator refuses (one error line each): parser limits, not wrong output.
    refused_valid: list[str] = field(default_factory=list)
    seconds: float = 0.0
    check_seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.copied} files copied, {len(self.planted)} with fixture code planted",
            (
                f"{self.processed} processed by apply in {self.seconds:.1f} s "
                f"({self.processed / max(self.seconds, 1e-9):.0f} files/s), "
                f"{self.skipped_by_prefilter} skipped by the prefilter"
            ),
            f"{self.changed} changed, {sum(self.failed.values())} failed:",
        ]
        lines += [f"    {count:5}  {reason}" for reason, count in self.failed.most_common()]
        lines.append(f"valid Python refused ({len(self.refused_valid)}; reported per file, never changed):")
        lines += [f"    {refused}" for refused in self.refused_valid]
        lines.append(f"checks took {self.check_seconds:.1f} s; {len(self.bugs)} problems")
        lines += [f"  PROBLEM {bug}" for bug in self.bugs]
        return "\n".join(lines)


def stdlib_files() -> list[Path]:
    """The standard library's `*.py` files, sorted, minus installed packages and caches."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__"))
        found += [Path(directory, name) for name in sorted(names) if name.endswith(".py")]
    return found


def _fixture_code() -> list[str]:
    """The fixtures' before.py, without `from __future__` lines (they must open a module)."""
    return [_FUTURE.sub("", case.before.read_text()) for case in all_cases()]


def _with_trigger(raw: bytes) -> bytes:
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    separator = b"" if raw.endswith((b"\n", b"\r")) or not raw else newline
    return raw + separator + TRIGGER_LINE.encode().replace(b"\n", newline)


def _planted(raw: bytes, code: str) -> bytes | None:
    """`raw` with `code` appended, in the file's own encoding and line endings; None if it cannot be."""
    try:
        text, encoding = files.decode(raw)
        newline = "\r\n" if "\r\n" in text else "\n"
        return (text + newline + code.replace("\n", newline)).encode(encoding)
    except (files.FileError, UnicodeError):
        return None


def build_corpus(dest: Path, every: int = 1, offset: int = 0, plant_every: int = 7, trigger: bool = True) -> Soak:
    """Copy the standard library (every `every`-th file from `offset`) into `dest`; with
    `trigger`, each with a comment that makes it worth parsing."""
    soak = Soak(dest)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    fixtures = _fixture_code()
    for number, source in enumerate(stdlib_files()[offset::every]):
        relative = source.relative_to(stdlib)
        raw = source.read_bytes()
        if trigger:
            raw = _with_trigger(raw)
        if plant_every and number % plant_every == plant_every - 1:
            planted = _planted(raw, fixtures[(number // plant_every) % len(fixtures)])
            if planted is not None:
                raw = planted
                soak.planted.add(relative.as_posix())
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
        soak.copied += 1
    return soak


def _reason(error: str) -> str:
    """An error message without its positions, to count alike failures together."""
    return re.sub(r"\d+", "N", error)[:100]


def _python_compiles(raw: bytes) -> bool:
    try:
        compile(raw, "<soak>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def run_soak(soak: Soak, settings: Settings | None = None, jobs: int = 1) -> Soak:
    """Run `apply` over the corpus and check everything; fills in `soak`."""
    settings = settings or Settings()
    before = {path: path.read_bytes() for path in soak.root.rglob("*.py")}
    started = time.perf_counter()
    outcomes = list(files.run([str(soak.root)], settings, write=True, jobs=jobs))
    soak.seconds = time.perf_counter() - started
    started = time.perf_counter()
    soak.processed = len(outcomes)
    for outcome in outcomes:
        _check_outcome(soak, outcome, before, settings)
    leftovers = [p for p in soak.root.rglob("*") if p.name.endswith(".migrator")]
    soak.bugs += [f"temporary file left behind: {p}" for p in leftovers]
    soak.check_seconds = time.perf_counter() - started
    return soak


def _check_outcome(soak: Soak, outcome: files.Outcome, before: dict[Path, bytes], settings: Settings) -> None:
    path = Path(outcome.display)
    relative = path.relative_to(soak.root).as_posix()
    original = before.get(path)
    now = path.read_bytes()
    if outcome.error is not None:
        soak.failed[_reason(outcome.error)] += 1
        if "internal error" in outcome.error or "produced code" in outcome.error:
            soak.bugs.append(f"{relative}: {outcome.error}")
        elif original is not None and _python_compiles(original):
            soak.refused_valid.append(f"{relative}: {outcome.error[:150]}")
        if now != original:
            soak.bugs.append(f"{relative}: failed, yet the file changed")
        return
    if outcome.result is not None and not outcome.result.parsed:
        soak.skipped_by_prefilter += 1
    if now == original:
        return
    soak.changed += 1
    if relative not in soak.planted:
        soak.bugs.append(f"{relative}: changed, but nothing in it was there to migrate")
    if not _python_compiles(now):
        soak.bugs.append(f"{relative}: the migrated file does not compile")
        return
    second = files.process(path, settings, write=False)
    if second.error is not None or second.changed:
        soak.bugs.append(
            f"{relative}: a second run {'failed: ' + second.error if second.error else 'changed it again'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=1, help="take every N-th file (default: all)")
    parser.add_argument("--offset", type=int, default=0, help="start the sample at this file")
    parser.add_argument("--plant-every", type=int, default=7, help="plant fixture code in every K-th file (0: none)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus in DIR and keep it")
    parser.add_argument(
        "--plain", action="store_true", help="no trigger lines: the prefilter skips what it would in real use"
    )
    args = parser.parse_args()
    dest = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="migrator-soak-"))
    try:
        started = time.perf_counter()
        soak = build_corpus(dest / "stdlib", args.every, args.offset, args.plant_every, trigger=not args.plain)
        print(f"Python {sys.version.split()[0]}: corpus built in {time.perf_counter() - started:.1f} s")
        run_soak(soak, jobs=args.jobs)
        print(soak.summary())
    finally:
        if not args.keep:
            shutil.rmtree(dest, ignore_errors=True)
    return 1 if soak.bugs else 0


if __name__ == "__main__":
    sys.exit(main())
