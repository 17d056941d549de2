"""The run: every file found, prefiltered, migrated (on several cores when `jobs` > 1) and
written by the parent alone.

Nothing here prints: `run` yields one `Outcome` per file and the CLI hands it to `report`.
Three kinds of files: Python source, Jupyter notebooks (`migrator.files.notebooks`) and other text
files that may hold the legacy endpoint (`migrator.files.text_files`). Every file is read as bytes
and prefiltered (`migrator.engine.prefilter`); only those that pass are decoded and migrated, on
several cores when `jobs` > 1 and the work pays for workers (`migrator.files.workers`), and the
parent alone writes.

What parsing takes (LibCST, black, the rules, the analysis: half a second of imports, more
than the rest of a small run) is imported only once a file has passed the prefilter: a
pre-commit hook on a commit with no OpenAI code never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from migrator.files import text_files as textfiles, workers as pool
from migrator.files.discovery import NOTEBOOK, PYTHON, STDIN, STDIN_NAME, TEXT, FileError, discover, kind_of
from migrator.files.source_files import SourceFile, decode, encode, read_bytes, source_file, write_source
from migrator.engine import Result
from migrator.engine.prefilter import OPENAI, Prefilter
from migrator.settings import Settings

if TYPE_CHECKING:
    from migrator.analysis import Feed, ProjectIndex


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


def migrate_source(
    source: str, settings: Settings, filename: str = "<string>", project: ProjectIndex | None = None
) -> Result:
    """The engine's `migrate_source`, imported on the first call (see the module's docstring)."""
    from migrator.engine import migrate_source

    return migrate_source(source, settings, filename, project)


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
    the file needs `migrate`. `for_index`: keep the bytes of a skipped module that names `openai`
    (it may export a client), for the project index to read."""
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
        kept = for_index and outcome.kind == PYTHON and (_OPENAI_BYTES in outcome.raw or may_hold_doubles(outcome.raw))
        if not outcome.is_stdin and not kept:
            outcome.raw = None  # nothing will be written: keep memory flat on large trees
    return outcome


#: A module that may export a client names `openai` (`analysis.may_export_client` asks that first).
_OPENAI_BYTES = OPENAI.encode()
#: Bytes a test file holding a double of an OpenAI client's Chat method has (`analysis.doubles`):
#: the method's path, and a mock (`patch` too comes from `unittest.mock`, `mock` or `mocker`).
_DOUBLE_WORDS = (b"mock", b"Mock")


def _may_share_doubles(raw: bytes) -> bool:
    """Whether a file's bytes may make a double of an OpenAI client: a mock, and the client class
    or the SDK named (a conftest.py giving one as a fixture need not name `completions`: its
    tests set that up)."""
    return any(word in raw for word in _DOUBLE_WORDS) and (b"OpenAI" in raw or _OPENAI_BYTES in raw)


def may_hold_doubles(raw: bytes) -> bool:
    """Whether a file's bytes may hold a test double of an OpenAI client's Chat method: a mock
    of it names the client class (`spec=OpenAI`, `patch("pkg.llm.OpenAI")`, where the file may
    never name `openai` itself) or the SDK (`patch("openai.resources.chat...")`)."""
    return b"completions" in raw and _may_share_doubles(raw)


def needs_migrate(outcome: Outcome) -> bool:
    return outcome.result is None and outcome.error is None


def migrate(outcome: Outcome, settings: Settings, project: ProjectIndex | None = None) -> Outcome:
    """Decode and migrate a scanned file (in a worker process, or here); write nothing.
    Every failure becomes `Outcome.error` so the other files still run."""
    assert outcome.raw is not None
    # Imported by the first file that passed the prefilter (see the module's docstring).
    from migrator.engine import InternalError, SourceError

    path = None if outcome.is_stdin else Path(outcome.display)
    errors: tuple[type[Exception], ...] = (FileError, SourceError, InternalError, textfiles.TextFileError)
    try:
        if outcome.kind == NOTEBOOK:
            from migrator.files import notebooks  # (a score of regular expressions: for notebooks only)

            errors += (notebooks.NotebookError,)
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
    except errors as error:
        outcome.error = str(error)
    except RecursionError:
        outcome.error = "the code is nested too deeply to migrate"
    except Exception as error:  # noqa: BLE001 -- a bug in a rule must not stop the other files
        outcome.error = f"internal error ({type(error).__name__}: {error}); please report it"
    if outcome.error:
        outcome.result = outcome.new_raw = outcome.parts = None
        outcome.cell_errors = []
    return outcome


@dataclass
class _Migration:
    """How the files of a run are migrated: with these settings and this project index. Called
    on a chunk of scanned files, it is what a worker process runs (pickled when a chunk is sent,
    so it carries the settings as they are by then)."""

    settings: Settings
    project: ProjectIndex | None = None

    def __call__(self, outcomes: list[Outcome]) -> list[Outcome]:
        return [_slim(migrate(outcome, self.settings, self.project)) for outcome in outcomes]

    def one(self, outcome: Outcome) -> Outcome:
        return migrate(outcome, self.settings, self.project)


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


def _project_index(scanned: list[Outcome], prefilters: _Prefilters, settings: Settings) -> ProjectIndex | None:
    """The clients the scanned modules export. With any, the files the prefilter skipped only
    for not naming `openai` are read again: those that name an exporting module go on to be
    migrated (where Python's parser then looks for the import of one).

    Neither the analysis (with LibCST) nor the index are needed when no file could use a client
    from elsewhere: none passed the prefilter, and none it skipped would pass it were `openai`
    imported (`_could_use_a_client`). Then no module is even asked whether it exports one."""
    named_openai = [
        outcome
        for outcome in scanned
        if outcome.raw is not None and outcome.kind == PYTHON and not outcome.is_stdin and _OPENAI_BYTES in outcome.raw
    ]
    exporters = []
    if named_openai and (
        any(needs_migrate(outcome) for outcome in scanned) or any(_could_use_a_client(scanned, prefilters))
    ):
        from migrator.analysis import may_export_client  # LibCST: see the module's docstring

        for outcome in named_openai:
            assert outcome.raw is not None
            if may_export_client(outcome.raw):
                try:
                    exporters.append((Path(outcome.display), decode(outcome.raw)[0]))
                except FileError:
                    pass  # its own run reports why it cannot be read
    project = None
    others = [Path(o.display) for o in scanned if o.kind == PYTHON and not o.is_stdin]
    if exporters:
        from migrator.analysis import ProjectIndex, provider_overrides

        # where each client sends its requests
        with provider_overrides(settings.provider_overrides, settings.declared_base_urls):
            project = ProjectIndex.build(exporters, others) or None
    project = _add_test_doubles(scanned, settings, project, others)
    for outcome in scanned:
        if outcome.result is SKIPPED and not outcome.is_stdin:
            outcome.raw = None  # a module's bytes were needed only for the index
    if project is not None and (project.instances or project.factories):
        for outcome, raw in _could_use_a_client(scanned, prefilters, project.words):
            outcome.raw, outcome.result = raw, None  # one for `migrate`, with the index
    return project


def _add_test_doubles(
    scanned: list[Outcome], settings: Settings, project: ProjectIndex | None, others: list[Path]
) -> ProjectIndex | None:
    """The test doubles of OpenAI clients in the files of the run, and which modules each
    stands in for (`analysis.doubles`): a module whose double cannot take the Responses shape
    keeps its calls on Chat Completions, and the doubles of a module whose calls migrate are
    rewritten with it. So the verdict of each such module is taken here, before any file is
    migrated (it costs a second migration of those few modules)."""
    python = [
        outcome for outcome in scanned if outcome.kind == PYTHON and not outcome.is_stdin and outcome.raw is not None
    ]
    candidates = [outcome for outcome in python if may_hold_doubles(outcome.raw or b"")]
    conftests = any(
        Path(outcome.display).name == "conftest.py" and _may_share_doubles(outcome.raw or b"") for outcome in python
    )
    if not candidates and not conftests:
        return project
    from migrator.analysis import ProjectIndex, RunModules, checks_would_fail, feeds_of, provider_overrides
    from migrator.engine import SourceError, migrate_source
    from migrator.syntax import SourceTree

    import libcst as cst

    modules = RunModules.of(others)
    # Tests that take a double from a fixture of a conftest.py may name neither a mock nor OpenAI.
    fixtures = {name.encode() for shared in modules.shared_doubles().values() for name in shared}
    if fixtures:
        chosen = {id(outcome) for outcome in candidates}
        candidates += [
            outcome
            for outcome in python
            if id(outcome) not in chosen
            and b"completions" in (outcome.raw or b"")
            and any(name in (outcome.raw or b"") for name in fixtures)
        ]
    if not candidates:
        return project
    feeds: dict[str, list[Feed]] = {}
    double_files = set()
    for outcome in candidates:
        assert outcome.raw is not None
        try:
            tree = SourceTree(cst.parse_module(decode(outcome.raw)[0]))
        except (FileError, cst.ParserSyntaxError, RecursionError):
            continue  # its own run reports why
        found, has_doubles = feeds_of(tree, outcome.display, modules)
        for module, module_feeds in found.items():
            feeds.setdefault(module, []).extend(module_feeds)
        if has_doubles:
            double_files.add(str(Path(outcome.display).resolve()))
            if outcome.result is SKIPPED:
                outcome.result = None  # analysed as a file that uses OpenAI (see `double_files`)
    if not double_files:
        return project
    project = project if project is not None else ProjectIndex()
    project.run_modules, project.feeds, project.double_files = modules, feeds, frozenset(double_files)
    migrated = set()
    for module, module_feeds in list(feeds.items()):
        path = modules.path_of(module)
        if path is None or any(feed.why_not for feed in module_feeds):
            continue
        try:
            with provider_overrides(settings.provider_overrides, settings.declared_base_urls):
                result = migrate_source(decode(read_bytes(path))[0], settings, path, project)
        except (FileError, SourceError):
            continue
        if not result.migrated_calls:
            continue
        changing = _rules_changing_sent_values(result)
        if changing and any(feed.checks_arguments for feed in module_feeds):
            # The test checks the arguments its double got: after a migration that sends other
            # values, the check would fail. The module waits, with its doubles.
            project.sends_otherwise[module] = changing
            why_not = checks_would_fail(changing)
            feeds[module] = [replace(feed, why_not=why_not) if feed.checks_arguments else feed for feed in module_feeds]
            continue
        migrated.add(module)
    project.migrated = frozenset(migrated)
    return project


def _rules_changing_sent_values(result: Result) -> list[str]:
    """The codes of the rules whose rewrites in `result` change what a migrated call sends."""
    from migrator.rules import rule_by_code

    codes = {finding.code for finding in result.findings if finding.fixable}
    return sorted(code for code in codes if not getattr(rule_by_code(code), "keeps_sent_values", False))


def _could_use_a_client(
    scanned: list[Outcome], prefilters: _Prefilters, words: tuple[bytes, ...] | None = None
) -> Iterator[tuple[Outcome, bytes]]:
    """The files the prefilter skipped that it would have let through had they named `openai`
    (their client may come from a module of the project), each with its bytes, read again;
    with `words`, only those that hold one of them (the name of a module that exports a client).
    (Read again rather than kept or asked at the first read: on a large tree nearly no file is
    ever asked, as most runs find no module that exports a client.)"""
    for outcome in scanned:
        if outcome.result is SKIPPED and outcome.kind != TEXT and not outcome.is_stdin:
            try:
                raw = read_bytes(outcome.display)
            except FileError:
                continue  # it was read a moment ago: leave it skipped
            if (words is None or any(word in raw for word in words)) and prefilters.passes(
                outcome.kind, raw, assume_openai=True
            ):
                yield outcome, raw


def default_jobs() -> int:
    """All the cores this process may use (fewer than the machine's under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Run:
    """One run over the files of `paths`: `total` (for a progress bar) is known before the
    first file is read; iterating processes them and yields one `Outcome` each, in the order
    they were found, whatever `jobs` is (1: all in this process; more: worker processes, when
    the files to parse are worth them, see `migrator.files.workers`).

    `before_parsing`, when given, is called once, in this process, when the first file that
    passed the prefilter is about to be parsed (never, in a run where none does), once the
    engine is imported: it returns the settings to parse with. The command line takes black's
    line length there (a run that parses nothing never needs it).
    """

    def __init__(
        self,
        paths: Iterable[str],
        settings: Settings,
        *,
        write: bool = False,
        exclude: Sequence[str] = (),
        include: Sequence[str] = (),
        jobs: int = 1,
        before_parsing: Callable[[Settings], Settings] | None = None,
    ) -> None:
        self.targets = list(discover(paths, exclude, include))
        self.settings = settings
        self.write = write
        self.jobs = max(1, jobs)
        self.before_parsing = before_parsing

    @property
    def total(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Iterator[Outcome]:
        prefilters = _Prefilters.for_settings(self.settings)
        migration = _Migration(self.settings)
        scanned: Iterable[Outcome]
        if self._uses_project_index(prefilters):
            # Every file is read before any is migrated: the index of the clients that modules
            # export must be complete before the first file that imports one is analysed.
            scanned = [scan(target, prefilters, for_index=True) for target in self.targets]
            migration.project = _project_index(scanned, prefilters, self.settings)
        else:
            scanned = (scan(target, prefilters) for target in self.targets)
        outcomes = self._ready_to_parse(scanned, migration)
        if self.jobs > 1:
            outcomes = pool.ordered(
                outcomes,
                # stdin stays here: its bytes were read here, and it is a single file anyway.
                needs_work=lambda outcome: needs_migrate(outcome) and not outcome.is_stdin,
                work=migration,
                crashed=_crashed,
                size=lambda outcome: len(outcome.raw or b""),
                jobs=self.jobs,
            )
        for outcome in outcomes:
            if needs_migrate(outcome):
                migration.one(outcome)
            yield save(outcome, self.write)

    def _ready_to_parse(self, scanned: Iterable[Outcome], migration: _Migration) -> Iterator[Outcome]:
        """`scanned`, as it comes; before the first file that needs parsing is handed on, the
        engine and every rule are imported here (so that worker processes, forked after, start
        with them) and `before_parsing` gives the settings to parse with."""
        ready = False
        for outcome in scanned:
            if not ready and needs_migrate(outcome):
                ready = True
                import migrator.engine.core  # noqa: F401 -- imported for its side effect (see above)
                from migrator.rules import all_rules

                all_rules()
                if self.before_parsing is not None:
                    migration.settings = self.before_parsing(migration.settings)
            yield outcome

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
    before_parsing: Callable[[Settings], Settings] | None = None,
) -> Run:
    """Discover the files of `paths`; iterate the result to process them, lazily.

    `write`: save changed files (the `apply` command); stdin is never written, only printed.
    `before_parsing`: see `Run`.
    """
    return Run(paths, settings, write=write, exclude=exclude, include=include, jobs=jobs, before_parsing=before_parsing)
