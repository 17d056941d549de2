"""What a rule reports: a finding at a place in a file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    """How much a finding asks of the user.

    ``error``: deprecated API use that ``apply`` rewrites (or would, but for the reason given).
    ``warning``: something a human must decide; the tool does not guess.
    ``info``: a note about a rewrite that was made (for example a behavior to be aware of).
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    column: int
    code: str
    message: str
    severity: Severity
    fixable: bool

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @property
    def needs_human(self) -> bool:
        return not self.fixable
