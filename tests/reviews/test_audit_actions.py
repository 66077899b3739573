"""Each audited action writes its own entry, in the service's transaction: who, what,
before, after and why. One test per action; a refused action writes none."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from reviews import obligations, services
from reviews.audit import audit_record
from reviews.computation import cycle_compute
from reviews.imports import actuals_import
from reviews.models import (
    AssessmentRole,
    AuditAction,
    AuditEntry,
    PeerRequestStatus,
    Phase,
)
from tests.builders import PEERS, leader_save, load_into_cycle
from tests.factories import make_hr

pytestmark = pytest.mark.django_db


def only(action, **filters) -> AuditEntry:
    """The one entry of this action (and filters), failing if there are none or several."""
    return AuditEntry.objects.get(action=action, **filters)


def assessment_of(review, assessor, role):
    return services.assessment_get_or_create(review=review, assessor=assessor, role=role)


def rate_all(assessment, value=4, **kwargs):
    items = assessment.review.cycle.competency_items.all()
    return services.assessment_save(
        assessment=assessment,
        actor=assessment.assessor,
        version=assessment.version,
        ratings={item.pk: value for item in items},
        **kwargs,
    )


def nominate_and_approve(review, people):
    services.peer_nominations_set(
        review=review, actor=review.person, peers=[people[name] for name in PEERS]
    )
    services.peer_requests_approve(review=review, actor=review.leader, is_hr=False)


def to_review_phase(review, people):
    nominate_and_approve(review, people)
    services.cycle_advance(cycle=review.cycle, actor=people["ye.qing"], override_blockers=True)
    review.cycle.refresh_from_db()


# --- cycles and participants ----------------------------------------------------------------


def test_creating_a_cycle_is_recorded_with_its_creator(draft_cycle, people):
    entry = only(AuditAction.CYCLE_CREATED, cycle=draft_cycle)

    assert entry.actor == people["ye.qing"]


def test_each_added_participant_has_an_entry(draft_cycle, people):
    services.cycle_add_participants(
        cycle=draft_cycle, people=[people["liu.yang"]], actor=people["ye.qing"]
    )

    entry = only(AuditAction.PARTICIPANT_ADDED, subject__person=people["liu.yang"].pk)
    assert (entry.actor, entry.review.person) == (people["ye.qing"], people["liu.yang"])
    assert AuditEntry.objects.filter(action=AuditAction.PARTICIPANT_ADDED).count() == 5


def test_removing_a_participant_is_recorded_after_the_review_is_gone(draft_cycle, people):
    review = draft_cycle.reviews.get(person=people["li.na"])

    services.cycle_remove_participant(review=review, actor=people["ye.qing"])

    entry = only(AuditAction.PARTICIPANT_REMOVED)
    assert (entry.cycle, entry.actor, entry.subject) == (
        draft_cycle,
        people["ye.qing"],
        {"person": people["li.na"].pk},
    )


def test_opening_and_moving_a_cycle_record_each_phase_move(open_cycle, people):
    services.cycle_advance(cycle=open_cycle, actor=people["ye.qing"], override_blockers=True)

    moves = [
        entry.changes
        for entry in AuditEntry.objects.filter(action=AuditAction.PHASE_MOVED).order_by("pk")
    ]
    assert moves == [
        [["cycle.phase", Phase.DRAFT, Phase.SELF_ASSESSMENT]],
        [["cycle.phase", Phase.SELF_ASSESSMENT, Phase.REVIEW]],
    ]
    overridden = AuditEntry.objects.filter(action=AuditAction.PHASE_MOVED).order_by("pk").last()
    assert "4 PMs have not submitted their self-assessment" in overridden.reason


def test_a_deadline_extension_records_each_moved_deadline_and_the_reason(open_cycle, people):
    old = open_cycle.self_assessment_deadline
    later = open_cycle.review_deadline + timedelta(days=1)

    services.cycle_extend_deadline(
        cycle=open_cycle,
        phase=Phase.SELF_ASSESSMENT,
        deadline=later,
        actor=people["ye.qing"],
        reason="public holiday",
    )

    entry = only(AuditAction.DEADLINE_EXTENDED)
    assert (entry.actor, entry.reason) == (people["ye.qing"], "public holiday")
    assert entry.changes[0] == [
        "cycle.self_assessment_deadline",
        old.isoformat(),
        later.isoformat(),
    ]
    assert [field for field, _before, _after in entry.changes] == [
        "cycle.self_assessment_deadline",
        "cycle.review_deadline",
    ]


# --- assessments and actuals ----------------------------------------------------------------


def test_each_changed_rating_has_an_entry_with_before_and_after(lin_review):
    item = lin_review.cycle.competency_items.first()
    assessment = assessment_of(lin_review, lin_review.person, AssessmentRole.SELF)
    rate_all(assessment, value=2)

    services.assessment_save(
        assessment=assessment, actor=lin_review.person, version=1, ratings={item.pk: 4}
    )

    changes = [
        entry.changes
        for entry in AuditEntry.objects.filter(
            action=AuditAction.RATING_CHANGED, subject__competency=item.pk
        ).order_by("pk")
    ]
    assert changes == [[["rating.value", None, 2]], [["rating.value", 2, 4]]]
    entry = AuditEntry.objects.filter(action=AuditAction.RATING_CHANGED).first()
    assert (entry.actor, entry.review, entry.subject["role"]) == (
        lin_review.person,
        lin_review,
        AssessmentRole.SELF,
    )


def test_saving_the_same_ratings_again_records_nothing_new(lin_review):
    assessment = rate_all(assessment_of(lin_review, lin_review.person, AssessmentRole.SELF))
    count = AuditEntry.objects.count()

    rate_all(assessment)

    assert AuditEntry.objects.count() == count


def test_written_assessment_text_is_recorded(lin_review):
    assessment = assessment_of(lin_review, lin_review.person, AssessmentRole.SELF)

    rate_all(assessment, texts={"strengths": "Shipped checkout v2"})

    entry = only(AuditAction.ASSESSMENT_CHANGED)
    assert entry.changes == [["assessment.strengths", "", "Shipped checkout v2"]]


def test_a_reported_actual_is_recorded(lin_review):
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")
    assessment = assessment_of(lin_review, lin_review.person, AssessmentRole.SELF)

    rate_all(assessment, actuals={mau.pk: services.ActualInput(Decimal("12.5"), "dashboard")})

    entry = only(AuditAction.ACTUAL_REPORTED, subject__kpi=mau.pk)
    assert entry.changes == [
        ["kpiactual.reported_value", None, "12.5"],
        ["kpiactual.evidence", "", "dashboard"],
    ]


def test_submitting_and_reopening_are_recorded_with_the_reason(lin_review, people):
    assessment = rate_all(
        assessment_of(lin_review, lin_review.person, AssessmentRole.SELF), submit=True
    )
    submitted = only(AuditAction.ASSESSMENT_SUBMITTED)

    services.assessment_reopen(
        assessment=assessment, actor=people["ye.qing"], reason="wrong actual reported"
    )

    reopened = only(AuditAction.ASSESSMENT_REOPENED)
    assert submitted.actor == lin_review.person
    assert (reopened.actor, reopened.reason) == (people["ye.qing"], "wrong actual reported")
    assert reopened.changes[0][2] is None


def test_uploaded_actuals_are_recorded_row_by_row_in_one_write(open_cycle, people):
    data = b"pm,kpi,value,evidence\nchen.lin,mau_growth,14,export\nli.na,mau_growth,9,export\n"

    with transaction.atomic():
        actuals_import(
            cycle=open_cycle,
            data=data,
            filename="actuals.csv",
            leader_id=None,
            actor=people["ye.qing"],
        )

    entries = AuditEntry.objects.filter(action=AuditAction.ACTUAL_IMPORTED)
    assert sorted(entry.review.person.user.username for entry in entries) == ["chen.lin", "li.na"]
    assert {entry.reason for entry in entries} == {"actuals.csv"}
    assert {entry.actor for entry in entries} == {people["ye.qing"]}


def test_a_verified_actual_is_recorded(lin_review, people):
    to_review_phase(lin_review, people)
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")

    leader_save(
        lin_review,
        verifications={mau.pk: services.Verification("correct", 0, value=Decimal(17))},
    )

    entry = only(AuditAction.ACTUAL_VERIFIED)
    assert (entry.actor, entry.subject) == (people["zhou.min"], {"kpi": mau.pk})
    assert entry.changes == [["kpiactual.verified_value", None, "17"]]


def test_an_adjustment_is_recorded_with_its_reason(lin_review, people):
    to_review_phase(lin_review, people)

    leader_save(lin_review, adjustment=services.Adjustment(Decimal(-2), "late reversals", 0))

    entry = only(AuditAction.ADJUSTMENT_CHANGED)
    assert entry.reason == "late reversals"
    assert entry.changes == [
        ["review.adjustment", "0.00", "-2"],
        ["review.adjustment_reason", "", "late reversals"],
    ]


# --- peers ----------------------------------------------------------------------------------


def test_nominations_record_the_peers_before_and_after(lin_review, people):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[name] for name in PEERS]
    )

    entry = only(AuditAction.PEERS_NOMINATED)
    assert entry.actor == lin_review.person
    assert entry.changes == [
        ["peerrequest.peers", [], sorted(people[name].pk for name in PEERS)],
    ]


def test_approving_peers_records_who_is_asked(lin_review, people):
    nominate_and_approve(lin_review, people)

    entry = only(AuditAction.PEERS_APPROVED)
    assert entry.actor == people["zhou.min"]
    assert entry.changes == [
        ["peerrequest.peers", [], sorted(people[name].pk for name in PEERS)],
    ]


def test_a_declined_request_is_recorded_with_its_reason(lin_review, people):
    nominate_and_approve(lin_review, people)
    request = lin_review.peer_requests.get(peer=people["luo.xin"])

    services.peer_request_decline(request=request, actor=people["luo.xin"], reason="on leave")

    entry = only(AuditAction.PEER_REQUEST_CHANGED)
    assert (entry.actor, entry.reason) == (people["luo.xin"], "on leave")
    assert entry.changes == [
        ["peerrequest.status", PeerRequestStatus.APPROVED, PeerRequestStatus.DECLINED]
    ]


def test_a_peer_submitting_and_being_reopened_changes_the_request_on_record(lin_review, people):
    to_review_phase(lin_review, people)
    peer = people["luo.xin"]
    assessment = rate_all(assessment_of(lin_review, peer, AssessmentRole.PEER), submit=True)

    services.assessment_reopen(assessment=assessment, actor=people["ye.qing"], reason="blank")

    statuses = [
        entry.changes[0][1:]
        for entry in AuditEntry.objects.filter(
            action=AuditAction.PEER_REQUEST_CHANGED, subject__person=peer.pk
        ).order_by("pk")
    ]
    assert statuses == [
        [PeerRequestStatus.APPROVED, PeerRequestStatus.SUBMITTED],
        [PeerRequestStatus.SUBMITTED, PeerRequestStatus.APPROVED],
    ]


# --- results --------------------------------------------------------------------------------


@pytest.fixture
def calibrating():
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    cycle.phase = Phase.CALIBRATION
    cycle.save(update_fields=["phase"])
    return cycle, reviews, make_hr(name="HR Lead")


def test_a_calibration_is_recorded_with_the_grade_before_and_after(calibrating):
    _cycle, reviews, hr = calibrating
    review = reviews["lin"]
    computed = review.result.grade
    other = next(grade for grade in services.cycle_grades(review.cycle) if grade != computed)

    services.result_calibrate(review=review, actor=hr, grade=other, reason="cross-team impact")

    entry = only(AuditAction.GRADE_CALIBRATED)
    assert (entry.actor, entry.reason) == (hr, "cross-team impact")
    assert entry.changes == [
        ["calibration.grade", computed, other],
        ["calibration.reason", "", "cross-team impact"],
    ]


def test_a_calibration_reason_rewritten_alone_is_recorded_too(calibrating):
    _cycle, reviews, hr = calibrating
    review = reviews["lin"]
    other = next(g for g in services.cycle_grades(review.cycle) if g != review.result.grade)
    services.result_calibrate(review=review, actor=hr, grade=other, reason="cross-team impact")

    services.result_calibrate(review=review, actor=hr, grade=other, reason="led the migration")

    latest = AuditEntry.objects.filter(action=AuditAction.GRADE_CALIBRATED).latest("pk")
    assert latest.changes == [["calibration.reason", "cross-team impact", "led the migration"]]


def test_a_calibration_read_before_someone_elses_is_refused(calibrating):
    _cycle, reviews, hr = calibrating
    review = reviews["lin"]
    computed = review.result.grade
    first, second = [g for g in services.cycle_grades(review.cycle) if g != computed][:2]
    services.result_calibrate(
        review=review, actor=hr, grade=first, reason="first tab", read_grade=computed
    )

    with pytest.raises(services.EditConflict):
        services.result_calibrate(
            review=review, actor=hr, grade=second, reason="second tab", read_grade=computed
        )

    assert review.__class__.objects.get(pk=review.pk).calibration.grade == first
    assert AuditEntry.objects.filter(action=AuditAction.GRADE_CALIBRATED).count() == 1


def test_an_acknowledgement_is_recorded_with_its_comment(calibrating):
    cycle, reviews, hr = calibrating
    services.cycle_advance(cycle=cycle, actor=hr, override_blockers=True)
    review = reviews["lin"]

    services.result_acknowledge(review=review, actor=review.person, comment="Fair, thanks")

    entry = only(AuditAction.RESULT_ACKNOWLEDGED)
    assert (entry.actor, entry.review) == (review.person, review)
    assert entry.changes == [["acknowledgement.comment", "", "Fair, thanks"]]


# --- the rules around the trail -------------------------------------------------------------


def test_a_refused_action_writes_no_entry(lin_review, people):
    count = AuditEntry.objects.count()

    with pytest.raises(services.ReviewError):  # the cycle is not in review yet
        leader_save(lin_review, adjustment=services.Adjustment(Decimal(-2), "x", 0))

    assert AuditEntry.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_an_entry_is_written_only_inside_a_transaction(draft_cycle):
    with pytest.raises(RuntimeError):
        audit_record(cycle=draft_cycle, action=AuditAction.CYCLE_CREATED, actor=None)

    assert AuditEntry.objects.filter(action=AuditAction.CYCLE_CREATED).count() == 1


def test_the_blockers_count_every_pm_without_a_submitted_self_assessment(open_cycle, people):
    """A draft is not a submission: two PMs with drafts still owe theirs."""
    for name in ("chen.lin", "wang.fang"):
        review = open_cycle.reviews.get(person=people[name])
        rate_all(assessment_of(review, review.person, AssessmentRole.SELF))

    blockers = services.cycle_blockers(cycle=open_cycle)

    assert blockers[0].startswith("4 PMs have not submitted their self-assessment")
    assert obligations.owing_people(open_cycle) == {
        people[name].pk for name in ("chen.lin", "wang.fang", "li.na", "zhang.wei")
    }
