"""``palabre import polis DIR``: a Pol.is conversation becomes a statement campaign.

The command runs as a user runs it (a subprocess on this test's workspace, SQLite or
PostgreSQL); the counts it must reach are read from the export's own files.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.innovation.models import Campaign, Statement, StatementVote
from palabre.privacy.models import AuditEntry
from tests.datasets import dataset_path

FORMAT_ERROR = 4


def palabre(cli_env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m palabre ARGS`` on this test's workspace."""
    return subprocess.run(
        [sys.executable, "-m", "palabre", *map(str, args)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def expected_counts(folder: Path) -> tuple[int, int, int, dict[str, int]]:
    """From the files themselves: comments, distinct (voter, comment) votes, voters, and
    the moderation of each comment."""
    with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
        comments = list(csv.DictReader(handle))
    with (folder / "votes.csv").open(encoding="utf-8", newline="") as handle:
        pairs = {(row["voter-id"], row["comment-id"]) for row in csv.DictReader(handle)}
    moderation = {"-1": "out", "0": "unmoderated", "1": "in"}
    states: dict[str, int] = {}
    for row in comments:
        state = moderation[row["moderated"]]
        states[state] = states.get(state, 0) + 1
    return len(comments), len(pairs), len({voter for voter, _ in pairs}), states


def table_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Campaign, Statement, StatementVote, AuditEntry)
        }


def test_a_real_conversation_is_imported_once_and_a_reimport_changes_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    folder = dataset_path("polis-opendata", "brexit-consensus")
    n_comments, n_votes, n_voters, states = expected_counts(folder)

    first = report(palabre(cli_env, "import", "polis", folder, "--json"))
    assert first["campaign"] == "brexit-consensus"
    assert first["campaign_created"]
    assert first["statements"] == {"created": n_comments, "updated": 0, "unchanged": 0}
    assert first["votes"] == {"created": n_votes, "updated": 0, "unchanged": 0}
    assert first["participants"] == n_voters
    with sessions() as session:
        campaign = session.scalars(sa.select(Campaign)).one()
        assert campaign.question == "Can there be consensus on Brexit?"  # summary.csv's topic
        stored = dict(
            session.execute(
                sa.select(Statement.moderation, sa.func.count()).group_by(Statement.moderation)
            ).all()
        )
        assert stored == states
    before = table_counts(sessions)

    again = report(palabre(cli_env, "import", "polis", folder, "--json"))
    assert not again["campaign_created"]
    assert again["statements"] == {"created": 0, "updated": 0, "unchanged": n_comments}
    assert again["votes"] == {"created": 0, "updated": 0, "unchanged": n_votes}
    assert table_counts(sessions) == before  # not even an audit entry


def test_the_latest_vote_wins_and_a_later_export_updates_what_changed(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "petite"
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1000,x,0,0,1,0,1,Le télétravail aide\n"
        "2000,x,1,0,1,0,-1,Hors sujet\n",
        encoding="utf-8",
    )
    votes = "timestamp,datetime,comment-id,voter-id,vote\n3000,x,0,7,1\n4000,x,0,7,-1\n"
    (folder / "votes.csv").write_text(votes, encoding="utf-8")
    first = report(palabre(cli_env, "import", "polis", folder, "--json", "--campaign", "Télé"))
    assert first["votes"]["created"] == 1
    with sessions() as session:
        assert session.scalar(sa.select(StatementVote.value)) == -1
        assert session.scalar(sa.select(StatementVote.participant)) == "polis:7"

    (folder / "votes.csv").write_text(votes + "5000,x,0,7,0\n5000,x,1,8,1\n", encoding="utf-8")
    later = report(palabre(cli_env, "import", "polis", folder, "--json", "--campaign", "Télé"))
    assert later["votes"] == {"created": 1, "updated": 1, "unchanged": 0}
    with sessions() as session:
        rows = session.execute(sa.select(StatementVote.participant, StatementVote.value)).all()
        values = {row.participant: row.value for row in rows}
    assert values == {"polis:7": 0, "polis:8": 1}


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(dataset_path("polis-opendata", "brexit-consensus"), folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_bad_input_names_file_line_and_field_and_writes_nothing(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    empty = table_counts(sessions)
    # The third vote (line 4) gets a value Pol.is never writes.
    folder = _broken(tmp_path, "votes.csv", "WIB 2017,0,2,-1\n", "WIB 2017,0,2,yes\n")
    result = palabre(cli_env, "import", "polis", folder)
    assert result.returncode == FORMAT_ERROR
    message = result.stderr.strip()
    assert f"{folder / 'votes.csv'}, line 4" in message
    assert "vote" in message
    assert "Traceback" not in result.stderr
    assert table_counts(sessions) == empty


def test_a_vote_on_an_unknown_comment_or_a_bad_moderation_is_refused(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "comment-id,moderated,comment-body\n0,1,Un\n1,peut-être,Deux\n", encoding="utf-8"
    )
    (folder / "votes.csv").write_text("comment-id,voter-id,vote\n9,1,1\n", encoding="utf-8")
    result = palabre(cli_env, "import", "polis", folder)
    assert result.returncode == FORMAT_ERROR
    assert f"{folder / 'comments.csv'}, line 3" in result.stderr
    assert "moderated" in result.stderr

    (folder / "comments.csv").write_text("comment-id,moderated,comment-body\n0,1,Un\n")
    result = palabre(cli_env, "import", "polis", folder)
    assert result.returncode == FORMAT_ERROR
    assert f"{folder / 'votes.csv'}, line 2" in result.stderr
    assert "comment 9 is not in the comments file" in result.stderr

    (folder / "votes.csv").unlink()
    result = palabre(cli_env, "import", "polis", folder)
    assert result.returncode == FORMAT_ERROR
    assert f"{folder / 'votes.csv'}" in result.stderr
    assert "missing" in result.stderr
    assert table_counts(sessions)["campaign"] == 0


def test_the_opinion_map_of_the_stored_votes_is_the_map_of_the_export(
    cli_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from palabre.innovation import crowd
    from palabre.people.service import Viewer

    folder = dataset_path("polis-opendata", "brexit-consensus")
    report(palabre(cli_env, "import", "polis", folder, "--json"))
    output = tmp_path / "groups.json"
    done = palabre(
        cli_env,
        "crowd",
        "opinions",
        "--votes",
        folder / "votes.csv",
        "--comments",
        folder / "comments.csv",
        "--output",
        output,
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(output.read_text(encoding="utf-8"))
    with sessions() as session:
        campaign_id = session.scalars(sa.select(Campaign.id)).one()
        rows = session.execute(sa.select(Statement.id, Statement.external_id)).all()
        external = {row.id: row.external_id for row in rows}
        found = crowd.opinion_map(session, Viewer(actor="test", role="innovation"), campaign_id)
    assert found.clustered == len(expected["participants"])
    assert [g.size for g in found.groups] == [g["size"] for g in expected["groups"]]
    for group, wanted in zip(found.groups, expected["groups"], strict=True):
        assert [external[s.id] for s in group.representative] == wanted["representative"]
    assert [external[s.id] for s in found.consensus] == expected["consensus"]
    assert [external[s.id] for s in found.divisive] == expected["divisive"]


def test_palabre_crowd_map_prints_the_groups_of_an_imported_conversation(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = dataset_path("polis-opendata", "brexit-consensus")
    report(palabre(cli_env, "import", "polis", folder, "--json"))
    output = tmp_path / "groups.json"
    palabre(cli_env, "crowd", "opinions", "--votes", folder / "votes.csv",
            "--comments", folder / "comments.csv", "--output", output)  # fmt: skip
    expected = json.loads(output.read_text(encoding="utf-8"))
    done = palabre(cli_env, "crowd", "map", "brexit-consensus", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["ready"]
    assert [g["size"] for g in found["groups"]] == [g["size"] for g in expected["groups"]]
    assert "polis:" not in done.stdout  # no participant is named
    missing = palabre(cli_env, "crowd", "map", "nowhere")
    assert missing.returncode != 0
    assert "no campaign named 'nowhere'" in missing.stderr
    empty = palabre(cli_env, "crowd", "ranking", "brexit-consensus")
    assert empty.returncode == 0
    assert "no pairwise answer yet" in empty.stdout
