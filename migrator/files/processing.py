"""The run: every file found, prefiltered, migrated (on several cores when `jobs` > 1) and
written by the parent alone.

Nothing here prints: `run` yields one `Outcome` per file and the CLI hands it to `report`.
Three kinds of files: Python source, Jupyter notebooks (`migrator.files.notebooks`) and other text
files that may hold the legacy endpoint (`migrator.files.text_files`). Every file is read as bytes
and prefiltered (`migrator.engine.prefilter`); only those that pass are decoded and migrated, on
several cores when `jobs` > 1 (`migrator.files.workers`), and the parent alone writes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path


from migrator.files import notebooks, text_files as textfiles, workers as pool
from migrator.files.discovery import NOTEBOOK, PYTHON, STDIN, STDIN_NAME, TEXT, FileError, discover, kind_of
from migrator.files.source_files import SourceFile, decode, encode, read_bytes, source_file, write_source
from migrator.engine import InternalError, Result, SourceError, migrate_source
from migrator.engine.prefilter import Prefilter
from migrator.analysis import ProjectIndex, may_export_client
from migrator.settings import Settings


@dataclass
class Outcome:
    """What happened to one file. Once it is done, exactly one of `result` and `error` is set.

    A file the prefilter skipped is never decoded: its `result` has `parsed` False and empty
    texts, and its bytes are not kept (but for stdin). A notebook may also have `cell_errors`
    beside its result: cells that do not parse, left as they were while the others migrated.
    """

    display: str
    is_stdin: bool = False
    kind: str = PYTHON
    #: The bytes read, kept even when they cannot be decoded (so `apply -` can pass them on).
    raw: bytes | None = None
    source: SourceFile | None = None
    result: Result | None = None
    error: str | None = None
    #: The bytes to write (or, for stdin under `apply`, to print): set when the text changed.
    new_raw: bytes | None = None
    written: bool = False
    #: For notebooks: (label, old, new) per changed cell, the label added to the path (`:cell 3`).
    parts: list[tuple[str, str, str]] | None = None
    #: For notebooks: one message per code cell that does not parse (`cell 3: line 2, column 5:
    #: invalid syntax`), each reported as an error of the file (the run ends with exit code 2)
    #: though the other cells were migrated, and written by `apply`.
    cell_errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed

    def diff_parts(self) -> list[tuple[str, str, str]]:
        """What a diff shows, as (label added to the path, old text, new text): the whole
        file, or each changed cell of a notebook."""
        if self.parts is not None:
            return self.parts
        assert self.result is not None
        return [("", self.result.source, self.result.new_source)]

    @property
    def output_raw(self) -> bytes:
        """What `apply -` prints: the migrated bytes, or the input as it was (so a pipe loses nothing)."""
        if self.new_raw is not None:
            return self.new_raw
        return self.raw or b""


def _migrate_python(source: SourceFile, settings: Settings, project: ProjectIndex | None = None) -> Result:
    return migrate_source(source.text, settings, source.display, project)


@dataclass(frozen=True)
class _Prefilters:
    python: Prefilter  # for Python files and notebook code cells
    text: Prefilter  # for other text files: the rules that act on them

    @classmethod
    def for_settings(cls, settings: Settings) -> _Prefilters:
        return cls(Prefilter.for_rules(settings), Prefilter.for_rules(settings, textfiles.RULES))

    def passes(self, kind: str, raw: bytes, assume_openai: bool = False) -> bool:
        """`assume_openai`: as if the file named `openai` (its client may come from a module
        of the project that does)."""
        if kind == NOTEBOOK:
            return self.python.in_notebook(raw, assume_openai)
        if kind == TEXT:
            return self.text.in_any_text(raw)
        return self.python.in_python(raw, assume_openai)


#: The result of a file the prefilter skipped.
SKIPPED = Result("", "", parsed=False)


def scan(target: Path | str, prefilters: _Prefilters, for_index: bool = False) -> Outcome:
    """Read a file and prefilter its bytes. The outcome is done (result or error set) unless
    the file needs `migrate`. `for_index`: keep the bytes of a skipped module that may export a
    client, for the project index to read."""
    outcome = Outcome(STDIN_NAME if target == STDIN else str(target), is_stdin=target == STDIN)
    outcome.kind = kind_of(target)
    try:
        outcome.raw = read_bytes(target)
    except FileError as error:
        outcome.error = str(error)
        return outcome
    if not prefilters.passes(outcome.kind, outcome.raw):
        # The cheap path for most files of a codebase: read, search the bytes, done.
        outcome.result = SKIPPED
        exporter = for_index and outcome.kind == PYTHON and may_export_client(outcome.raw)
        if not outcome.is_stdin and not exporter:
            outcome.raw = None  # nothing will be written: keep memory flat on large trees
    return outcome


def needs_migrate(outcome: Outcome) -> bool:
    return outcome.result is None and outcome.error is None


def migrate(outcome: Outcome, settings: Settings, project: ProjectIndex | None = None) -> Outcome:
    """Decode and migrate a scanned file (in a worker process, or here); write nothing.
    Every failure becomes `Outcome.error` so the other files still run."""
    assert outcome.raw is not None
    path = None if outcome.is_stdin else Path(outcome.display)
    try:
        if outcome.kind == NOTEBOOK:
            migrated = notebooks.migrate_notebook(outcome.raw, settings, outcome.display, project)
            outcome.result, outcome.new_raw, outcome.parts = migrated.result, migrated.new_raw, migrated.parts
            outcome.cell_errors = migrated.cell_errors
            outcome.source = SourceFile(path, outcome.display, outcome.raw, migrated.result.source, migrated.encoding)
        elif outcome.kind == TEXT:
            text, encoding, outcome.result, outcome.new_raw = textfiles.migrate_text(outcome.raw, settings)
            outcome.source = SourceFile(path, outcome.display, outcome.raw, text, encoding)
        else:
            source = outcome.source = source_file(STDIN if path is None else path, outcome.raw)
            result = _migrate_python(source, settings, project)
            if result.changed:
                outcome.new_raw = encode(result.new_source, source.encoding)
            outcome.result = result
    except (FileError, SourceError, InternalError, notebooks.NotebookError, textfiles.TextFileError) as error:
        outcome.error = str(error)
    except RecursionError:
        outcome.error = "the code is nested too deeply to migrate"
    except Exception as error:  # noqa: BLE001 -- a bug in a rule must not stop the other files
        outcome.error = f"internal error ({type(error).__name__}: {error}); please report it"
    if outcome.error:
        outcome.result = outcome.new_raw = outcome.parts = None
        outcome.cell_errors = []
    return outcome


def _migrate_chunk(outcomes: list[Outcome], settings: Settings, project: ProjectIndex | None) -> list[Outcome]:
    """What a worker process runs: a chunk of scanned files."""
    return [_slim(migrate(outcome, settings, project)) for outcome in outcomes]


def _slim(outcome: Outcome) -> Outcome:
    """What is worth sending back to the parent: a file that does not change needs neither its
    bytes (nothing will be written) nor a second copy of its text (pickled once when shared)."""
    if outcome.new_raw is None:
        outcome.raw = None
        if outcome.source is not None:
            outcome.source.raw = b""
        if outcome.result is not None and outcome.result.new_source == outcome.result.source:
            outcome.result.new_source = outcome.result.source
    return outcome


def _crashed(outcome: Outcome) -> Outcome:
    outcome.error = "internal error (the worker process migrating this file died); please report it"
    return outcome


def save(outcome: Outcome, write: bool) -> Outcome:
    """Write a changed file (`write`: the `apply` command); stdin is never written, only printed."""
    if write and outcome.error is None and outcome.new_raw is not None and not outcome.is_stdin:
        assert outcome.source is not None
        try:
            write_source(outcome.source, outcome.new_raw)
            outcome.written = True
        except FileError as error:
            outcome.error = str(error)
            outcome.result = outcome.parts = None
    return outcome


def process(target: Path | str, settings: Settings, write: bool) -> Outcome:
    """Scan, migrate and save one file, here and now."""
    outcome = scan(target, _Prefilters.for_settings(settings))
    if needs_migrate(outcome):
        migrate(outcome, settings)
    return save(outcome, write)


def _project_index(scanned: list[Outcome], prefilters: _Prefilters) -> ProjectIndex | None:
    """The clients the scanned modules export. With any, the files the prefilter skipped only
    for not naming `openai` are read again: those that name an exporting module go on to be
    migrated (where Python's parser then looks for the import of one)."""
    exporters = []
    for outcome in scanned:
        if (
            outcome.raw is not None
            and outcome.kind == PYTHON
            and not outcome.is_stdin
            and may_export_client(outcome.raw)
        ):
            try:
                exporters.append((Path(outcome.display), decode(outcome.raw)[0]))
            except FileError:
                pass  # its own run reports why it cannot be read
    for outcome in scanned:
        if outcome.result is SKIPPED and not outcome.is_stdin:
            outcome.raw = None  # an exporter's bytes were needed only for the index
    others = [Path(o.display) for o in scanned if o.kind == PYTHON and not o.is_stdin]
    project = ProjectIndex.build(exporters, others) if exporters else None
    if not project:
        return None
    for outcome in scanned:
        if outcome.result is SKIPPED and outcome.kind != TEXT and not outcome.is_stdin:
            try:
                raw = read_bytes(outcome.display)
            except FileError:
                continue  # it was read a moment ago: leave it skipped
            if any(word in raw for word in project.words) and prefilters.passes(outcome.kind, raw, assume_openai=True):
                outcome.raw, outcome.result = raw, None  # one for `migrate`, with the index
    return project


def default_jobs() -> int:
    """All the cores this process may use (fewer than the machine's under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Run:
    """One run over the files of `paths`: `total` (for a progress bar) is known before the
    first file is read; iterating processes them and yields one `Outcome` each, in the order
    they were found, whatever `jobs` is (1: all in this process)."""

    def __init__(
        self,
        paths: Iterable[str],
        settings: Settings,
        *,
        write: bool = False,
        exclude: Sequence[str] = (),
        include: Sequence[str] = (),
        jobs: int = 1,
    ) -> None:
        self.targets = list(discover(paths, exclude, include))
        self.settings = settings
        self.write = write
        self.jobs = max(1, jobs)

    @property
    def total(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Iterator[Outcome]:
        prefilters = _Prefilters.for_settings(self.settings)
        project = None
        scanned: Iterable[Outcome]
        if self._uses_project_index(prefilters):
            # Every file is read before any is migrated: the index of the clients that modules
            # export must be complete before the first file that imports one is analysed.
            scanned = [scan(target, prefilters, for_index=True) for target in self.targets]
            project = _project_index(scanned, prefilters)
        else:
            scanned = (scan(target, prefilters) for target in self.targets)
        if self.jobs == 1:
            for outcome in scanned:
                if needs_migrate(outcome):
                    migrate(outcome, self.settings, project)
                yield save(outcome, self.write)
            return
        done = pool.ordered(
            scanned,
            # stdin stays here: its bytes were read here, and it is a single file anyway.
            needs_work=lambda outcome: needs_migrate(outcome) and not outcome.is_stdin,
            work=functools.partial(_migrate_chunk, settings=self.settings, project=project),
            crashed=_crashed,
            size=lambda outcome: len(outcome.raw or b""),
            jobs=self.jobs,
        )
        for outcome in done:
            if needs_migrate(outcome):
                migrate(outcome, self.settings, project)
            yield save(outcome, self.write)

    def _uses_project_index(self, prefilters: _Prefilters) -> bool:
        """Clients are followed across modules when files are read (not only stdin), some rule
        acts on OpenAI calls, and it is not turned off (`--no-follow-imports`)."""
        return (
            self.settings.follow_imports
            and bool(prefilters.python.openai_triggers)
            and any(target != STDIN for target in self.targets)
        )


def run(
    paths: Iterable[str],
    settings: Settings,
    *,
    write: bool = False,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    jobs: int = 1,
) -> Run:
    """Discover the files of `paths`; iterate the result to process them, lazily.

    `write`: save changed files (the `apply` command); stdin is never written, only printed.
    """
    return Run(paths, settings, write=write, exclude=exclude, include=include, jobs=jobs)
