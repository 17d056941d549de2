"""Finding the files to migrate, reading them exactly, and writing them back safely.

Nothing here prints: `run` yields one `Outcome` per file and the CLI hands it to `report`.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import os
import stat
import sys
import tempfile
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from migrator.engine import InternalError, Result, SourceError, could_apply, migrate_source
from migrator.settings import Settings

STDIN = "-"
STDIN_NAME = "<stdin>"

#: Directories never worth walking into: VCS data, caches, installed or built code.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", "build", "dist",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
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
    """What happened to one file. Once it is done, exactly one of `result` and `error` is set."""

    display: str
    is_stdin: bool = False
    #: The bytes read, kept even when they cannot be decoded (so `apply -` can pass them on).
    raw: bytes | None = None
    source: SourceFile | None = None
    result: Result | None = None
    error: str | None = None
    #: The bytes to write (or, for stdin under `apply`, to print): set when the text changed.
    new_raw: bytes | None = None
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed

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
    """The .gitignore files between the repository root and `directory` (above the walk itself)."""
    # abspath, not resolve(): the walk's paths keep their symlinked names, and so must these.
    directory = Path(os.path.abspath(directory))
    chain = [directory, *directory.parents]
    root = next((d for d in chain if (d / ".git").exists()), None)
    ignores = _Ignores()
    if root is None:
        return ignores
    for d in reversed(chain[1 : chain.index(root) + 1]):
        ignores = ignores.with_dir(d)
    return ignores


def _excluded(path: Path, globs: Sequence[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatchcase(path.name, g) or fnmatch.fnmatchcase(text, g) for g in globs)


def _skip_dir(path: Path) -> bool:
    return path.name in SKIP_DIRS or path.name.endswith(".egg-info") or (path / "pyvenv.cfg").is_file()


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[str | Path]:
    """Expand PATH arguments into files (and `STDIN`), each once.

    Files named explicitly are always yielded, whatever they are called; directories yield
    their `*.py` files, sorted, minus skipped directories, .gitignore'd paths and `exclude`
    globs (matched against a file's or directory's name and against its path as shown).
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
            yield from _walk(path, _repo_ignores(path), exclude, seen_dirs, seen_files)
        elif _first_time(path, seen_files):
            yield path


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


def _walk(directory: Path, ignores: _Ignores, exclude: Sequence[str], seen_dirs: set[str], seen_files: set[str]):
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
        if _excluded(path, exclude) or ignores.ignored(absolute / entry.name, is_dir):
            continue
        if is_dir:
            if not _skip_dir(path):
                yield from _walk(path, ignores, exclude, seen_dirs, seen_files)
        elif entry.name.endswith(".py") and _is_file(entry) and _first_time(path, seen_files):
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


def write_source(source: SourceFile, new_raw: bytes) -> None:
    """Replace the file atomically with `new_raw`, keeping its mode.

    Refuses (`FileError`) when the file changed on disk since it was read, so an editor's save
    made meanwhile is not lost. The temporary file never outlives this call.
    """
    assert source.path is not None
    target = Path(os.path.realpath(source.path))  # write through a symlink, not over it
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".migrator")
    except OSError as error:
        raise FileError(f"cannot write: {(error.strerror or str(error)).lower()}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_raw)
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


# --- the run -------------------------------------------------------------------------------------


def process(target: Path | str, settings: Settings, write: bool) -> Outcome:
    """Migrate one file; every failure becomes `Outcome.error` so the other files still run."""
    outcome = Outcome(STDIN_NAME if target == STDIN else str(target), is_stdin=target == STDIN)
    try:
        outcome.raw = read_bytes(target)
        source = outcome.source = source_file(target, outcome.raw)
        if not could_apply(source.text, settings):
            # The cheap path for most files of a codebase: read, scan for a trigger, done.
            outcome.result = Result(source.text, source.text, parsed=False)
            return outcome
        result = migrate_source(source.text, settings, source.display)
        if result.changed:
            outcome.new_raw = encode(result.new_source, source.encoding)
        outcome.result = result
        if write and outcome.new_raw is not None and not outcome.is_stdin:
            write_source(source, outcome.new_raw)
            outcome.written = True
    except (FileError, SourceError, InternalError) as error:
        outcome.error = str(error)
    except RecursionError:
        outcome.error = "the code is nested too deeply to migrate"
    except Exception as error:  # noqa: BLE001 -- a bug in a rule must not stop the other files
        outcome.error = f"internal error ({type(error).__name__}: {error}); please report it"
    if outcome.error:
        outcome.result = None
    return outcome


def run(
    paths: Iterable[str], settings: Settings, *, write: bool = False, exclude: Sequence[str] = ()
) -> Iterator[Outcome]:
    """Discover and process every file, lazily, in a deterministic order.

    `write`: save changed files (the `apply` command); stdin is never written, only printed.
    """
    for target in discover(paths, exclude):
        yield process(target, settings, write)
