"""The one exception type a user sees: a message on one line and an exit code."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An error caused by input or environment, reported as one line, never a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class SettingError(UserError):
    """A setting with a bad value; the message names the setting."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"setting {name!r}: {problem}", exit_code=2)
        self.name = name


def aws_error(exc: BaseException) -> str:
    """An AWS error on one line: `Code: message`."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {' '.join(str(err.get('Message', '')).split())}"
    return " ".join(str(exc).split()) or type(exc).__name__


def cannot_read(what: Path | str, exc: OSError | UnicodeDecodeError) -> UserError:
    """The one wording for a file or folder that cannot be read (exit 2)."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return UserError(f"{what}: cannot read it ({reason})", exit_code=2)


def read_input(path: Path, missing: str = "no such file") -> str:
    """The text of a file the user named; missing or unreadable is one line, exit 2."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: {missing}", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise cannot_read(path, exc) from None
