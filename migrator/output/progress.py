"""The progress bar of a long run (stderr, only on a terminal)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from migrator.files import Outcome

from migrator.output.console import isatty
from migrator.output.report import Report

#: A run shows a progress bar when it has more files than this, or once it has run this long.
PROGRESS_FILES = 200
PROGRESS_AFTER_SECONDS = 1.0


def progress_wanted(rep: Report) -> bool:
    """Only for a person watching: stderr is a terminal, no `CI` variable, no --quiet."""
    return not rep.quiet and isatty(rep.err.file) and not os.environ.get("CI")


def with_progress(rep: Report, outcomes: Iterable[Outcome], enabled: bool | None = None) -> Iterator[Outcome]:
    """Yield `outcomes` (a `files.Run`: its `total` is known up front); meanwhile, on a long run,
    show a transient progress bar on stderr. The bar is taken down while an outcome that prints
    something is handed out, so no output line ever mixes with it."""
    if not (progress_wanted(rep) if enabled is None else enabled):
        yield from outcomes
        return
    bar = _ProgressBar(rep, getattr(outcomes, "total", None))
    started = time.monotonic()
    try:
        for outcome in outcomes:
            if not bar.started and (
                (bar.total or 0) > PROGRESS_FILES or time.monotonic() - started > PROGRESS_AFTER_SECONDS
            ):
                bar.start()
            result = outcome.result
            prints = (
                outcome.error
                or outcome.cell_errors
                or outcome.is_stdin
                or (result is not None and (result.findings or result.changed))
            )
            if prints:
                bar.hide()
            yield outcome
            bar.advance()
    finally:
        bar.stop()


class _ProgressBar:
    """rich's Progress, refreshed by hand (no thread: nothing writes to the terminal behind our back)."""

    REFRESH_SECONDS = 0.1

    def __init__(self, rep: Report, total: int | None) -> None:
        # rich: imported for a bar that may be shown (a run on a terminal, see `progress_wanted`).
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.total = total
        console = Console(
            file=rep.err.file, force_terminal=True, color_system="standard" if rep.err.color_system else None
        )
        self.progress = Progress(
            TextColumn("migrator {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task(rep.command, total=total)
        self.started = self.shown = False
        self.refreshed = 0.0

    def start(self) -> None:
        self.started = True
        self._show()

    def _show(self) -> None:
        if self.started and not self.shown:
            self.progress.start()
            self.shown = True
            self.refreshed = time.monotonic()

    def hide(self) -> None:
        if self.shown:
            self.progress.stop()  # transient: erases the bar
            self.shown = False

    def advance(self) -> None:
        self.progress.advance(self.task)
        if not self.started:
            return
        now = time.monotonic()
        if not self.shown:
            self._show()
        elif now - self.refreshed >= self.REFRESH_SECONDS:
            self.progress.refresh()
            self.refreshed = now

    def stop(self) -> None:
        self.hide()
