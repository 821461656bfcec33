"""Customer voice → Signal model (palabre.web.model_views): what the corrections did, the
domain terms and "Retrain now", for analysts and admins."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import ConflictError
from palabre.pipeline.stages import model_version
from palabre.privacy.models import AuditEntry
from palabre.text import service
from palabre.text.models import DomainTerm, SignalAdaptation
from palabre.text.residual import Inputs
from palabre.web.training_worker import TrainingWorker, trainer_of
from tests.pipeline import world

PAGE = "/customers/model"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: the angry and the leaving messages of the world's texts (m0, m1, m8, m9, ...)
_DISCONTENT = (0, 1)


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=24)


def token(client: TestClient, path: str = PAGE) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def answer_discontent(sessions: sessionmaker[Session], count: int) -> None:
    """An analyst's answers for discontent on the first ``count`` messages (yes for the
    angry texts), as the drill-down records them."""
    with transaction(sessions) as db:
        for n in range(count):
            label = "yes" if n % len(world.TEXTS) in _DISCONTENT else "no"
            service.correct_signal(
                db, world.message_id(db, f"m{n}"), "discontent", label, actor="user:zoe"
            )


def retrain(app: FastAPI, client: TestClient) -> None:
    started = client.post(f"{PAGE}/training", data={"csrf_token": token(client)})
    assert started.status_code == 303
    assert trainer_of(app).wait(timeout=120)


def test_the_page_shows_the_answers_then_the_run_that_learned_from_them(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    before = client.get(PAGE)
    assert before.status_code == 200
    assert "None: the shipped model as it is." in before.text
    assert f'<code id="shipped-version">{model_version(None)}</code>' in before.text
    assert "No answer yet." in before.text

    answer_discontent(analysed, 24)
    with transaction(analysed) as db:
        service.correct_signal(
            db, world.message_id(db, "m2"), "sentiment", "positive", actor="user:zoe"
        )
    page = client.get(PAGE).text
    yes = sum(1 for n in range(24) if n % len(world.TEXTS) in _DISCONTENT)
    assert "25 answers stored, on 24 messages." in page
    counts = dict(
        re.findall(r'data-label="(\w+)"><td>[^<]*</td>\s*<td>[^<]*</td><td class="num">(\d+)', page)
    )
    assert counts == {"no": str(24 - yes), "yes": str(yes), "positive": "1"}
    assert "None has been learned from yet" in page
    # The world's messages declare no language: the analysis found French and English.
    languages = dict(re.findall(r'data-language="(\w*)">[^:]*: (\d+)</li>', page))
    assert set(languages) == {"fr", "en"}
    assert sum(int(v) for v in languages.values()) == 25
    # The newest answer first, linking to its message.
    with analysed() as db:
        m2 = world.message_id(db, "m2")
    recent = page[page.index('id="recent-corrections"') :]
    assert recent.index(f"#message-{m2}") < recent.index("Discontent")

    retrain(app, client)
    with analysed() as db:
        run = db.scalars(sa.select(SignalAdaptation)).one()
    page = client.get(PAGE).text
    assert f'id="run-{run.id}"' in page
    assert f"Run #{run.id}, fitted at" in page
    assert "by user:analyst-user" in page
    assert "The adaptation in use was fitted after all of them." in page
    # The report in numbers, as it was stored: discontent had enough answers to be fitted.
    discontent = next(s for s in run.report["signals"] if s["signal"] == "discontent")
    row = page[page.index(f'id="run-{run.id}"') :]
    row = row[
        row.index('data-signal="discontent"') : row.index(
            "</tr>", row.index('data-signal="discontent"')
        )
    ]
    assert f"{discontent['loss_before']:.3f}" in row
    assert f"{discontent['loss_after']:.3f}" in row
    assert f"{discontent['residual_loss_before']:.3f}" in row
    # With the standard errors of the gains the run stored.
    assert f"± {discontent['gain_se']:.3f}" in row
    assert f"± {discontent['residual_gain_se']:.3f}" in row
    assert f'data-recalibrated="{str(discontent["recalibrated"]).lower()}"' in row
    assert f'data-learned="{str(discontent["residual"]).lower()}"' in row
    # Sentiment had one answer: nothing fitted, said in words.
    assert "Too few answers, or only one kind: left as shipped." in page

    # A later answer is counted as not learned from yet.
    with transaction(analysed) as db:
        service.correct_signal(db, world.message_id(db, "m3"), "discontent", "yes", actor="u")
    assert re.search(
        r'data-count="1">\s*1 of them was given after the adaptation in use', client.get(PAGE).text
    )


def test_retrain_now_runs_palabre_train_in_the_background_and_audits_it(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    answer_discontent(analysed, 3)
    client = client_as("admin")
    retrain(app, client)
    job = trainer_of(app).last()
    assert job is not None
    assert (job.state, job.error) == ("succeeded", None)
    with analysed() as db:
        rows = db.scalars(sa.select(SignalAdaptation)).all()
        trained = db.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "signal.trained")
        ).all()
    assert [r.id for r in rows] == [job.adaptation_id]
    assert rows[0].actor == "user:admin-user"
    audited = [(t.actor, t.subject_id) for t in trained]
    assert audited == [("user:admin-user", str(job.adaptation_id))]
    assert rows[0].report["corrections"] == 3
    # The fragment the page polls says how it ended, and tells htmx to load the page again.
    fragment = client.get(f"{PAGE}/training", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Refresh"] == "true"
    assert f"run #{job.adaptation_id} is the adaptation in use" in fragment.text
    assert 'data-state="succeeded"' in fragment.text
    assert "hx-trigger" not in fragment.text


def test_one_training_runs_at_a_time(analysed: sessionmaker[Session]) -> None:
    answer_discontent(analysed, 2)
    release = threading.Event()

    def slow_scorer(texts: list[str], hints: list[str | None]) -> Inputs:
        assert release.wait(timeout=60)
        return service.shipped_scorer(texts, hints)

    worker = TrainingWorker(analysed, None, scorer=slow_scorer)
    first = worker.start(actor="user:zoe", min_corrections=20)
    with pytest.raises(ConflictError, match=r"a run started by user:zoe .* is not over yet"):
        worker.start(actor="user:max", min_corrections=20)
    release.set()
    assert worker.wait(timeout=60)
    second = worker.start(actor="user:max", min_corrections=20)
    assert worker.wait(timeout=60)
    last = worker.last()
    assert last is not None
    assert (first.id, second.id, last.state) == (1, 2, "succeeded")
    with analysed() as db:
        assert db.scalars(
            sa.select(SignalAdaptation.actor).order_by(SignalAdaptation.id)
        ).all() == [
            "user:zoe",
            "user:max",
        ]


def test_the_page_refuses_a_second_run_while_one_is_going(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    answer_discontent(analysed, 2)
    release = threading.Event()

    def slow_scorer(texts: list[str], hints: list[str | None]) -> Inputs:
        assert release.wait(timeout=60)
        return service.shipped_scorer(texts, hints)

    app.state.training_worker = TrainingWorker(analysed, None, scorer=slow_scorer)
    client = client_as("analyst")
    assert client.post(f"{PAGE}/training", data={"csrf_token": token(client)}).status_code == 303
    page = client.get(PAGE).text
    assert 'hx-get="/customers/model/training"' in page
    assert 'id="retrain" disabled' in page
    again = client.post(f"{PAGE}/training", data={"csrf_token": token(client)})
    assert again.status_code == 409
    assert "is not over yet" in again.text
    release.set()
    assert trainer_of(app).wait(timeout=60)


def test_a_failed_run_says_why_and_stores_nothing(
    app: FastAPI, analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    answer_discontent(analysed, 2)

    def broken(texts: list[str], hints: list[str | None]) -> Inputs:
        from palabre.errors import ConfigError

        raise ConfigError("signals encoder: the embeddings extra is not installed")

    app.state.training_worker = TrainingWorker(analysed, None, scorer=broken)
    client = client_as("analyst")
    retrain(app, client)
    page = client.get(PAGE).text
    assert "The retraining changed nothing: signals encoder: the embeddings extra" in page
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(SignalAdaptation)) == 0


def test_terms_are_added_and_removed_through_the_audited_service(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    client = client_as("analyst")
    added = client.post(
        f"{PAGE}/terms",
        data={
            "term": "  <script>alert(1)</script>  en   rade ",
            "signal": "discontent",
            "weight": "2,5",
            "language": "fr",
            "csrf_token": token(client),
        },
    )
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Term added" in page
    assert "<script>alert(1)</script>" not in page
    assert html.escape("<script>alert(1)</script> en rade", quote=False) in page
    with analysed() as db:
        term = db.scalars(sa.select(DomainTerm)).one()
        assert (term.term, term.weight, term.language) == (
            "<script>alert(1)</script> en rade",
            2.5,
            "fr",
        )
    removed = client.post(f"{PAGE}/terms/{term.id}/remove", data={"csrf_token": token(client)})
    assert removed.status_code == 303
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(DomainTerm)) == 0
        trail = db.execute(
            sa.select(AuditEntry.action, AuditEntry.actor, AuditEntry.subject_id)
            .where(AuditEntry.action.like("signal.term%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(t) for t in trail] == [
        ("signal.term_added", "user:analyst-user", str(term.id)),
        ("signal.term_removed", "user:analyst-user", str(term.id)),
    ]
    gone = client.post(f"{PAGE}/terms/{term.id}/remove", data={"csrf_token": token(client)})
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"term": "panne", "signal": "discontent", "weight": "beaucoup"},
            "weight: &#39;beaucoup&#39; is not a number",
        ),
        ({"term": "panne", "signal": "discontent", "weight": "9"}, "weight: 9.0 must be non-zero"),
        (
            {"term": "panne", "signal": "sentiment", "weight": "1"},
            "signal: &#39;sentiment&#39; is not one of",
        ),
        (
            {"term": "panne", "signal": "praise", "language": "de"},
            "language: &#39;de&#39; is not fr or en",
        ),
    ],
)
def test_a_bad_term_is_refused_with_what_is_wrong_and_the_form_kept(
    analysed: sessionmaker[Session],
    client_as: Callable[[str], TestClient],
    fields: dict[str, str],
    message: str,
) -> None:
    client = client_as("admin")
    answer = client.post(f"{PAGE}/terms", data={**fields, "csrf_token": token(client)})
    assert answer.status_code == 422
    assert message in answer.text
    assert 'value="panne"' in answer.text
    with analysed() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(DomainTerm)) == 0


def test_the_page_speaks_french_and_english(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    answer_discontent(analysed, 2)
    client = client_as("analyst")
    english = client.get(PAGE, headers={"Accept-Language": "en"}).text
    french = client.get(PAGE, headers={"Accept-Language": "fr"}).text
    assert "<h1>Signal model</h1>" in english
    assert "<h1>Modèle des signaux</h1>" in french
    assert "Retrain now" in english
    assert "Réentraîner maintenant" in french
    assert "Aucune : le modèle livré tel quel." in french
    assert "2 réponses enregistrées, sur 2 messages." in french


def test_the_segment_watch_links_the_page_for_the_roles_that_correct(
    analysed: sessionmaker[Session], client_as: Callable[[str], TestClient]
) -> None:
    assert 'href="/customers/model"' in client_as("analyst").get("/customers").text
    assert 'href="/customers/model"' in client_as("admin").get("/customers").text
    manager = client_as("manager")
    assert 'href="/customers/model"' not in manager.get("/customers").text
    assert manager.get(PAGE).status_code == 403
