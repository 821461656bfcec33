"""Reading a Pol.is conversation export, and writing the opinion groups palabre finds in it.

Pol.is exports one folder per conversation (see compdemocracy/openData):

- ``votes.csv``: ``timestamp, datetime, comment-id, voter-id, vote`` (vote -1 / 0 / 1,
  timestamp in milliseconds; a participant who changed their mind has several rows);
- ``comments.csv``: ``timestamp, datetime, comment-id, author-id, agrees, disagrees,
  moderated, comment-body`` (moderated -1 = moderated out, 0 = not yet, 1 = accepted;
  some exports write ``true`` / ``false``, ``true`` meaning moderated out);
- ``participants-votes.csv``: one row per participant with the ``group-id`` Pol.is
  put them in (empty when not clustered) and one column per comment.

Every reader raises :class:`~palabre.errors.ImportFormatError` naming the file, the
line and the field of the first problem.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palabre.errors import ImportFormatError
from palabre.innovation.opinions import OpinionModel, Vote, VoteMatrix, build_vote_matrix

_VOTE_VALUES = {"-1": -1, "0": 0, "1": 1}
_MODERATION = {"-1": True, "true": True, "0": False, "1": False, "false": False}


@dataclass(frozen=True)
class Comments:
    """The statements of a conversation: ids in file order, the moderated-out ones, texts."""

    ids: tuple[str, ...]
    moderated_out: frozenset[str]
    bodies: dict[str, str]


@dataclass(frozen=True)
class PolisGroups:
    """What Pol.is exported about its own clustering (``participants-votes.csv``)."""

    groups: dict[str, int]
    """Group of each clustered participant."""
    votes_cast: dict[str, int]
    """Per participant (clustered or not), how many comment cells hold a vote."""
    n_statements: int

    def follows_current_rule(self, min_votes: int = 7) -> bool:
        """True when every clustered participant has at least min(min_votes, statements) votes.

        Conversations clustered before Pol.is adopted this threshold also clustered
        people with 1-6 votes: their groups cannot be reproduced from the votes.
        """
        threshold = min(min_votes, self.n_statements)
        return all(self.votes_cast[p] >= threshold for p in self.groups)


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line where the record starts, record) of a CSV file with the required columns."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise ImportFormatError(str(path), "the file is empty", line=1)
            header = [name.strip() for name in header]
            missing = [name for name in required if name not in header]
            if missing:
                raise ImportFormatError(
                    str(path),
                    f"missing column(s) {', '.join(missing)}",
                    line=1,
                    hint=f"the header is: {', '.join(header)}",
                )
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not cells:
                    continue
                if len(cells) != len(header):
                    raise ImportFormatError(
                        str(path),
                        f"{len(cells)} cells where the header has {len(header)}",
                        line=line,
                    )
                yield line, dict(zip(header, cells, strict=True))
        except csv.Error as exc:
            raise ImportFormatError(
                str(path), f"not valid CSV: {exc}", line=reader.line_num
            ) from None
        except UnicodeDecodeError as exc:
            raise ImportFormatError(str(path), f"not UTF-8 text: {exc.reason}") from None


def read_comments(path: Path) -> Comments:
    """The comments of a Pol.is export (``comment-id`` and ``moderated`` are required)."""
    ids: list[str] = []
    moderated: set[str] = set()
    bodies: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, row in _rows(path, ("comment-id", "moderated")):
        comment = row["comment-id"].strip()
        if not comment:
            raise ImportFormatError(str(path), "empty comment id", line=line, field="comment-id")
        if comment in first_line:
            raise ImportFormatError(
                str(path),
                f"comment {comment} already appears on line {first_line[comment]}",
                line=line,
                field="comment-id",
            )
        state = row["moderated"].strip().lower()
        if state not in _MODERATION:
            raise ImportFormatError(
                str(path),
                f"'{row['moderated']}' is not a moderation state",
                line=line,
                field="moderated",
                hint="expected -1 (moderated out), 0, 1, true or false",
            )
        first_line[comment] = line
        ids.append(comment)
        bodies[comment] = row.get("comment-body", "")
        if _MODERATION[state]:
            moderated.add(comment)
    return Comments(tuple(ids), frozenset(moderated), bodies)


def read_votes(path: Path, comments: Comments | None = None) -> list[Vote]:
    """The votes of a Pol.is export; with ``comments``, each must name a known comment.

    ``timestamp`` orders the votes (the latest of a participant on a comment wins);
    without that column the order of the file is used.
    """
    known = set(comments.ids) if comments is not None else None
    votes: list[Vote] = []
    for line, row in _rows(path, ("comment-id", "voter-id", "vote")):
        voter = row["voter-id"].strip()
        comment = row["comment-id"].strip()
        if not voter:
            raise ImportFormatError(str(path), "empty voter id", line=line, field="voter-id")
        if not comment:
            raise ImportFormatError(str(path), "empty comment id", line=line, field="comment-id")
        if known is not None and comment not in known:
            raise ImportFormatError(
                str(path),
                f"comment {comment} is not in the comments file",
                line=line,
                field="comment-id",
            )
        value = _VOTE_VALUES.get(row["vote"].strip())
        if value is None:
            raise ImportFormatError(
                str(path),
                f"'{row['vote']}' is not a vote",
                line=line,
                field="vote",
                hint="expected 1 (agree), -1 (disagree) or 0 (pass)",
            )
        stamp = row.get("timestamp")
        if stamp is None:
            timestamp = line
        else:
            try:
                timestamp = int(stamp.strip())
            except ValueError:
                raise ImportFormatError(
                    str(path), f"'{stamp}' is not a timestamp", line=line, field="timestamp"
                ) from None
        votes.append(Vote(voter, comment, value, timestamp))
    return votes


def read_polis_groups(path: Path) -> PolisGroups:
    """The groups Pol.is assigned, from ``participants-votes.csv``."""
    groups: dict[str, int] = {}
    cast: dict[str, int] = {}
    n_statements = 0
    for line, row in _rows(path, ("participant", "group-id")):
        columns = [name for name in row if name.isdigit()]
        n_statements = len(columns)
        participant = row["participant"].strip()
        cast[participant] = sum(1 for name in columns if row[name].strip())
        group = row["group-id"].strip()
        if group:
            if not group.isdigit():
                raise ImportFormatError(
                    str(path), f"'{group}' is not a group", line=line, field="group-id"
                )
            groups[participant] = int(group)
    return PolisGroups(groups, cast, n_statements)


def read_conversation(votes_path: Path, comments_path: Path) -> tuple[VoteMatrix, Comments]:
    """The vote matrix and the comments of an export."""
    comments = read_comments(comments_path)
    return build_vote_matrix(read_votes(votes_path, comments)), comments


def groups_document(matrix: VoteMatrix, model: OpinionModel) -> dict[str, Any]:
    """The JSON document of ``palabre crowd opinions`` for a fitted model.

    ``participants`` maps each clustered voter id to its group index (others are
    absent); ``groups`` lists, per group, its size and representative comment ids;
    ``consensus`` and ``divisive`` list comment ids. Ids are strings, as exported.
    """
    statements = matrix.statements
    return {
        "participants": {
            matrix.participants[row]: int(group)
            for row, group in enumerate(model.participant_group_)
            if group >= 0
        },
        "groups": [
            {
                "size": group.size,
                "representative": [statements[rep.statement] for rep in group.representative],
            }
            for group in model.groups_
        ],
        "consensus": [statements[s] for s in model.consensus_],
        "divisive": [statements[s] for s in model.divisive_],
    }


@dataclass(frozen=True)
class Agreement:
    """How close palabre's groups are to the groups Pol.is exported for one conversation."""

    conversation: str
    ari: float
    """Adjusted Rand index on the participants both clustered (1 = same partition)."""
    clustered_by_polis: int
    clustered_by_palabre: int
    clustered_by_both: int
    groups_polis: int
    groups_palabre: int
    follows_current_rule: bool

    @property
    def is_target(self) -> bool:
        """Exported under the current rule and with at least 100 clustered participants."""
        return self.follows_current_rule and self.clustered_by_polis >= 100


def compare_with_polis(folder: Path, model: OpinionModel | None = None) -> Agreement:
    """Fit ``model`` (default parameters when None) on an export folder and compare with Pol.is."""
    from sklearn.metrics import adjusted_rand_score

    matrix, comments = read_conversation(folder / "votes.csv", folder / "comments.csv")
    polis = read_polis_groups(folder / "participants-votes.csv")
    fitted = (model or OpinionModel()).fit(
        matrix.values, matrix.moderated_mask(comments.moderated_out)
    )
    ours = {
        matrix.participants[row]: int(group)
        for row, group in enumerate(fitted.participant_group_)
        if group >= 0
    }
    both = sorted(set(ours) & set(polis.groups))
    ari = (
        float(adjusted_rand_score([polis.groups[p] for p in both], [ours[p] for p in both]))
        if both
        else float("nan")
    )
    return Agreement(
        conversation=folder.name,
        ari=ari,
        clustered_by_polis=len(polis.groups),
        clustered_by_palabre=len(ours),
        clustered_by_both=len(both),
        groups_polis=len(set(polis.groups.values())),
        groups_palabre=fitted.n_groups_,
        follows_current_rule=polis.follows_current_rule(fitted.min_votes),
    )


def conversations_with_groups(root: Path) -> list[Path]:
    """The export folders under ``root`` that hold votes, comments and Pol.is's groups."""
    needed = ("votes.csv", "comments.csv", "participants-votes.csv")
    return sorted(
        folder
        for folder in root.iterdir()
        if folder.is_dir() and all((folder / name).is_file() for name in needed)
    )
