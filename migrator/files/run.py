"""Finding the files to migrate, reading them exactly, and writing them back safely.

Nothing here prints: `run` yields one `Outcome` per file and the CLI hands it to `report`.
Three kinds of files: Python source, Jupyter notebooks (`migrator.files.notebooks`) and other text
files that may hold the legacy endpoint (`migrator.files.text_files`). Every file is read as bytes
and prefiltered (`migrator.engine.prefilter`); only those that pass are decoded and migrated, on
several cores when `jobs` > 1 (`migrator.files.workers`), and the parent alone writes.
"""

from __future__ import annotations

import codecs
import contextlib
import fnmatch
import functools
import io
import os
import signal
import stat
import sys
import tempfile
import threading
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from migrator.files import notebooks, text_files as textfiles, workers as pool
from migrator.engine import InternalError, Result, SourceError, migrate_source
from migrator.engine.prefilter import Prefilter
from migrator.analysis import ProjectIndex, may_export_client
from migrator.settings import Settings

STDIN = "-"
STDIN_NAME = "<stdin>"

PYTHON, NOTEBOOK, TEXT = "python", "notebook", "text"

#: Directories never worth walking into: VCS data, caches, installed or built code.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", "build", "dist",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".ipynb_checkpoints",
    }
)  # fmt: skip


class FileError(Exception):
    """This file cannot be processed; the message says why, in a few words."""


@dataclass
class SourceFile:
    """A file's text and everything needed to write it back byte-for-byte alike."""

    path: Path | None  # None for stdin
    display: str
    raw: bytes
    text: str
    encoding: str  # a Python codec name; "utf-8-sig" when the file starts with a BOM

    @property
    def is_stdin(self) -> bool:
        return self.path is None


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


# --- discovery ---------------------------------------------------------------------------------


@dataclass
class _Ignores:
    """The .gitignore files that apply in one directory, deepest last."""

    #: (absolute directory, its patterns); absolute so the repository's files and the walk agree.
    specs: tuple[tuple[Path, pathspec.GitIgnoreSpec], ...] = ()

    def with_dir(self, directory: Path) -> _Ignores:
        spec = _load_gitignore(directory)
        return _Ignores(self.specs + ((directory, spec),)) if spec else self

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """`path` is absolute."""
        # As git does: the deepest .gitignore with a matching pattern decides (so `!x` can re-include).
        for base, spec in reversed(self.specs):
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            include = spec.check_file(rel).include
            if include is not None:
                return include
        return False


def _load_gitignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _repo_ignores(directory: Path) -> _Ignores:
    """The .gitignore files between the repository root and `directory` (above the walk itself).

    None of them when they ignore `directory` or a folder above it: a directory named on the
    command line is walked, as a file named there is read (its own .gitignore files apply)."""
    # abspath, not resolve(): the walk's paths keep their symlinked names, and so must these.
    directory = Path(os.path.abspath(directory))
    chain = [directory, *directory.parents]
    root = next((d for d in chain if (d / ".git").exists()), None)
    ignores = _Ignores()
    if root is None:
        return ignores
    for d in reversed(chain[1 : chain.index(root) + 1]):
        ignores = ignores.with_dir(d)
        below = chain[chain.index(d) - 1]
        if ignores.ignored(below, is_dir=True):
            return _Ignores()
    return ignores


def _matches(path: Path, globs: Sequence[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatchcase(path.name, g) or fnmatch.fnmatchcase(text, g) for g in globs)


def _skip_dir(path: Path) -> bool:
    return path.name in SKIP_DIRS or path.name.endswith(".egg-info") or (path / "pyvenv.cfg").is_file()


def kind_of(target: Path | str) -> str:
    """How a file is read, by its name; a name we do not know is Python (a script called `tool`)."""
    if target == STDIN:
        return PYTHON
    name = Path(target).name
    if name.endswith(".ipynb"):
        return NOTEBOOK
    if name.endswith((".py", ".pyw", ".pyi")) or not textfiles.is_text(name):
        return PYTHON
    return TEXT


def _wanted(path: Path, include: Sequence[str]) -> bool:
    """Whether a file found in a directory is one to process."""
    if include:
        return _matches(path, include)
    return path.name.endswith((".py", ".ipynb")) or textfiles.is_discovered(path.name)


def discover(paths: Iterable[str], exclude: Sequence[str] = (), include: Sequence[str] = ()) -> Iterator[str | Path]:
    """Expand PATH arguments into files (and `STDIN`), each once.

    Files named explicitly are always yielded, whatever they are called; directories yield
    their files, sorted, minus skipped directories, .gitignore'd paths and `exclude` globs
    (matched against a file's or directory's name and against its path as shown). The files
    a directory yields are its `*.py` files, notebooks and text files that may hold an
    endpoint (`textfiles.DISCOVERED`), or, with `include` globs, the files matching one.
    Paths that do not exist are yielded too, so that reading them reports the error.
    """
    seen_files: set[str] = set()
    seen_dirs: set[str] = set()
    for arg in paths:
        if arg == STDIN:
            yield STDIN
            continue
        path = Path(arg)
        if path.is_dir():
            yield from _walk(path, _repo_ignores(path), exclude, include, seen_dirs, seen_files)
        elif _first_time(path, seen_files):
            yield path


def read_path_list(source: str) -> list[str]:
    """The paths listed one a line in file `source` (`-`: stdin), for --files-from; blank
    lines are skipped. A line `-` names a file called `-`, not stdin."""
    try:
        text = sys.stdin.read() if source == STDIN else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileError(f"cannot read {source}: {getattr(error, 'strerror', None) or error}") from None
    paths = (line.strip() for line in text.splitlines())
    return [os.path.join(".", path) if path == STDIN else path for path in paths if path]


def _first_time(path: Path, seen: set[str]) -> bool:
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()  # not a FIFO or socket named *.py, which would block or fail
    except OSError:
        return False


def _walk(
    directory: Path,
    ignores: _Ignores,
    exclude: Sequence[str],
    include: Sequence[str],
    seen_dirs: set[str],
    seen_files: set[str],
) -> Iterator[Path]:
    # Real paths, so a symlink back up the tree (or two names for one directory) is walked once.
    if not _first_time(directory, seen_dirs):
        return
    absolute = Path(os.path.abspath(directory))
    ignores = ignores.with_dir(absolute)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return  # an unreadable directory holds nothing we could migrate anyway
    for entry in entries:
        path = directory / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if _matches(path, exclude) or ignores.ignored(absolute / entry.name, is_dir):
            continue
        if is_dir:
            if not _skip_dir(path):
                yield from _walk(path, ignores, exclude, include, seen_dirs, seen_files)
        elif _wanted(path, include) and _is_file(entry) and _first_time(path, seen_files):
            yield path


# --- reading and writing -------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding) as Python itself would read the file, line endings untouched."""
    if b"\0" in raw:
        raise FileError("not a text file (it contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:
        raise FileError(_encoding_problem(error.msg)) from None
    try:
        # bytes.decode, not open(): no newline translation, so CRLF survives the round trip.
        return raw.decode(encoding), encoding
    except UnicodeDecodeError:
        raise FileError(f"cannot decode as {_codec_name(encoding)}") from None


def _encoding_problem(message: str) -> str:
    # tokenize's messages, in words that say what to fix.
    if message.startswith("invalid or missing encoding declaration"):
        return "cannot decode as utf-8 (and it declares no other encoding)"
    if message.startswith("encoding problem"):
        return "bad encoding declaration (a UTF-8 BOM, but another encoding declared)"
    return f"bad encoding declaration ({message})"


def encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)  # "utf-8-sig" writes the BOM back
    except UnicodeEncodeError:
        raise FileError(f"the migrated code cannot be encoded as {_codec_name(encoding)}; left as it was") from None


def _codec_name(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else codecs.lookup(encoding).name


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes (stdin's for `STDIN`); `FileError` when it cannot be read."""
    if path == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise FileError("is a directory") from None
    except OSError as error:
        raise FileError((error.strerror or str(error)).lower()) from None


def source_file(path: Path | str, raw: bytes) -> SourceFile:
    """Decode `raw`, read from `path`; `FileError` when it is not Python source text."""
    text, encoding = decode(raw)
    if path == STDIN:
        return SourceFile(None, STDIN_NAME, raw, text, encoding)
    return SourceFile(Path(path), str(path), raw, text, encoding)


def read_source(path: Path | str) -> SourceFile:
    """Read and decode a file (or stdin for `STDIN`); `FileError` when that is not possible."""
    return source_file(path, read_bytes(path))


def _migrate_python(source: SourceFile, settings: Settings, project: ProjectIndex | None = None) -> Result:
    return migrate_source(source.text, settings, source.display, project)


def write_source(source: SourceFile, new_raw: bytes) -> None:
    """Replace the file atomically with `new_raw`, keeping its mode (and owner, where allowed).

    Refuses (`FileError`) when the file changed on disk since it was read, so an editor's save
    made meanwhile is not lost. The temporary file never outlives this call: Ctrl-C (or a
    SIGTERM, SIGHUP) waits until the file is replaced or left as it was, then takes effect.
    """
    assert source.path is not None
    with _signals_held():
        _replace(source, new_raw)


#: What a user or the system sends to stop a run: held for the few milliseconds of a write.
_HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold stop signals for the block and deliver them after it; a second one interrupts at
    once (KeyboardInterrupt: the write's cleanup still runs). Only the main thread may set
    handlers; elsewhere, nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, object]] = []

    def hold(signum: int, frame: object) -> None:
        if held:
            raise KeyboardInterrupt
        held.append((signum, frame))

    previous = {signum: signal.signal(signum, hold) for signum in _HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for signum, frame in held[:1]:
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)  # Python's SIGINT handler raises KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)  # the default action: the process ends, the file is whole


def _replace(source: SourceFile, new_raw: bytes) -> None:
    target = Path(os.path.realpath(source.path))  # write through a symlink, not over it
    try:
        status = target.stat()
        mode = stat.S_IMODE(status.st_mode)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".migrator")
    except OSError as error:
        raise FileError(f"cannot write: {(error.strerror or str(error)).lower()}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_raw)
        _keep_owner(tmp, status)  # before chmod: chown clears the setuid and setgid bits
        os.chmod(tmp, mode)
        # Checked as late as possible, right before the swap, to keep the race window small.
        if target.read_bytes() != source.raw:
            raise FileError("changed on disk while migrator was running; not overwritten")
        os.replace(tmp, target)
    except BaseException as error:  # KeyboardInterrupt too: never leave the temp file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise FileError(f"cannot write: {(error.strerror or str(error)).lower()}") from None
        raise


def _keep_owner(tmp: str, status: os.stat_result) -> None:
    """Give the new file the old one's owner and group, as far as we may: else `sudo migrator
    apply` (or a container running as root) would leave the user's files owned by root."""
    if not hasattr(os, "chown") or (status.st_uid, status.st_gid) == (os.geteuid(), os.getegid()):
        return
    for uid in (status.st_uid, -1):  # only root may give a file away; a group we are in, anyone
        try:
            os.chown(tmp, uid, status.st_gid)
            return
        except OSError:
            continue


# --- the run -------------------------------------------------------------------------------------


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
