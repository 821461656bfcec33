"""Identity resolution service: merge, unmerge, automatic rules, mapping files, candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.errors import ConflictError, ImportFormatError, NotFoundError
from palabre.identity import resolution
from palabre.identity.models import (
    Identity,
    MatchDecision,
    Person,
    PersonMerge,
    Team,
    TeamMembership,
)
from palabre.privacy.models import AuditEntry

ACTOR = "test:resolver"


def make_person(
    session: Session,
    name: str | None = None,
    *,
    kind: str = "unknown",
    crm: tuple[str, str] | None = None,
) -> Person:
    person = Person(display_name=name, kind=kind)
    if crm is not None:
        person.source, person.external_id = crm
    session.add(person)
    session.flush()
    return person


def make_identity(
    session: Session,
    person: Person,
    source: str,
    external_id: str,
    *,
    handle: str | None = None,
    email: str | None = None,
    name: str | None = None,
) -> Identity:
    identity = Identity(
        person_id=person.id,
        original_person_id=person.id,
        source=source,
        channel_kind="chat",
        external_id=external_id,
        handle=handle,
        email=email,
        display_name=name,
    )
    session.add(identity)
    session.flush()
    return identity


def placement(session: Session) -> dict[int, int]:
    """Which person holds each identity, read from the database."""
    session.flush()
    rows = session.execute(sa.select(Identity.id, Identity.person_id))
    return {identity_id: person_id for identity_id, person_id in rows}  # noqa: C416


def audit_actions(session: Session) -> list[str]:
    session.flush()
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def decision(session: Session, a: int, b: int) -> str | None:
    low, high = min(a, b), max(a, b)
    return session.scalars(
        sa.select(MatchDecision.decision).where(
            MatchDecision.person_a_id == low, MatchDecision.person_b_id == high
        )
    ).first()


# --- merge ---------------------------------------------------------------------------


def test_merge_moves_identities_to_the_survivor_and_keeps_their_original_person(
    session: Session,
) -> None:
    a, b = make_person(session, "Jean Dupont"), make_person(session, "jdupont")
    ia = make_identity(session, a, "crm", "c1")
    ib1 = make_identity(session, b, "slack", "U1")
    ib2 = make_identity(session, b, "forum", "jd")

    merge = resolution.merge_persons(session, a.id, b.id, actor=ACTOR, evidence={"why": "test"})

    assert placement(session) == {ia.id: a.id, ib1.id: a.id, ib2.id: a.id}
    assert {i.original_person_id for i in (ib1, ib2)} == {b.id}
    assert b.merged_into_id == a.id
    assert (merge.survivor_id, merge.merged_id, merge.rule, merge.actor) == (
        a.id,
        b.id,
        "manual",
        ACTOR,
    )
    assert merge.evidence == {"why": "test"}
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.merge")).one()
    assert entry.subject_id == str(b.id)
    assert entry.details["survivor_id"] == a.id
    assert entry.details["identities_moved"] == 2
    assert decision(session, a.id, b.id) == "same"


def test_merge_carries_the_identities_of_persons_merged_earlier(session: Session) -> None:
    a, b, c = (make_person(session) for _ in range(3))
    ic = make_identity(session, c, "mail", "c@x.ch")
    resolution.merge_persons(session, b.id, c.id, actor=ACTOR)
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    assert placement(session)[ic.id] == a.id
    assert resolution.root_of(session, c.id) == a.id


def test_merge_refuses_a_person_into_itself(session: Session) -> None:
    a = make_person(session)
    with pytest.raises(ConflictError, match="into itself"):
        resolution.merge_persons(session, a.id, a.id, actor=ACTOR)


def test_merge_refuses_a_survivor_merged_away_and_names_its_root(session: Session) -> None:
    a, b, c = (make_person(session) for _ in range(3))
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    with pytest.raises(ConflictError, match=f"merge into {a.id} instead"):
        resolution.merge_persons(session, b.id, c.id, actor=ACTOR)
    with pytest.raises(ConflictError, match="already merged"):
        resolution.merge_persons(session, c.id, b.id, actor=ACTOR)


def test_merge_refuses_a_customer_with_an_employee_unless_forced(session: Session) -> None:
    customer = make_person(session, kind="customer")
    employee = make_person(session, kind="employee")
    unknown = make_person(session)
    with pytest.raises(ConflictError, match="customer"):
        resolution.merge_persons(session, customer.id, employee.id, actor=ACTOR)
    resolution.merge_persons(session, customer.id, unknown.id, actor=ACTOR)
    resolution.merge_persons(session, customer.id, employee.id, actor=ACTOR, force=True)
    assert employee.merged_into_id == customer.id


def test_merge_of_an_unknown_person_is_not_found(session: Session) -> None:
    a = make_person(session)
    with pytest.raises(NotFoundError):
        resolution.merge_persons(session, a.id, 999_999, actor=ACTOR)


def test_the_service_leaves_the_commit_to_its_caller(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        a_id, b_id = make_person(session).id, make_person(session).id
        session.commit()
        resolution.merge_persons(session, a_id, b_id, actor=ACTOR)
        session.rollback()
    with sessions() as session:
        merged = session.get(Person, b_id)
        assert merged is not None
        assert merged.merged_into_id is None
        assert session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


# --- unmerge -------------------------------------------------------------------------


def test_merge_then_unmerge_restores_every_identity_exactly(session: Session) -> None:
    a, b, c, d = (make_person(session) for _ in range(4))
    for person, n in ((a, 2), (b, 1), (c, 3), (d, 1)):
        for k in range(n):
            make_identity(session, person, "src", f"{person.id}-{k}")
    resolution.merge_persons(session, b.id, c.id, actor=ACTOR)
    before = placement(session)

    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    resolution.merge_persons(session, a.id, d.id, actor=ACTOR)
    assert set(placement(session).values()) == {a.id}

    undone = resolution.unmerge(session, b.id, actor=ACTOR)
    assert [(m.survivor_id, m.merged_id) for m in undone] == [(a.id, b.id)]
    assert undone[0].undone_at is not None
    resolution.unmerge(session, d.id, actor=ACTOR)

    assert placement(session) == before
    assert b.merged_into_id is None
    assert c.merged_into_id == b.id
    assert d.merged_into_id is None


def test_unmerging_a_survivor_undoes_every_merge_into_it(session: Session) -> None:
    a, b, c = (make_person(session) for _ in range(3))
    identities = [make_identity(session, p, "src", str(p.id)) for p in (a, b, c)]
    before = placement(session)
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    resolution.merge_persons(session, a.id, c.id, actor=ACTOR)

    undone = resolution.unmerge(session, a.id, actor=ACTOR)

    assert sorted(m.merged_id for m in undone) == [b.id, c.id]
    assert placement(session) == before
    assert len(identities) == 3
    assert audit_actions(session).count("person.unmerge") == 2


def test_unmerge_records_the_pair_as_distinct_and_is_audited(session: Session) -> None:
    a, b = make_person(session), make_person(session)
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    resolution.unmerge(session, b.id, actor=ACTOR)
    assert decision(session, a.id, b.id) == "distinct"
    assert audit_actions(session) == ["person.merge", "person.unmerge"]
    with pytest.raises(ConflictError, match="declared distinct"):
        resolution.merge_persons(session, a.id, b.id, actor=ACTOR)
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR, force=True)
    assert decision(session, a.id, b.id) == "same"


def test_unmerge_of_a_person_merged_with_no_one_is_a_conflict(session: Session) -> None:
    a = make_person(session)
    with pytest.raises(ConflictError, match="not merged"):
        resolution.unmerge(session, a.id, actor=ACTOR)


# --- automatic rules -----------------------------------------------------------------


def test_auto_merge_joins_same_email_across_sources_into_the_crm_person(
    session: Session,
) -> None:
    slack = make_person(session, "jd")
    crm = make_person(session, "Jean Dupont", kind="customer", crm=("hubspot", "42"))
    other = make_person(session, "Someone Else")
    i1 = make_identity(session, slack, "slack", "U1", email="Jean.Dupont@Acme.ch")
    i2 = make_identity(session, crm, "hubspot", "42", email="jean.dupont@acme.ch ")
    make_identity(session, other, "slack", "U2", email="else@acme.ch")

    merges = resolution.auto_merge(session, actor=ACTOR)

    assert [(m.survivor_id, m.merged_id, m.rule) for m in merges] == [
        (crm.id, slack.id, "same-email")
    ]
    assert merges[0].evidence == {"email": "jean.dupont@acme.ch"}
    assert placement(session)[i1.id] == placement(session)[i2.id] == crm.id
    assert other.merged_into_id is None
    assert "person.merge" in audit_actions(session)
    # Running again finds nothing more to do.
    assert resolution.auto_merge(session, actor=ACTOR) == []


def test_auto_merge_without_a_crm_person_keeps_the_lowest_id_and_follows_chains(
    session: Session,
) -> None:
    p1, p2, p3 = (make_person(session) for _ in range(3))
    make_identity(session, p1, "a", "1", email="x@x.ch")
    make_identity(session, p2, "b", "2", email="X@x.ch")
    make_identity(session, p2, "b", "3", email="y@y.ch")
    make_identity(session, p3, "c", "4", email="y@y.ch")

    merges = resolution.auto_merge(session, actor=ACTOR)

    assert {(m.survivor_id, m.merged_id) for m in merges} == {(p1.id, p2.id), (p1.id, p3.id)}
    assert set(placement(session).values()) == {p1.id}


def test_auto_merge_never_remerges_a_pair_declared_distinct(session: Session) -> None:
    a, b = make_person(session), make_person(session)
    make_identity(session, a, "a", "1", email="same@x.ch")
    make_identity(session, b, "b", "1", email="same@x.ch")
    assert len(resolution.auto_merge(session, actor=ACTOR)) == 1
    before_unmerge = len(audit_actions(session))
    resolution.unmerge(session, b.id, actor=ACTOR)
    assert len(audit_actions(session)) == before_unmerge + 1

    assert resolution.auto_merge(session, actor=ACTOR) == []
    assert b.merged_into_id is None


def test_auto_merge_respects_distinct_decisions_across_merged_groups(session: Session) -> None:
    a, b, z = (make_person(session) for _ in range(3))
    resolution.reject_match(session, a.id, b.id, actor=ACTOR)
    resolution.merge_persons(session, z.id, a.id, actor=ACTOR)
    make_identity(session, z, "a", "1", email="shared@x.ch")
    make_identity(session, b, "b", "1", email="shared@x.ch")
    assert resolution.auto_merge(session, actor=ACTOR) == []


def test_auto_merge_leaves_two_crm_persons_and_customer_employee_pairs_alone(
    session: Session,
) -> None:
    c1 = make_person(session, crm=("crm", "1"))
    c2 = make_person(session, crm=("crm", "2"))
    make_identity(session, c1, "crm", "1", email="info@shop.ch")
    make_identity(session, c2, "crm", "2", email="info@shop.ch")
    customer = make_person(session, kind="customer")
    employee = make_person(session, kind="employee")
    make_identity(session, customer, "shop", "1", email="ana@x.ch")
    make_identity(session, employee, "hr", "1", email="ana@x.ch")
    assert resolution.auto_merge(session, actor=ACTOR) == []


def test_auto_merge_with_person_ids_only_touches_their_addresses(session: Session) -> None:
    p1, p2, p3, p4 = (make_person(session) for _ in range(4))
    make_identity(session, p1, "a", "1", email="one@x.ch")
    make_identity(session, p2, "b", "1", email="one@x.ch")
    make_identity(session, p3, "a", "2", email="two@x.ch")
    make_identity(session, p4, "b", "2", email="two@x.ch")

    merges = resolution.auto_merge(session, actor=ACTOR, person_ids=[p4.id])

    assert [(m.survivor_id, m.merged_id) for m in merges] == [(p3.id, p4.id)]
    assert p2.merged_into_id is None
    assert resolution.auto_merge(session, actor=ACTOR, person_ids=[]) == []


# --- mapping files -------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_file_merges_identities_into_persons_named_by_id_or_crm_id(
    session: Session, tmp_path: Path
) -> None:
    crm = make_person(session, "Jean Dupont", crm=("salesforce", "003:AB"))
    plain = make_person(session, "Marie")
    slack = make_person(session)
    forum = make_person(session)
    make_identity(session, slack, "slack", "U1")
    make_identity(session, forum, "forum", "marie")
    path = write(
        tmp_path,
        f"source,external_id,person\nslack,U1,salesforce:003:AB\nforum,marie,{plain.id}\n",
    )

    merges = resolution.apply_mapping_file(session, path, actor=ACTOR)

    assert [(m.survivor_id, m.merged_id, m.rule) for m in merges] == [
        (crm.id, slack.id, "mapping-file"),
        (plain.id, forum.id, "mapping-file"),
    ]
    assert merges[0].evidence["line"] == 2
    assert "person.mapping_file" in audit_actions(session)
    # Applying the same file again changes nothing.
    assert resolution.apply_mapping_file(session, path, actor=ACTOR) == []


@pytest.mark.parametrize(
    ("rows", "line", "field", "reason"),
    [
        ("slack,U1,{p}\nslack,NOPE,{p}\n", 3, "external_id", "no identity"),
        ("slack,U1,{p}\nforum,x,999999\n", 3, "person", "no person with id"),
        ("slack,U1,{p}\nforum,x,crm:missing\n", 3, "person", "no person with CRM id"),
        ("slack,U1,not-a-person\n", 2, "person", "neither a person id"),
        ("slack,,{p}\n", 2, "external_id", "empty value"),
        ("slack,U1,{p}\nforum,x,{e}\n", 3, "person", "employee"),
        ("slack,U1,{p}\nslack,U1,{e}\n", 3, "person", "mapped to person"),
    ],
)
def test_a_bad_mapping_row_names_line_and_field_and_changes_nothing(
    session: Session, tmp_path: Path, rows: str, line: int, field: str, reason: str
) -> None:
    target = make_person(session, kind="customer")
    employee = make_person(session, kind="employee")
    holder = make_person(session)
    forum_holder = make_person(session, kind="customer")
    make_identity(session, holder, "slack", "U1")
    make_identity(session, forum_holder, "forum", "x")
    before = placement(session)
    path = write(tmp_path, "source,external_id,person\n" + rows.format(p=target.id, e=employee.id))

    with pytest.raises(ImportFormatError) as caught:
        resolution.apply_mapping_file(session, path, actor=ACTOR)

    error = caught.value
    assert (error.line, error.field) == (line, field)
    assert str(path) in error.message
    assert f"line {line}" in error.message
    assert reason in error.reason
    assert placement(session) == before
    assert holder.merged_into_id is None
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 0
    assert audit_actions(session) == []


def test_a_mapping_file_without_the_required_columns_is_refused(
    session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path, "source,id,person\nslack,U1,1\n")
    with pytest.raises(ImportFormatError) as caught:
        resolution.apply_mapping_file(session, path, actor=ACTOR)
    assert (caught.value.line, caught.value.field) == (1, "external_id")


def test_a_missing_mapping_file_is_an_import_format_error(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="cannot read"):
        resolution.apply_mapping_file(session, tmp_path / "absent.csv", actor=ACTOR)


# --- candidates, decisions, summaries ------------------------------------------------


def test_candidate_matches_explain_pairs_and_skip_decided_and_merged_persons(
    session: Session,
) -> None:
    team = Team(name="Genève", path="Ventes/Genève")
    session.add(team)
    a = make_person(session, "Jean Dupont")
    b = make_person(session, "DUPONT Jean")
    make_identity(session, a, "slack", "U1", handle="jdupont")
    make_identity(session, b, "mail", "m1", email="j.dupont@acme.ch")
    session.add_all(
        [
            TeamMembership(person_id=a.id, team_id=team.id),
            TeamMembership(person_id=b.id, team_id=team.id),
        ]
    )
    c = make_person(session, "Marie Curie")
    d = make_person(session, "marie curie")
    e = make_person(session, "Marie Curie")
    resolution.merge_persons(session, d.id, e.id, actor=ACTOR)
    session.flush()

    found = resolution.candidate_matches(session)

    assert [(m.person_a.id, m.person_b.id) for m in found] == [(a.id, b.id), (c.id, d.id)]
    best = found[0]
    assert "same name: 'Jean Dupont'" in best.evidence
    assert "similar handles: jdupont ~ j.dupont@acme.ch (100)" in best.evidence
    assert "same team: Ventes/Genève" in best.evidence
    assert best.score > found[1].score

    resolution.reject_match(session, c.id, e.id, actor=ACTOR)
    # e is merged into d: rejecting c/e rejects c against d's whole group.
    assert [(m.person_a.id, m.person_b.id) for m in resolution.candidate_matches(session)] == [
        (a.id, b.id)
    ]
    assert resolution.candidate_matches(session, min_score=0.95) == []


def test_reject_match_records_distinct_and_is_audited(session: Session) -> None:
    a, b = make_person(session), make_person(session)
    result = resolution.reject_match(session, b.id, a.id, actor=ACTOR)
    assert (result.person_a_id, result.person_b_id, result.decision) == (a.id, b.id, "distinct")
    assert audit_actions(session) == ["person.match_rejected"]
    with pytest.raises(ConflictError):
        resolution.reject_match(session, a.id, a.id, actor=ACTOR)


def test_person_summary_lists_identities_held_and_originally_created(session: Session) -> None:
    a = make_person(session, "Jean", kind="customer", crm=("crm", "7"))
    b = make_person(session)
    make_identity(session, a, "crm", "7", email="j@x.ch")
    make_identity(session, b, "slack", "U1", handle="jd")
    resolution.merge_persons(session, a.id, b.id, actor=ACTOR)

    survivor = resolution.person_summary(session, a.id)
    merged = resolution.person_summary(session, b.id)

    assert survivor.merged_person_ids == [b.id]
    assert [i.external_id for i in survivor.identities] == ["7", "U1"]
    assert (merged.merged_into_id, merged.root_id) == (a.id, a.id)
    assert [(i.person_id, i.original_person_id) for i in merged.identities] == [(a.id, b.id)]
    assert survivor.to_dict()["identities"][1]["handle"] == "jd"
    with pytest.raises(NotFoundError):
        resolution.person_summary(session, 424242)
