"""``palabre demo``: build the demo company, load it, and serve it.

Steps: check the workspace (an empty one, or a demo one; another workspace only with
``--reset``), migrate it, generate and import the company through the ordinary import
path with a progress bar, write the ground truth next to the database
(``DATA_DIR/demo-truth/``), define a few segments, create one sign-in per role (when
the accounts module is installed) and serve the web application (unless
``--no-serve``). It never asks anything: CI has no terminal to answer.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from palabre.cli.analyze import run_with_progress
from palabre.cli.context import AppState, console, err_console, state
from palabre.db import migrate
from palabre.db.engine import session_factory, transaction
from palabre.errors import ConflictError

#: (name, rule, kind) of the segments a demo workspace starts with
DEMO_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("Clients Genève mensuels", "city = 'Genève' and contract = 'monthly'", "customer"),
    ("Clients Suisse mensuels", "country = 'CH' and contract = 'monthly'", "customer"),
    ("Clients France", "country = 'FR'", "customer"),
    ("Clients Royaume-Uni", "country = 'UK'", "customer"),
    ("Clients or", "value_tier = 'gold'", "customer"),
    ("Membres fidélité", "loyalty_member", "customer"),
    ("Service client", "department = 'Service client'", "employee"),
)
#: role -> (display name, demo person the account is linked to, if any)
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    ("admin", "Admin démo", None),
    ("analyst", "Analyste relation client", None),
    ("innovation", "Responsable innovation", None),
    ("hr", "Ressources humaines", None),
    ("manager", "Manager démo", "manager"),
    ("member", "Collaborateur démo", "member"),
    ("customer", "Client démo", "customer"),
)
TRUTH_FOLDER = "demo-truth"


def demo(
    ctx: typer.Context,
    scale: Annotated[
        str,
        typer.Option("--scale", help="tiny, small, default, or a number of messages (to 10 M)."),
    ] = "default",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 42,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Erase the workspace first (whatever it holds)."),
    ] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build and load, but do not serve.")
    ] = False,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Build the demo company, load it and serve it at http://127.0.0.1:8000."""
    from palabre.demo import DemoConnector, generate_company, resolve_scale

    started = time.perf_counter()
    chosen = resolve_scale(int(scale) if scale.isdigit() else scale)
    st = state(ctx)
    data_dir = st.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    label = f"demo:{scale}:seed-{seed}"
    existing = _workspace_kind(st)
    if reset and existing != "empty":
        _erase(st)
        existing = "empty"
    if existing == "other":
        raise ConflictError(
            f"the workspace in {data_dir} already holds data that is not the demo: "
            "use another --data-dir, or --reset to erase it"
        )
    if existing not in ("empty", label):
        raise ConflictError(
            f"the workspace in {data_dir} holds another demo ({existing}): "
            "use --reset to rebuild it"
        )
    engine = st.engine(check_schema=False)
    migrate.upgrade(engine)
    sessions = session_factory(engine)
    truth_dir = data_dir / TRUTH_FOLDER
    if existing == "empty":
        console.print(
            f"building {chosen.customers:,} customers, {chosen.employees:,} employees and about "
            f"{chosen.messages:,} messages (seed {seed})",
            highlight=False,
        )
        connector = DemoConnector(label, scale=chosen.name, seed=seed, truth_dir=truth_dir)
        report = _import(sessions, connector, st)
        connector.company.write_ground_truth(truth_dir, messages=False)
        console.print(
            f"imported {report.counts.messages.created:,} messages, "
            f"{report.counts.people.created:,} people in {report.seconds:.1f} s; "
            f"ground truth in {truth_dir}",
            highlight=False,
        )
        _segments(sessions)
    else:
        console.print(f"the demo ({label}) is already loaded in {data_dir}", highlight=False)
        if not _truth_is_current(truth_dir):
            generate_company(chosen.name, seed).write_ground_truth(truth_dir, messages=False)
        _segments(sessions, only_missing=True)
    run_with_progress(sessions)
    _ideas(sessions, truth_dir)
    _crowd(sessions, truth_dir)
    company = generate_company(chosen.name, seed)
    support = company.world.teams[("Service client", "Genève")]
    links = {
        "manager": support[0].external_id,
        "member": support[-1].external_id,
        "customer": company.world.customers[0].external_id,
    }
    accounts = _accounts(sessions, links)
    console.print(f"ready in {time.perf_counter() - started:.0f} s", highlight=False)
    if no_serve:
        return
    if accounts is None or importlib.util.find_spec("palabre.web.app") is None:
        console.print("serving comes with the web application (not installed in this checkout)")
        return
    import uvicorn

    from palabre.web.app import create_app

    console.print(f"serving at http://127.0.0.1:{port}/ (Ctrl+C stops)", highlight=False)
    uvicorn.run(
        create_app(st.settings, served=True), host="127.0.0.1", port=port, log_level="warning"
    )


def _truth_is_current(truth_dir: Path) -> bool:
    """Whether the ground truth is there with every part (a demo built before the crowd
    validation was planted lacks ``crowd``: it is written again, the same seed's)."""
    import orjson

    path = truth_dir / "truth.json"
    return path.exists() and "crowd" in orjson.loads(path.read_bytes())


def _workspace_kind(st: AppState) -> str:
    """``empty``, ``other`` (data that is not the demo) or the demo's label."""
    settings = st.settings
    if not settings.database_url and not settings.sqlite_path.exists():
        return "empty"
    engine = st.engine(check_schema=False)
    if migrate.current_revision(engine) is None:
        return "empty"
    tables = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        demo_runs: list[str] = []
        if "import_run" in tables:
            demo_runs = [
                str(path)
                for (path,) in connection.execute(
                    sa.text("SELECT DISTINCT path FROM import_run WHERE kind = 'demo'")
                )
            ]
        others = 0
        if "import_run" in tables:
            others = int(
                connection.execute(
                    sa.text("SELECT count(*) FROM import_run WHERE kind <> 'demo'")
                ).scalar_one()
            )
        people = int(connection.execute(sa.text("SELECT count(*) FROM person")).scalar_one())
    if others or (people and not demo_runs):
        return "other"
    if len(demo_runs) == 1:
        return demo_runs[0]
    return "other" if demo_runs else "empty"


def _erase(st: AppState) -> None:
    """Drop everything the workspace holds, and the demo's ground truth."""
    settings = st.settings
    st.close()
    st._engine = None
    if settings.database_url:
        engine = st.engine(check_schema=False)
        meta = sa.MetaData()
        meta.reflect(engine)
        meta.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{settings.sqlite_path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(settings.data_dir / TRUTH_FOLDER, ignore_errors=True)
    console.print(f"erased the workspace in {settings.data_dir}", highlight=False)


def _import(sessions: sessionmaker[Session], connector: Any, st: AppState) -> Any:
    from palabre.connectors.importer import run_import
    from palabre.privacy.audit import system_actor

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} records"),
        TimeElapsedColumn(),
    )
    quiet = not err_console.is_terminal
    with Progress(*columns, console=err_console, disable=quiet) as bar:
        task = bar.add_task("demo company", total=connector.total(), records=0)

        def progress(position: int, total: int | None, records: int) -> None:
            bar.update(task, completed=min(position, total or position), records=records)

        return run_import(
            sessions,
            connector,
            batch_size=st.settings.import_batch_size,
            actor=system_actor(),
            progress=progress,
        )


def _segments(sessions: sessionmaker[Session], *, only_missing: bool = False) -> None:
    """Define the demo's segments, when the segments module is there."""
    try:
        from palabre.identity import segments
    except ImportError:
        console.print("segments come with palabre.identity.segments (not installed)")
        return
    from palabre.privacy.audit import system_actor

    with transaction(sessions) as session:
        known = {s.name for s in segments.list_segments(session)} if only_missing else set()
        for name, rule, kind in DEMO_SEGMENTS:
            if name in known:
                continue
            segment = segments.create_segment(
                session, name=name, rule=rule, kind=kind, actor=system_actor()
            )
            console.print(
                f"segment {segment.name!r}: {segment.member_count:,} members", highlight=False
            )


def _ideas(sessions: sessionmaker[Session], truth_dir: Path) -> None:
    """Make the demo's campaigns and ideas out of its imported messages (once)."""
    import orjson

    from palabre.demo.ideas import load_demo_ideas
    from palabre.fabric.models import Message

    truth = orjson.loads((truth_dir / "truth.json").read_bytes())
    with transaction(sessions) as session:
        last = session.scalar(sa.select(sa.func.max(Message.created_at)))
        if last is None:
            return
        report = load_demo_ideas(session, truth, today=last.date())
    if report.campaigns:
        console.print(
            f"idea campaigns: {report.campaigns}, with {report.ideas:,} ideas, "
            f"{report.votes:,} supporters' votes and {report.comments:,} comments",
            highlight=False,
        )


def _crowd(sessions: sessionmaker[Session], truth_dir: Path) -> None:
    """Seed the statement conversation and pairwise answers (once), through the app's actions."""
    import orjson

    from palabre.demo.crowd import load_demo_crowd

    truth = orjson.loads((truth_dir / "truth.json").read_bytes())
    began = time.perf_counter()
    with transaction(sessions) as session:
        report = load_demo_crowd(session, truth)
    if report.statements or report.answers:
        console.print(
            f"crowd validation: {report.statements} statements with {report.votes:,} votes, "
            f"{report.answers:,} pairwise answers ({time.perf_counter() - began:.1f} s)",
            highlight=False,
        )
    if report.reopened:
        console.print(
            f"idea campaign {report.reopened!r} kept open (no closing day): "
            "visitors can answer its pairwise questions",
            highlight=False,
        )


def _accounts(
    sessions: sessionmaker[Session], links: dict[str, str]
) -> list[tuple[str, str]] | None:
    """One sign-in per role, with a fresh password printed each run; None without accounts."""
    try:
        from palabre.accounts import service as accounts
    except ImportError:
        console.print("sign-ins come with the web application (palabre.accounts is not installed)")
        return None
    from palabre.identity.models import Person
    from palabre.privacy.audit import system_actor

    actor = system_actor()
    created: list[tuple[str, str]] = []
    with transaction(sessions) as session:
        people = _demo_people(session, Person, links)
        for role, display, link in DEMO_ACCOUNTS:
            password = accounts.generate_password()
            if accounts.find_user(session, role) is None:
                accounts.create_user(
                    session,
                    username=role,
                    role=role,
                    password=password,
                    actor=actor,
                    display_name=display,
                    person_id=people.get(link) if link else None,
                )
            else:
                accounts.set_password(session, role, password, actor=actor)
            created.append((role, password))
    table = Table(title="sign in (one account per role)")
    table.add_column("user")
    table.add_column("password")
    for user, password in created:
        table.add_row(user, password)
    console.print(table)
    return created


def _demo_people(session: Session, person: Any, links: dict[str, str]) -> dict[str, int]:
    """Person ids for the accounts linked to demo people (a manager, an employee, a customer)."""
    found: dict[str, int] = {}
    for key, external_id in links.items():
        pid = session.scalar(
            sa.select(person.id).where(person.source == "demo", person.external_id == external_id)
        )
        if pid is not None:
            found[key] = int(pid)
    return found
