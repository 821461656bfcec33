"""``palabre import polis DIR``: a Pol.is conversation becomes a statement campaign.

The folder is Pol.is's export (docs/formats.md): ``comments.csv`` (the statements)
and ``votes.csv`` (the votes) are required; ``summary.csv``, when present, gives the
campaign's question (its ``topic``). ``participants-votes.csv`` is not needed: the
opinion groups are recomputed from the votes.

Files are read in full and checked before anything is written, so a bad file names its
line and field and leaves the database as it was. The import is idempotent: each comment
is found again by its Pol.is id and each vote by (voter, comment), so importing the same
folder twice changes nothing the second time; a later export updates what changed.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ImportFormatError
from palabre.innovation.models import Campaign, Statement, StatementVote
from palabre.innovation.polis import Comments, _rows, read_votes
from palabre.innovation.service import create_campaign
from palabre.privacy import audit

#: Pol.is's ``moderated`` column, in palabre's words.
_MODERATION = {
    "-1": "out",
    "true": "out",
    "0": "unmoderated",
    "1": "in",
    "false": "unmoderated",
}


@dataclass(frozen=True)
class PolisComment:
    """One comment of the export."""

    external_id: str
    text: str
    moderation: str
    created_at: dt.datetime | None


@dataclass
class Tally:
    """How many rows were created, updated and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class PolisImportReport:
    """What an import did."""

    campaign_id: int
    campaign: str
    campaign_created: bool
    statements: Tally = field(default_factory=Tally)
    votes: Tally = field(default_factory=Tally)
    participants: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (``--json``)."""
        return {
            "campaign_id": self.campaign_id,
            "campaign": self.campaign,
            "campaign_created": self.campaign_created,
            "participants": self.participants,
            "statements": vars(self.statements),
            "votes": vars(self.votes),
        }


def _when(stamp: str, path: Path, line: int) -> dt.datetime | None:
    stamp = stamp.strip()
    if not stamp:
        return None
    try:
        return dt.datetime.fromtimestamp(int(stamp) / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ImportFormatError(
            str(path), f"'{stamp}' is not a timestamp", line=line, field="timestamp"
        ) from None


def read_comments_full(path: Path) -> list[PolisComment]:
    """The comments with their text, moderation (in / out / unmoderated) and time."""
    found: list[PolisComment] = []
    first_line: dict[str, int] = {}
    for line, row in _rows(path, ("comment-id", "moderated", "comment-body")):
        comment = row["comment-id"].strip()
        if not comment:
            raise ImportFormatError(str(path), "empty comment id", line=line, field="comment-id")
        if len(comment) > 64:
            raise ImportFormatError(
                str(path), "a comment id is at most 64 characters", line=line, field="comment-id"
            )
        if comment in first_line:
            raise ImportFormatError(
                str(path),
                f"comment {comment} already appears on line {first_line[comment]}",
                line=line,
                field="comment-id",
            )
        state = _MODERATION.get(row["moderated"].strip().lower())
        if state is None:
            raise ImportFormatError(
                str(path),
                f"'{row['moderated']}' is not a moderation state",
                line=line,
                field="moderated",
                hint="expected -1 (moderated out), 0, 1, true or false",
            )
        first_line[comment] = line
        created = _when(row.get("timestamp", ""), path, line)
        found.append(PolisComment(comment, row["comment-body"].strip(), state, created))
    return found


def read_topic(path: Path) -> str | None:
    """The ``topic`` line of ``summary.csv`` (two columns: name, value), if any."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for cells in csv.reader(handle):
                if len(cells) >= 2 and cells[0].strip() == "topic" and cells[1].strip():
                    return cells[1].strip()
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise ImportFormatError(str(path), f"cannot be read: {exc}") from None
    return None


def import_polis(
    session: Session,
    folder: Path,
    *,
    actor: str,
    campaign_name: str | None = None,
    audience: str = "employees",
) -> PolisImportReport:
    """Import the Pol.is conversation in ``folder`` into a statement campaign (audited)."""
    if not folder.is_dir():
        raise ImportFormatError(str(folder), "is not a folder holding a Pol.is export")
    comments_path, votes_path = folder / "comments.csv", folder / "votes.csv"
    for needed in (comments_path, votes_path):
        if not needed.is_file():
            raise ImportFormatError(str(needed), "is missing: a Pol.is export has it")
    comments = read_comments_full(comments_path)
    known = Comments(tuple(c.external_id for c in comments), frozenset(), {})
    votes = read_votes(votes_path, known)
    for vote in votes:
        if len(vote.participant) > 190:
            raise ImportFormatError(
                str(votes_path), "a voter id is at most 190 characters", field="voter-id"
            )
    summary = folder / "summary.csv"
    topic = read_topic(summary) if summary.is_file() else None

    # The latest vote of each voter on each comment wins (Pol.is keeps every change).
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    for _, vote in sorted(enumerate(votes), key=lambda item: (item[1].timestamp, item[0])):
        latest[(vote.participant, vote.statement)] = (vote.value, vote.timestamp)

    name = (campaign_name or folder.resolve().name).strip()
    campaign = session.scalar(sa.select(Campaign).where(Campaign.name == name))
    created_campaign = campaign is None
    if campaign is None:
        campaign = create_campaign(
            session,
            name=name,
            question=topic or f"Pol.is conversation {name}",
            audience=audience,
            actor=actor,
        )
    report = PolisImportReport(campaign.id, campaign.name, created_campaign)

    existing = {
        s.external_id: s
        for s in session.scalars(
            sa.select(Statement).where(
                Statement.campaign_id == campaign.id, Statement.external_id.is_not(None)
            )
        )
    }
    for comment in comments:
        statement = existing.get(comment.external_id)
        if statement is None:
            statement = Statement(
                campaign_id=campaign.id,
                text=comment.text,
                moderation=comment.moderation,
                external_id=comment.external_id,
            )
            if comment.created_at is not None:
                statement.created_at = comment.created_at
            session.add(statement)
            existing[comment.external_id] = statement
            report.statements.created += 1
        elif (statement.text, statement.moderation) != (comment.text, comment.moderation):
            statement.text, statement.moderation = comment.text, comment.moderation
            report.statements.updated += 1
        else:
            report.statements.unchanged += 1
    session.flush()
    statement_ids = {key: s.id for key, s in existing.items() if key is not None}

    stored = {
        (participant, statement_id): (vote_id, value)
        for vote_id, participant, statement_id, value in session.execute(
            sa.select(
                StatementVote.id,
                StatementVote.participant,
                StatementVote.statement_id,
                StatementVote.value,
            ).where(StatementVote.statement_id.in_(list(statement_ids.values())))
        )
    }
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for (voter, comment_id), (value, stamp) in latest.items():
        key = (f"polis:{voter}", statement_ids[comment_id])
        when = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
        found = stored.get(key)
        if found is None:
            new_rows.append(
                {"statement_id": key[1], "participant": key[0], "value": value, "voted_at": when}
            )
        elif found[1] != value:
            changed.append({"id": found[0], "value": value, "voted_at": when})
        else:
            report.votes.unchanged += 1
    if new_rows:
        session.execute(sa.insert(StatementVote), new_rows)
    if changed:
        session.execute(sa.update(StatementVote), changed)
    report.votes.created, report.votes.updated = len(new_rows), len(changed)
    report.participants = len({voter for voter, _ in latest})

    if report.statements.created or report.statements.updated or new_rows or changed:
        audit.record(
            session,
            actor=actor,
            action="polis.import",
            subject_type="campaign",
            subject_id=campaign.id,
            details={"folder": str(folder), **report.as_dict()},
        )
    return report
