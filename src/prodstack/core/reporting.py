"""How logic tells the user what it is doing: through a `Reporter`, never by printing.

The CLI chooses the reporter (stderr for people, nothing for tests and JSON output); the
progress line of a Terraform run is the runner's own (`tf.progress`).
"""

from __future__ import annotations

import sys
from typing import Protocol


class Reporter(Protocol):
    def say(self, message: str) -> None:
        """One line of what is happening, for the person running the command."""


class StderrReporter:
    def say(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)


class SilentReporter:
    def say(self, message: str) -> None:
        del message


class RecordingReporter:
    """Keeps every line (tests)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, message: str) -> None:
        self.lines.append(message)
