"""Module names of files: `pkg.sub.mod` for pkg/sub/mod.py inside packages, and relative import
names resolved against the importing module."""

from __future__ import annotations

import functools
from pathlib import Path


def module_name(path: Path) -> str | None:
    """`pkg.sub.mod` for pkg/sub/mod.py inside packages (folders with __init__.py)."""
    path = path.resolve()
    parts = [*_package_of(path.parent), *([] if path.name == "__init__.py" else [path.stem])]
    return ".".join(parts) if parts else None


@functools.lru_cache(maxsize=4096)
def _package_of(folder: Path) -> tuple[str, ...]:
    """The dotted package a folder is, as names; () outside packages. Cached: the files of a
    run share their folders (`ProjectIndex.build` starts afresh)."""
    if folder.parent == folder or not (folder / "__init__.py").exists():
        return ()
    return (*_package_of(folder.parent), folder.name)


def absolute_name(qualified: str, module: str | None, is_package: bool) -> str | None:
    """Resolve a relative import name (`.clients.client`) against the importing module."""
    if not qualified.startswith("."):
        return qualified
    if module is None:
        return None
    level = len(qualified) - len(qualified.lstrip("."))
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    rest = qualified[level:]
    return ".".join([*base, rest]) if base else rest


def forget_packages() -> None:
    """Forget which folders are packages (they may have changed since an earlier run)."""
    _package_of.cache_clear()
