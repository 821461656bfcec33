"""``palabre customers flag-bearers``: the ranking as a table or JSON, per segment."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine
from palabre.privacy.models import AuditEntry
from tests.cli.test_segments_cli import palabre
from tests.pipeline import world


def test_flag_bearers_print_json_per_segment_and_are_audited(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    world.build(sessions, tmp_path, messages=40)
    run_analysis(sessions, engine=LocalEngine(workers=1))
    code, output = palabre(settings, "customers", "flag-bearers", "--json")
    assert code == 0, output
    everyone = json.loads(output)
    assert everyone["segment"] is None
    assert everyone["to"] == "2025-03-11"
    assert {b["name"] for b in everyone["items"]} <= {"Claire Roux", "Paul Girard", "Uma Patel"}
    code, output = palabre(
        settings, "customers", "flag-bearers", "--segment", "France", "--json", "--top", "1"
    )
    france = json.loads(output)
    assert france["segment"] == "France"
    assert len(france["items"]) == 1
    assert france["items"][0]["name"] in {"Claire Roux", "Paul Girard"}
    code, output = palabre(settings, "customers", "flag-bearers")
    assert code == 0
    assert "flag bearers from 2024-12-12 to 2025-03-11" in output
    with sessions() as session:
        audited = session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "customers.view_flag_bearers")
        )
    assert audited == 3
