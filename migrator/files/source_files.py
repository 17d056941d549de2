"""Reading files exactly and writing them back safely: bytes decoded as Python itself would
(encoding declarations, BOMs, line endings untouched), and atomic writes (a temporary file, then
one rename) that keep the mode and owner, hold off Ctrl-C, and refuse to overwrite a file edited
while migrator ran."""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import signal
import stat
import sys
import threading
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from migrator.files.discovery import STDIN, STDIN_NAME, FileError


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
    held: list[tuple[int, FrameType | None]] = []

    def hold(signum: int, frame: FrameType | None) -> None:
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
    import tempfile  # (with shutil and random: only `apply` writes, and only changed files)

    assert source.path is not None  # (stdin is printed, never written)
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
