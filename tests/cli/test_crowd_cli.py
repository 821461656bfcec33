"""``palabre crowd opinions``: the contract other work relies on."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.innovation.camps import camps_conversation


def palabre(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "palabre", *args], capture_output=True, text=True, check=False
    )


def write_export(folder: Path, moderated: set[int] | None = None) -> tuple[Path, Path]:
    """A Pol.is export of two camps of 40, plus one participant with 3 votes."""
    votes, _ = camps_conversation([40, 40], n_statements=15, seed=4)
    votes_path, comments_path = folder / "votes.csv", folder / "comments.csv"
    with votes_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        stamp = 1_500_000_000_000
        for voter, row in enumerate(votes):
            for comment, value in enumerate(row):
                if value == value:  # not NaN
                    stamp += 1000
                    writer.writerow([stamp, "x", comment, f"v{voter}", int(value)])
        for comment in range(3):
            writer.writerow([stamp + 1, "x", comment, "late", 1])
    with comments_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees",
                         "disagrees", "moderated", "comment-body"])  # fmt: skip
        for comment in range(15):
            state = -1 if comment in (moderated or set()) else 1
            writer.writerow([1, "x", comment, 0, 0, 0, state, f"Statement {comment}"])
    return votes_path, comments_path


def test_writes_groups_json_as_the_contract_says(tmp_path: Path) -> None:
    votes, comments = write_export(tmp_path, moderated={2})
    output = tmp_path / "groups.json"
    done = palabre("crowd", "opinions", "--votes", str(votes), "--comments", str(comments),
                   "--output", str(output))  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(output.read_text(encoding="utf-8"))
    assert set(document) == {"participants", "groups", "consensus", "divisive"}
    participants = document["participants"]
    assert "late" not in participants  # 3 votes: not clustered, absent
    assert set(participants) == {f"v{i}" for i in range(80)}
    camps = (
        {participants[f"v{i}"] for i in range(40)},
        {participants[f"v{i}"] for i in range(40, 80)},
    )
    assert len(camps[0]) == 1
    assert len(camps[1]) == 1
    assert camps[0] != camps[1]
    assert [group["size"] for group in document["groups"]] == [40, 40]
    for group in document["groups"]:
        assert group["representative"]
        assert all(isinstance(c, str) and c != "2" for c in group["representative"])
    assert "2" not in document["consensus"] + document["divisive"]
    assert "80 of 81 participants in 2 group(s)" in done.stdout


def test_bad_vote_names_file_line_and_field_and_leaves_output_untouched(tmp_path: Path) -> None:
    votes, comments = write_export(tmp_path)
    lines = votes.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",agree"
    votes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "groups.json"
    output.write_text("previous", encoding="utf-8")
    done = palabre("crowd", "opinions", "--votes", str(votes), "--comments", str(comments),
                   "--output", str(output))  # fmt: skip
    assert done.returncode != 0
    assert f"{votes}, line 6, field 'vote': 'agree' is not a vote" in done.stderr
    assert "Traceback" not in done.stderr
    assert output.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "comments.csv",
        "groups.json",
        "votes.csv",
    ]


def test_missing_file_and_missing_column_are_clear_errors(tmp_path: Path) -> None:
    votes, comments = write_export(tmp_path)
    output = tmp_path / "groups.json"
    done = palabre("crowd", "opinions", "--votes", str(tmp_path / "none.csv"),
                   "--comments", str(comments), "--output", str(output))  # fmt: skip
    assert done.returncode != 0
    assert "none.csv: cannot be read" in done.stderr
    comments.write_text("comment-id,comment-body\n0,hello\n", encoding="utf-8")
    done = palabre("crowd", "opinions", "--votes", str(votes), "--comments", str(comments),
                   "--output", str(output))  # fmt: skip
    assert done.returncode != 0
    assert f"{comments}, line 1: missing column(s) moderated" in done.stderr
    assert not output.exists()
