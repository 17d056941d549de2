"""Files in and out: discovery (which files a run looks at), reading and writing them exactly
(source_files: atomic writes, encodings, line endings and modes kept), the run itself (processing:
prefilter, project index, worker processes), notebooks and other text files. Nothing here prints:
`run` yields one `Outcome` per file and the command line hands it to `migrator.output`."""

from __future__ import annotations

from migrator.files.discovery import NOTEBOOK, PYTHON, STDIN, STDIN_NAME, TEXT, FileError, discover, kind_of
from migrator.files.discovery import read_path_list
from migrator.files.processing import Outcome, Run, default_jobs, migrate, process, run
from migrator.files.source_files import SourceFile, decode, encode, read_source, write_source

__all__ = [
    "NOTEBOOK",
    "PYTHON",
    "STDIN",
    "STDIN_NAME",
    "TEXT",
    "FileError",
    "Outcome",
    "Run",
    "SourceFile",
    "decode",
    "default_jobs",
    "discover",
    "encode",
    "kind_of",
    "migrate",
    "process",
    "read_path_list",
    "read_source",
    "run",
    "write_source",
]
