"""The ``palabre signals score`` contract, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from palabre.text.lexicon import SIGNALS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "palabre", "signals", "score", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_writes_one_line_per_message_in_order(tmp_path: Path) -> None:
    src = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": "a", "text": "Je vais résilier, plus jamais !", "language": "fr"}),
            json.dumps({"id": "b", "text": "Thanks, great support"}),
            "",
            json.dumps({"id": "c", "text": "", "language": None}),
        ],
    )
    out = tmp_path / "out.jsonl"
    done = run("--input", str(src), "--output", str(out))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    first = rows[0]
    assert set(first) == {"id", "language", "sentiment", "signals", "evidence"}
    assert first["language"] == "fr"
    assert first["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert -1 <= first["sentiment"]["score"] <= 1
    assert set(first["signals"]) == set(SIGNALS)
    assert "drifting_away" in first["evidence"]
    assert rows[1]["language"] == "en"


def test_bad_lines_fail_before_anything_is_written(tmp_path: Path) -> None:
    src = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": "a", "text": "ok"}),
            "{not json",
            json.dumps({"id": "c"}),
            json.dumps({"id": "d", "text": "x", "language": "de"}),
        ],
    )
    out = tmp_path / "out.jsonl"
    done = run("--input", str(src), "--output", str(out))
    assert done.returncode != 0
    assert "line 2" in done.stderr
    assert "line 3" in done.stderr
    assert '"text"' in done.stderr
    assert "line 4" in done.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_skip_bad_scores_the_rest_and_reports_the_skipped(tmp_path: Path) -> None:
    src = write_lines(
        tmp_path / "in.jsonl",
        [json.dumps({"id": "a", "text": "ok"}), "[1, 2]", json.dumps({"id": "c", "text": "nul"})],
    )
    out = tmp_path / "out.jsonl"
    done = run("--input", str(src), "--output", str(out), "--skip-bad")
    assert done.returncode == 0, done.stderr
    assert "line 2" in done.stderr
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == ["a", "c"]


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    done = run("--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl"))
    assert done.returncode != 0
    assert "nope.jsonl" in done.stderr
