"""``palabre signals score``: JSON Lines in, one analysed line per input line out.

Input lines are ``{"id": "...", "text": "...", "language": "fr"}`` (language optional:
``fr``, ``en`` or ``other``). Output lines follow the same order. A bad line is named
by its number; unless bad lines are to be skipped, nothing is written at all, and the
output only appears (by an atomic rename) once it is complete. With a workspace's
adaptation (``palabre signals score --adapted``) the scores are those ``palabre analyze``
stores: domain terms, recalibration and residual model applied.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from palabre.errors import ImportFormatError
from palabre.text.adaptation import Adaptation
from palabre.text.model import EVIDENCE_THRESHOLD
from palabre.text.parallel import analyze_parallel, analyzer_for

LANGUAGE_VALUES = ("fr", "en", "other")
_MAX_REPORTED = 20


@dataclass
class ScoreReport:
    """What a scoring run did: lines written and the bad lines (number, reason)."""

    written: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    id: str
    text: str
    language: str | None


def _parse(line: str) -> _Row:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    mid = obj.get("id")
    if not isinstance(mid, str) or not mid:
        raise ValueError('field "id" must be a non-empty string')
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError('field "text" must be a string')
    language = obj.get("language")
    if language is not None and language not in LANGUAGE_VALUES:
        raise ValueError(f'field "language" must be one of fr, en, other (got {language!r})')
    return _Row(mid, text, language)


def read_rows(path: Path) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Parse ``path``: the good rows in order, and the bad lines (1-based number, reason).
    Blank lines are ignored."""
    rows: list[_Row] = []
    bad: list[tuple[int, str]] = []
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot be read ({exc.strerror})") from None
    with fh:
        try:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(_parse(line))
                except ValueError as exc:
                    bad.append((number, str(exc)))
        except UnicodeDecodeError:
            raise ImportFormatError(
                str(path), "not UTF-8 text", line=len(rows) + len(bad) + 1
            ) from None
    return rows, bad


def score_file(
    input_path: Path,
    output_path: Path,
    skip_bad: bool = False,
    workers: int = 1,
    encoder: str | None = None,
    adaptation: Adaptation | None = None,
) -> ScoreReport:
    """Score ``input_path`` into ``output_path`` (see the module docstring); ``encoder``
    blends a sentence encoder's head into the English messages' scores, ``adaptation``
    is a workspace's (``palabre train``)."""
    rows, bad = read_rows(input_path)
    if bad and not skip_bad:
        listed = "; ".join(f"line {n}: {why}" for n, why in bad[:_MAX_REPORTED])
        more = f" (and {len(bad) - _MAX_REPORTED} more)" if len(bad) > _MAX_REPORTED else ""
        raise ImportFormatError(
            str(input_path),
            f"{len(bad)} bad line(s): {listed}{more}; nothing written",
            hint="use --skip-bad to score the other lines",
        )
    if encoder:
        # An unknown encoder or a missing package fails here, before anything is written.
        analyzer_for(encoder)
    texts = [r.text for r in rows]
    results = analyze_parallel(
        texts,
        [r.language for r in rows],
        workers,
        encoder=encoder,
        residual=None if adaptation is None else adaptation.residual,
    )
    if adaptation is not None:
        probs, evidence = adaptation.adapt_batch(texts, results, EVIDENCE_THRESHOLD)
        results.probs = probs
        results.evidence = {i: shown for i, shown in enumerate(evidence) if shown}
    output_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output_path.name}.", dir=output_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for line in results.json_rows([r.id for r in rows]):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        os.replace(tmp_name, output_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return ScoreReport(written=len(rows), bad=bad)
