"""One typed error family.

Every error palabre raises on purpose is a :class:`PalabreError`: it carries a
message written for the user (what went wrong, where, and what to do), the exit
code the CLI uses and the HTTP status the web layer answers with.
"""

from __future__ import annotations


class PalabreError(Exception):
    """Base of every error meant for the user."""

    exit_code: int = 1
    http_status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(PalabreError):
    """A setting is missing or invalid."""

    exit_code = 2


class DatabaseError(PalabreError):
    """The database cannot be reached or is not at the expected schema."""

    exit_code = 3
    http_status = 503


class NotFoundError(PalabreError):
    """The object named does not exist."""

    http_status = 404


class ConflictError(PalabreError):
    """The change contradicts the current state (already merged, duplicate name...)."""

    http_status = 409


class ValidationError(PalabreError):
    """User input does not follow the expected form."""

    http_status = 422


class ImportFormatError(PalabreError):
    """An input file cannot be read as the format asked for.

    The message always names the file, and the line or entry and the field when
    they are known, so that a user can open the file and fix it.
    """

    exit_code = 4
    http_status = 422

    def __init__(
        self,
        path: str,
        reason: str,
        *,
        line: int | None = None,
        entry: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.entry = entry
        self.field = field
        self.reason = reason
        self.hint = hint
        where = path
        if line is not None:
            where += f", line {line}"
        if entry is not None:
            where += f", entry {entry}"
        if field is not None:
            where += f", field '{field}'"
        message = f"{where}: {reason}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class ImportRejectedError(PalabreError):
    """A strict import met a record it had to reject; nothing was written."""

    exit_code = 5
    http_status = 422


class RuleSyntaxError(ValidationError):
    """A segment rule cannot be parsed; the message shows where."""
