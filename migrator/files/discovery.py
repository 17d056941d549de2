"""Finding the files to migrate: PATH arguments expanded into files, `.gitignore` respected,
virtual environments, VCS and build folders skipped, `--exclude` / `--include` applied."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migrator.files import text_files as textfiles

if TYPE_CHECKING:
    import pathspec

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
    # Imported for the first .gitignore found: runs over the files of a commit never need it.
    import pathspec

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


def _is_file(entry: os.DirEntry[str]) -> bool:
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
