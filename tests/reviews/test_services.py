"""The review cycle's rules, as services enforce them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from kpis.models import ScorecardTemplate, TemplateKpi
from reviews import services
from reviews.models import (
    Assessment,
    AssessmentRole,
    AuditAction,
    AuditEntry,
    CycleKpi,
    KpiActual,
    PeerRequest,
    PeerRequestStatus,
    Phase,
    PhaseChange,
    Rating,
)
from reviews.selectors import peer_aggregates
from tests.builders import HR, PEERS, advance_to, build_cycle, in_review_with_peers, leader_save

pytestmark = pytest.mark.django_db


def self_assessment(review):
    return services.assessment_get_or_create(
        review=review, assessor=review.person, role=AssessmentRole.SELF
    )


def rate_all(assessment, value=4, **kwargs):
    items = assessment.review.cycle.competency_items.all()
    return services.assessment_save(
        assessment=assessment,
        actor=assessment.assessor,
        version=assessment.version,
        ratings={item.pk: value for item in items},
        **kwargs,
    )


def test_opening_freezes_the_scorecard_and_tells_participants(open_cycle):
    template = ScorecardTemplate.objects.get(key="tob_saas")
    TemplateKpi.objects.filter(template=template, kpi__key="nps").update(
        weight=Decimal(30), target=Decimal(60)
    )

    frozen = CycleKpi.objects.get(cycle=open_cycle, kpi__key="nps")
    assert (frozen.weight, frozen.target) == (20, 70)
    assert open_cycle.phase == Phase.SELF_ASSESSMENT
    assert open_cycle.scorecard["section_weights"] == {"kpi": "60", "competency": "40"}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"{name}@example.com" for name in ("chen.lin", "wang.fang", "li.na", "zhang.wei")
    )


def test_participants_keep_the_leader_and_team_they_had_when_added(draft_cycle, people):
    lin = people["chen.lin"]
    lin.leader = people["xu.hui"]
    lin.team = people["liu.yang"].team
    lin.save()

    review = draft_cycle.reviews.get(person=lin)
    assert review.leader == people["zhou.min"]
    assert review.team.name == "Growth"


def test_a_person_without_a_leader_cannot_be_added(draft_cycle, people):
    with pytest.raises(services.ReviewError) as refused:
        services.cycle_add_participants(cycle=draft_cycle, people=[people["xu.hui"]])

    assert "no leader" in refused.value.problems[0]
    assert not draft_cycle.reviews.filter(person=people["xu.hui"]).exists()


def test_an_empty_draft_cannot_be_opened(people):
    cycle = build_cycle(actor=people[HR])

    with pytest.raises(services.ReviewError):
        services.cycle_open(cycle=cycle, actor=people["ye.qing"])
    cycle.refresh_from_db()
    assert cycle.phase == Phase.DRAFT


def test_a_blocked_move_names_who_has_not_submitted_and_changes_nothing(open_cycle, people):
    rate_all(self_assessment(open_cycle.reviews.get(person=people["chen.lin"])), submit=True)

    with pytest.raises(services.PhaseBlocked) as blocked:
        services.cycle_advance(cycle=open_cycle, actor=people["ye.qing"])

    assert blocked.value.problems == [
        "3 PMs have not submitted their self-assessment: Li Na, Wang Fang, Zhang Wei"
    ]
    open_cycle.refresh_from_db()
    assert open_cycle.phase == Phase.SELF_ASSESSMENT


def test_hr_moves_on_anyway_only_with_confirmation_which_is_recorded(open_cycle, people):
    services.cycle_advance(cycle=open_cycle, actor=people["ye.qing"], override_blockers=True)

    open_cycle.refresh_from_db()
    change = PhaseChange.objects.filter(cycle=open_cycle).last()
    assert open_cycle.phase == Phase.REVIEW
    assert change.moved_by == people["ye.qing"]
    assert change.overridden_blockers == [
        "4 PMs have not submitted their self-assessment: Chen Lin, Li Na, Wang Fang, Zhang Wei"
    ]


def test_review_phase_is_blocked_by_leaders_who_have_not_submitted(open_cycle, people):
    in_review = services.cycle_advance(
        cycle=open_cycle, actor=people["ye.qing"], override_blockers=True
    )

    assert services.cycle_blockers(cycle=in_review) == ["1 leader has not submitted: Zhou Min"]


def test_a_pm_saves_a_draft_and_submits_which_locks_it(lin_review):
    assessment = self_assessment(lin_review)
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")

    draft = rate_all(
        assessment,
        texts={"strengths": "Shipped onboarding v2"},
        actuals={mau.pk: services.ActualInput(Decimal(18), "https://dash.example.com/mau")},
    )
    submitted = rate_all(draft, submit=True)

    assert submitted.is_submitted
    actual = KpiActual.objects.get(review=lin_review, item=mau)
    assert (actual.reported_value, actual.evidence) == (18, "https://dash.example.com/mau")
    with pytest.raises(services.ReviewError) as locked:
        rate_all(submitted, value=2)
    assert "locked" in locked.value.problems[0]
    assert set(Rating.objects.filter(assessment=submitted).values_list("value", flat=True)) == {4}


def test_an_out_of_range_rating_is_refused_and_nothing_changes(lin_review):
    assessment = rate_all(self_assessment(lin_review), value=3)
    item = lin_review.cycle.competency_items.first()

    with pytest.raises(services.ReviewError) as refused:
        services.assessment_save(
            assessment=assessment,
            actor=lin_review.person,
            version=assessment.version,
            ratings={item.pk: 9},
        )

    assert "9 is off the scale 1 to 5" in refused.value.problems[0]
    assert Rating.objects.get(assessment=assessment, competency=item).value == 3


def test_submitting_needs_every_competency_answered_and_na_counts_as_an_answer(lin_review):
    assessment = self_assessment(lin_review)
    items = list(lin_review.cycle.competency_items.all())

    with pytest.raises(services.ReviewError) as refused:
        services.assessment_save(
            assessment=assessment,
            actor=lin_review.person,
            version=0,
            ratings={items[0].pk: None},
            submit=True,
        )
    assert "Rate every competency" in refused.value.problems[0]
    assert not Assessment.objects.get(pk=assessment.pk).is_submitted

    ratings = {item.pk: None for item in items}
    assessment.refresh_from_db()
    submitted = services.assessment_save(
        assessment=assessment,
        actor=lin_review.person,
        version=assessment.version,
        ratings=ratings,
        submit=True,
    )
    assert submitted.is_submitted


def test_two_people_saving_the_same_version_never_lose_an_update_silently(lin_review):
    assessment = self_assessment(lin_review)
    item = lin_review.cycle.competency_items.first()
    first = services.assessment_save(
        assessment=assessment, actor=lin_review.person, version=0, ratings={item.pk: 5}
    )

    with pytest.raises(services.EditConflict):
        services.assessment_save(
            assessment=assessment, actor=lin_review.person, version=0, ratings={item.pk: 1}
        )

    assert first.version == 1
    assert Rating.objects.get(assessment=assessment, competency=item).value == 5


def test_nothing_is_accepted_after_the_deadline_until_hr_extends_it(lin_review):
    cycle = lin_review.cycle
    cycle.self_assessment_deadline = timezone.now() - timedelta(minutes=1)
    cycle.save(update_fields=["self_assessment_deadline"])
    assessment = self_assessment(lin_review)

    with pytest.raises(services.ReviewError) as late:
        rate_all(assessment)
    assert "deadline" in late.value.problems[0]
    assert not Rating.objects.filter(assessment=assessment).exists()

    services.cycle_extend_deadline(
        cycle=cycle, phase=Phase.SELF_ASSESSMENT, deadline=timezone.now() + timedelta(days=1)
    )
    assert rate_all(assessment).version == 1


def test_hr_reopens_one_submitted_assessment_with_a_logged_reason(lin_review, people):
    submitted = rate_all(self_assessment(lin_review), submit=True)

    with pytest.raises(services.ReviewError):
        services.assessment_reopen(assessment=submitted, actor=people["ye.qing"], reason="  ")
    reopened = services.assessment_reopen(
        assessment=submitted, actor=people["ye.qing"], reason="typo in an actual"
    )

    assert not reopened.is_submitted
    assert reopened.reopenings.get().reason == "typo in an actual"
    logged = AuditEntry.objects.get(action=AuditAction.ASSESSMENT_REOPENED)
    assert (logged.review, logged.reason) == (lin_review, "typo in an actual")
    assert rate_all(reopened, value=5).version == reopened.version + 1


def test_a_reopened_assessment_is_emailed_to_its_owner_with_the_reason(
    lin_review, people, django_capture_on_commit_callbacks
):
    submitted = rate_all(self_assessment(lin_review), submit=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_reopen(
            assessment=submitted, actor=people["ye.qing"], reason="typo in an actual"
        )

    assert [message.to for message in mail.outbox] == [["chen.lin@example.com"]]
    assert "typo in an actual" in mail.outbox[0].body
    assert lin_review.cycle.name in mail.outbox[0].subject


def test_someone_else_cannot_save_a_pms_self_assessment(lin_review, people):
    assessment = self_assessment(lin_review)

    with pytest.raises(services.ReviewError):
        services.assessment_save(
            assessment=assessment, actor=people["wang.fang"], version=0, ratings={}
        )
    assert Assessment.objects.get(pk=assessment.pk).version == 0


# --- peers ----------------------------------------------------------------------------------


def test_a_pm_nominates_three_to_eight_colleagues_from_other_teams(lin_review, people):
    peers = [people[name] for name in PEERS]

    services.peer_nominations_set(review=lin_review, actor=lin_review.person, peers=peers)

    assert set(lin_review.peer_requests.values_list("peer__user__username", flat=True)) == set(
        PEERS
    )
    assert set(lin_review.peer_requests.values_list("status", flat=True)) == {
        PeerRequestStatus.NOMINATED
    }


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("luo.xin", "zheng.kai"), "between 3 and 8"),
        (("luo.xin", "zheng.kai", "wang.fang"), "own team"),
        (("luo.xin", "zheng.kai", "zhou.min"), "your leader"),
        (("luo.xin", "zheng.kai", "chen.lin"), "yourself"),
    ],
)
def test_nominations_that_break_a_rule_are_refused(lin_review, people, names, message):
    with pytest.raises(services.ReviewError) as refused:
        services.peer_nominations_set(
            review=lin_review, actor=lin_review.person, peers=[people[n] for n in names]
        )

    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    assert not lin_review.peer_requests.exists()


def test_the_leader_approves_edits_and_each_peer_is_asked(
    lin_review, people, django_capture_on_commit_callbacks
):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    removed = lin_review.peer_requests.get(peer=people["han.mei"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.peer_requests_approve(
            review=lin_review,
            actor=people["zhou.min"],
            is_hr=False,
            add=[people["lu.chao"]],
            remove=[removed.pk],
        )

    statuses = dict(lin_review.peer_requests.values_list("peer__user__username", "status"))
    assert statuses == dict.fromkeys(
        ("luo.xin", "zheng.kai", "yang.qian", "lu.chao"), PeerRequestStatus.APPROVED
    )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"{name}@example.com" for name in ("luo.xin", "zheng.kai", "yang.qian", "lu.chao")
    )


def test_another_leader_cannot_approve(lin_review, people):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )

    with pytest.raises(services.ReviewError):
        services.peer_requests_approve(
            review=lin_review, actor=people["sarah.johnson"], is_hr=False
        )
    assert set(lin_review.peer_requests.values_list("status", flat=True)) == {
        PeerRequestStatus.NOMINATED
    }


def test_a_peer_declines_only_with_a_reason(lin_review, people):
    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    services.peer_requests_approve(review=lin_review, actor=people["zhou.min"], is_hr=False)
    request = lin_review.peer_requests.get(peer=people["luo.xin"])

    with pytest.raises(services.ReviewError):
        services.peer_request_decline(request=request, actor=people["luo.xin"], reason="")
    services.peer_request_decline(
        request=request, actor=people["luo.xin"], reason="never worked with Lin"
    )

    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (
        PeerRequestStatus.DECLINED,
        "never worked with Lin",
    )


def _peers_answer(review, people, values: dict[str, int]) -> None:
    for name, value in values.items():
        assessment = services.assessment_get_or_create(
            review=review, assessor=people[name], role=AssessmentRole.PEER
        )
        rate_all(assessment, value=value, submit=True)


def test_peer_aggregates_wait_for_the_review_phase_to_end(lin_review, people):
    in_review_with_peers(lin_review, people)
    _peers_answer(lin_review, people, {"luo.xin": 3, "zheng.kai": 4, "yang.qian": 5})

    assert peer_aggregates(review=lin_review) == {}
    assert (
        PeerRequest.objects.get(review=lin_review, peer=people["yang.qian"]).status
        == PeerRequestStatus.SUBMITTED
    )

    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    lin_review.cycle.refresh_from_db()
    item = lin_review.cycle.competency_items.first()
    three = peer_aggregates(review=lin_review)[item.pk]
    assert (three.responses, three.is_shown, three.mean) == (3, True, Decimal("4.00"))


def test_peer_aggregates_are_shown_only_with_the_minimum_number_of_answers(lin_review, people):
    in_review_with_peers(lin_review, people)
    _peers_answer(lin_review, people, {"luo.xin": 3, "zheng.kai": 4})
    advance_to(lin_review.cycle, Phase.CALIBRATION, actor=people[HR])
    lin_review.cycle.refresh_from_db()

    item = lin_review.cycle.competency_items.first()
    two = peer_aggregates(review=lin_review)[item.pk]
    assert (two.responses, two.is_shown, two.mean) == (2, False, None)


# --- the leader -----------------------------------------------------------------------------


def test_the_leader_corrects_an_actual_and_both_values_are_kept(lin_review, people):
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")
    rate_all(
        self_assessment(lin_review),
        actuals={mau.pk: services.ActualInput(Decimal(18), "")},
        submit=True,
    )
    in_review_with_peers(lin_review, people)
    version = KpiActual.objects.get(review=lin_review, item=mau).version

    leader_save(
        lin_review,
        verifications={mau.pk: services.Verification("correct", version, value=Decimal(17))},
    )

    actual = KpiActual.objects.get(review=lin_review, item=mau)
    assert (actual.reported_value, actual.verified_value, actual.value) == (18, 17, 17)
    assert actual.verified_by == people["zhou.min"]


def test_the_leader_excuses_a_kpi_with_a_reason(lin_review, people):
    in_review_with_peers(lin_review, people)
    nps = lin_review.cycle.kpi_items.get(kpi__key="nps")

    leader_save(
        lin_review,
        verifications={nps.pk: services.Verification("excuse", 0, reason="vendor outage")},
    )

    assert KpiActual.objects.get(review=lin_review, item=nps).is_excused


@pytest.mark.parametrize(
    ("points", "reason", "message"), [(Decimal(11), "x", "between"), (Decimal(-3), "", "reason")]
)
def test_an_adjustment_out_of_bounds_or_without_reason_is_refused(
    lin_review, people, points, reason, message
):
    in_review_with_peers(lin_review, people)

    with pytest.raises(services.ReviewError) as refused:
        leader_save(lin_review, adjustment=services.Adjustment(points, reason, 0))

    assert message in refused.value.problems[0]
    lin_review.refresh_from_db()
    assert (lin_review.adjustment, lin_review.version) == (0, 0)


def test_only_the_pms_leader_verifies_actuals(lin_review, people):
    in_review_with_peers(lin_review, people)
    mau = lin_review.cycle.kpi_items.get(kpi__key="mau_growth")

    with pytest.raises(services.ReviewError):
        leader_save(
            lin_review,
            actor=people["sarah.johnson"],
            verifications={mau.pk: services.Verification("correct", 0, value=Decimal(99))},
        )
    assert not KpiActual.objects.filter(review=lin_review, item=mau, verified_value=99).exists()
