"""compute_cycle on the database gives exactly what SCORING.md (and score_scenario) gives.

Each shipped scenario file is loaded into a real cycle (reviews, actuals, submitted
assessments and ratings) and computed; every score, rank, team rank, grade and flag must
equal the scenario's expected output. The query count must not grow with the PMs.
"""

import gc
import json
import multiprocessing
import os
import signal
import time
from decimal import Decimal
from math import ceil

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.models import Person
from kpis import scoring
from kpis import scoring as engine
from reviews import computation, selectors, services
from reviews.computation import cycle_compute, inputs, run, writers
from reviews.explanations import pack, pack_json, unpack
from reviews.models import AssessmentRole, ComputationJob, JobStatus, Phase, Result, Review
from reviews.services import compute_request
from reviews.tasks import compute_cycle, compute_open_cycles
from tests.builders import HR, PEERS, SCENARIOS, advance_to, cycle_with_pms, load_into_cycle
from tests.factories import ComputationJobFactory

pytestmark = pytest.mark.django_db
EXPECTED = sorted(
    path.name.removesuffix(".expected.json") for path in SCENARIOS.glob("*.expected.json")
)


def as_output(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


@pytest.fixture(params=[1, 2], ids=["one process", "two processes"])
def scoring_processes(request, monkeypatch, settings):
    """Score in one process, or split between this one and a forked child (which a real
    run does from computation.PARALLEL_FROM participants on)."""
    settings.COMPUTATION_PROCESSES = request.param
    monkeypatch.setattr(run, "PARALLEL_FROM", 2)
    return request.param


@pytest.mark.parametrize("name", EXPECTED)
def test_the_database_computation_matches_the_scenario_to_the_cent(name, scoring_processes):
    cycle, reviews = load_into_cycle(name)
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text())["results"]
    teams_given = {
        participant["id"]: bool(participant.get("team"))
        for participant in json.loads((SCENARIOS / f"{name}.json").read_text())["participants"]
    }

    count = cycle_compute(cycle_id=cycle.pk)

    assert count == len(expected)
    for want in expected:
        result = Result.objects.get(review=reviews[want["id"]])
        assert as_output(result.final_score) == want["final_score"], want["id"]
        assert result.rank == want["rank"], want["id"]
        if teams_given[want["id"]]:
            assert result.team_rank == want["team_rank"], want["id"]
        assert (result.grade or None) == want["grade"], want["id"]
        kpi = (
            None
            if result.kpi_score is None
            else str(
                Decimal(result.explanation["s"][0][0]).quantize(
                    Decimal("0.01"), rounding="ROUND_HALF_UP"
                )
            )
        )
        assert kpi == want["kpi_score"], want["id"]
        assert len(result.flags) == len(want["flags"]), want["id"]


def test_computing_twice_gives_the_same_results_and_no_duplicates():
    cycle, _reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    first = list(
        Result.objects.filter(cycle=cycle)
        .order_by("review_id")
        .values_list("review_id", "final_score", "rank", "grade")
    )

    cycle_compute(cycle_id=cycle.pk)

    again = list(
        Result.objects.filter(cycle=cycle)
        .order_by("review_id")
        .values_list("review_id", "final_score", "rank", "grade")
    )
    assert again == first
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_the_worked_example_pm_scores_75_48_grade_b_with_an_explanation():
    cycle, reviews = load_into_cycle("worked_example")

    cycle_compute(cycle_id=cycle.pk)

    lin = Result.objects.get(review=reviews["lin"])
    assert (lin.final_score, lin.rank, lin.grade) == (Decimal("75.48"), 3, "B")
    items = {str(item.pk): item for item in cycle.kpi_items.all()}
    competencies = {str(item.pk): item for item in cycle.competency_items.all()}
    explanation = unpack(lin.explanation, kpi_items=items, competency_items=competencies)
    assert [step["points"] for step in explanation["kpis"]] == ["112", "80", "100", "0", "87.5"]
    assert [step["threshold"] for step in explanation["kpis"]] == ["10", "40", "50", "5", "12"]
    assert [step["score"] for step in explanation["competencies"]] == ["75", "67.5", "75"]
    assert explanation["kpi_section"]["score"] == "81.125"
    assert explanation["unrounded_final"] == "75.475"
    assert explanation["final_score"] == "75.48"


def test_a_failing_run_leaves_the_previous_results_untouched(monkeypatch):
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    before = list(
        Result.objects.filter(cycle=cycle).values_list("review_id", "final_score", "computed_at")
    )
    Review.objects.filter(pk=reviews["lin"].pk).update(
        adjustment=Decimal(5), adjustment_reason="late change"
    )

    real_values = writers._result_values

    def failing_after_three(*args):
        # The write streams its rows (into COPY on PostgreSQL): fail half-way through
        # them, after some rows have gone out.
        for count, values in enumerate(real_values(*args)):
            if count == 3:
                raise RuntimeError("the disk is full")
            yield values

    monkeypatch.setattr(writers, "_result_values", failing_after_three)
    with pytest.raises(RuntimeError, match="the disk is full"):
        cycle_compute(cycle_id=cycle.pk)

    assert (
        list(
            Result.objects.filter(cycle=cycle).values_list(
                "review_id", "final_score", "computed_at"
            )
        )
        == before
    )


def test_a_failed_job_says_why_and_keeps_the_last_good_results(
    monkeypatch, django_capture_on_commit_callbacks
):
    cycle, _reviews = load_into_cycle("worked_example")
    with django_capture_on_commit_callbacks(execute=True):
        good = compute_request(cycle=cycle)
    monkeypatch.setattr(
        "kpis.scoring.score_valid_participants",
        lambda *a: (_ for _ in ()).throw(ValueError("bad input")),
    )

    with (
        pytest.raises(ValueError, match="bad input"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        compute_request(cycle=cycle)

    failed = ComputationJob.objects.filter(cycle=cycle).order_by("-pk").first()
    good.refresh_from_db()
    assert (good.status, good.progress) == (JobStatus.SUCCEEDED, 100)
    assert failed.status == JobStatus.FAILED
    assert failed.error == "ValueError: bad input"
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_a_burst_of_requests_queues_one_run(django_capture_on_commit_callbacks):
    cycle, _reviews = load_into_cycle("worked_example")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs = {compute_request(cycle=cycle).pk for _ in range(5)}

    assert len(jobs) == 1
    assert len(callbacks) == 1  # one task sent, at commit


@pytest.mark.parametrize("extra_pms", [5, 195])  # 10 and 200 PMs in all, as issue 5 asks
def test_the_computation_query_count_does_not_grow_with_pms(extra_pms):

    cycle = cycle_with_pms(extra_pms)

    with CaptureQueriesContext(connection) as captured:
        cycle_compute(cycle_id=cycle.pk)

    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    # Reads: cycle, KPI items, competency items, reviews (4), actuals and ratings (2,
    # through server-side cursors on PostgreSQL), the reviews by name (for the results'
    # positions), then the write in one transaction (a savepoint inside the test's:
    # SAVEPOINT ... RELEASE).
    streamed = "DECLARE" if connection.vendor == "postgresql" else "SELECT"
    assert statements[:7] == ["SELECT"] * 4 + [streamed] * 2 + ["SELECT"]
    assert (statements[7], statements[-1]) == ("SAVEPOINT", "RELEASE")
    write = statements[8:-1]
    if connection.vendor == "postgresql":
        # The cycle's write lock, a temporary table, the COPY into it (psycopg2's
        # copy_expert, which Django does not log), one statement deleting stale results
        # and upserting the new, a drop.
        assert write == ["SELECT", "CREATE", "WITH", "DROP"]
        assert "pg_advisory_xact_lock" in captured.captured_queries[8]["sql"]
    else:
        # The delete of stale results, then the upsert, which Django splits to stay under
        # SQLite's limit on parameters: 14 per row, at most 999 per statement.
        assert write == ["DELETE"] + ["INSERT"] * ceil((5 + extra_pms) / (999 // 14))
    assert Person.objects.filter(reviews__cycle=cycle).count() == 5 + extra_pms


def test_leader_submissions_queue_one_coalesced_run(
    people, lin_review, django_capture_on_commit_callbacks
):

    services.peer_nominations_set(
        review=lin_review, actor=lin_review.person, peers=[people[n] for n in PEERS]
    )
    services.peer_requests_approve(review=lin_review, actor=lin_review.leader, is_hr=False)
    cycle = advance_to(lin_review.cycle, Phase.REVIEW, actor=people[HR])
    items = list(cycle.competency_items.all())

    with django_capture_on_commit_callbacks(execute=False):
        for review in cycle.reviews.select_related("leader", "cycle"):
            assessment = services.assessment_get_or_create(
                review=review, assessor=review.leader, role=AssessmentRole.LEADER
            )
            services.assessment_save(
                assessment=assessment,
                actor=review.leader,
                version=0,
                ratings={i.pk: 4 for i in items},
                submit=True,
            )

    jobs = ComputationJob.objects.filter(cycle=cycle)
    assert [(job.status, job.trigger) for job in jobs] == [(JobStatus.QUEUED, "leader_submission")]


def test_the_nightly_task_queues_cycles_in_review_or_calibration(
    django_capture_on_commit_callbacks,
):

    cycle, _reviews = load_into_cycle("worked_example")

    with django_capture_on_commit_callbacks(execute=True):
        assert compute_open_cycles.delay().get() == 1

    job = ComputationJob.objects.get(cycle=cycle)
    assert (job.trigger, job.status) == ("nightly", JobStatus.SUCCEEDED)
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_hr_asking_now_starts_a_run_queued_for_later(django_capture_on_commit_callbacks):
    cycle, _reviews = load_into_cycle("worked_example")
    with django_capture_on_commit_callbacks(execute=False):
        delayed = compute_request(cycle=cycle, trigger="leader_submission", countdown=60)

    with django_capture_on_commit_callbacks(execute=True):
        now = compute_request(cycle=cycle)

    delayed.refresh_from_db()
    assert now.pk == delayed.pk
    assert delayed.status == JobStatus.SUCCEEDED
    assert Result.objects.filter(cycle=cycle).count() == 5


def test_a_second_message_for_a_finished_job_does_nothing():

    cycle, _reviews = load_into_cycle("worked_example")
    job = ComputationJobFactory(cycle=cycle)

    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 5
    assert compute_cycle.delay(cycle_id=cycle.pk, job_id=job.pk).get() == 0


def test_a_pm_taken_out_of_the_cycle_loses_their_result_and_no_one_else_does():
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    kept = Result.objects.exclude(review=reviews["lin"]).order_by("review_id")
    before = list(kept.values_list("review_id", "final_score", "rank"))

    reviews["lin"].delete()
    cycle_compute(cycle_id=cycle.pk)

    assert not Result.objects.filter(review_id=reviews["lin"].pk).exists()
    after = Result.objects.filter(cycle=cycle).order_by("review_id")
    assert [row[0] for row in after.values_list("review_id", "final_score", "rank")] == [
        row[0] for row in before
    ]


def test_a_rerun_rewrites_only_the_results_that_changed():
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    first = dict(Result.objects.filter(cycle=cycle).values_list("review_id", "computed_at"))
    places = dict(Result.objects.filter(cycle=cycle).values_list("review_id", "position"))
    Review.objects.filter(pk=reviews["lin"].pk).update(
        adjustment=Decimal(-5), adjustment_reason="missed the launch review"
    )

    cycle_compute(cycle_id=cycle.pk)

    lin = Result.objects.get(review=reviews["lin"])
    assert lin.final_score == Decimal("72.48")  # was 75.48 with -2
    assert lin.computed_at > first[lin.review_id]
    assert lin.explanation["f"][2] == "missed the launch review"
    others = Result.objects.filter(cycle=cycle).exclude(review=reviews["lin"])
    # Lin shared rank 3 and now comes after the PM tied with them, who moves up a place
    # (`Result.position`): that one result changed; the others are left alone.
    unchanged = [row for row in others if row.position == places[row.review_id]]
    assert len(unchanged) == 3
    if connection.vendor == "postgresql":  # unchanged rows are not rewritten
        assert all(row.computed_at == first[row.review_id] for row in unchanged)
    assert others.count() == 4


def test_the_garbage_collector_is_back_on_after_a_run_even_a_failed_one(monkeypatch):

    cycle, _reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    assert gc.isenabled()

    monkeypatch.setattr(
        scoring,
        "score_valid_participants",
        lambda *a: (_ for _ in ()).throw(ValueError("no")),
    )
    with pytest.raises(ValueError, match="no"):
        cycle_compute(cycle_id=cycle.pk)
    assert gc.isenabled()


@pytest.mark.parametrize("name", EXPECTED)
def test_packed_json_text_is_the_packed_explanation(name):

    cycle, _reviews = load_into_cycle(name)
    card, participants = computation.cycle_inputs(cycle)
    results = scoring.score_cycle(card, participants)
    shared: dict = {}

    for result in results:
        text = pack_json(result.explanation, shared)
        assert json.loads(text) == pack(result.explanation)
        # byte for byte, so both writers give a result the same digest
        assert text == json.dumps(pack(result.explanation), separators=(",", ":"))


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def two_processes(monkeypatch, settings):
    settings.COMPUTATION_PROCESSES = 2
    monkeypatch.setattr(run, "PARALLEL_FROM", 2)
    forked = []

    class RecordingProcess(multiprocessing.context.ForkProcess):
        def start(self):
            super().start()
            forked.append(self.pid)

    class RecordingContext(multiprocessing.context.ForkContext):
        Process = RecordingProcess

    monkeypatch.setattr(run, "POOL_CONTEXT", RecordingContext())
    return forked


def assert_reaped(pids):
    """Every child has been waited for: none is left running or as a zombie."""
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_large_cycle_is_shared_between_this_process_and_a_child_in_order(two_processes):
    shares = run._in_processes(lambda share: (os.getpid(), list(share)), range(10))

    assert [pid for pid, _ in shares] == [os.getpid(), *two_processes]
    assert two_processes[0] != os.getpid()
    assert [item for _, share in shares for item in share] == list(range(10))
    assert_reaped(two_processes)


def test_a_small_cycle_or_one_configured_process_stays_in_this_process(
    monkeypatch, settings, two_processes
):
    monkeypatch.setattr(run, "PARALLEL_FROM", 500)
    assert run._in_processes(lambda share: os.getpid(), range(499)) == [os.getpid()]

    monkeypatch.setattr(run, "PARALLEL_FROM", 2)
    settings.COMPUTATION_PROCESSES = 1
    assert run._in_processes(lambda share: os.getpid(), range(499)) == [os.getpid()]
    assert two_processes == []


def failing_in_the_child(failure):
    """Work over range(10) whose second share (the child's, with item 7) raises `failure`,
    or calls it when it is a function."""

    def work(share):
        if 7 in share:
            if isinstance(failure, BaseException):
                raise failure
            failure()
        return list(share)

    return work


def test_an_error_in_the_child_is_raised_here_as_itself(two_processes):
    work = failing_in_the_child(ValueError("item 7 is broken"))

    with pytest.raises(ValueError, match="item 7 is broken"):
        run._in_processes(work, range(10))
    assert_reaped(two_processes)


def test_an_error_that_cannot_cross_processes_still_says_what_broke(two_processes):
    class UnpicklableError(Exception):
        def __reduce__(self):
            raise TypeError("no")

    work = failing_in_the_child(UnpicklableError("the lock is held"))

    with pytest.raises(RuntimeError, match="UnpicklableError: the lock is held"):
        run._in_processes(work, range(10))


def test_when_this_process_fails_the_child_is_stopped_and_reaped(two_processes):
    """The child's result (4 MB) is more than the pipe holds: it must not be left
    blocked writing it, or working, when this process gives up."""
    signal.alarm(60)  # a hang here would otherwise stop the whole run
    try:

        def work(share):
            if 0 in share:
                raise RuntimeError("this process failed")
            return "x" * 4_000_000

        with pytest.raises(RuntimeError, match="this process failed"):
            run._in_processes(work, range(10))
        assert_reaped(two_processes)
    finally:
        signal.alarm(0)


def test_input_problems_found_by_the_child_are_reported_in_order(two_processes):
    """Validation runs in both processes: a problem in the child's share is reported,
    after the ones in this process's share, and nothing is written."""
    cycle, reviews = load_into_cycle("worked_example")
    cycle_compute(cycle_id=cycle.pk)
    before = list(Result.objects.filter(cycle=cycle).values_list("review_id", "final_score"))
    last, first = (
        max(reviews.values(), key=lambda r: r.pk),
        min(reviews.values(), key=lambda r: r.pk),
    )
    for review in (first, last):
        Review.objects.filter(pk=review.pk).update(
            adjustment=Decimal(500), adjustment_reason="too much"
        )

    with pytest.raises(scoring.ScoringError) as raised:
        cycle_compute(cycle_id=cycle.pk)

    problems = raised.value.problems
    assert len(problems) == 2
    assert problems[0].startswith(f"participant ({first.pk}).adjustment")
    assert problems[1].startswith(f"participant ({last.pk}).adjustment")
    assert list(Result.objects.filter(cycle=cycle).values_list("review_id", "final_score")) == (
        before
    )


def test_copy_text_escapes_what_postgresql_copy_reads_specially():
    assert writers._copy_text(None) == r"\N"
    assert writers._copy_text('a\\b\tc\nd\re "\\n"') == r'a\\b\tc\nd\re "\\n"'
    assert writers._copy_text(["x", 1]) == '["x",1]'


def test_both_writers_give_a_result_the_same_digest_and_a_rerun_fills_a_missing_one():
    """The digest is what lets a PostgreSQL rerun skip an unchanged result: it must be
    the same for the same result whichever writer made it, and a row without one (written
    before digests existed) is rewritten with it."""

    cycle, _reviews = load_into_cycle("ties_and_rounding")
    card, participants = computation.cycle_inputs(cycle)
    teams = {participant.id: participant.team for participant in participants}
    digests = []
    for explain in (pack, pack_json):
        _problems, rows = run._score_part(card, participants, explain=explain)
        finals = {row.id: row.final_score for row in rows if row.final_score is not None}
        placings = engine.place_cycle(card, finals, teams)
        positions = writers.result_positions(rows, placings, inputs.name_order(cycle))
        digests.append(
            {
                values[0]: writers._digest(values[:-1])
                for values in writers._result_values(cycle, rows, placings, positions)
            }
        )
    assert digests[0] == digests[1]
    assert len(set(digests[0].values())) == len(participants)  # one per result

    cycle_compute(cycle_id=cycle.pk)
    assert (
        dict(Result.objects.filter(cycle=cycle).values_list("review_id", "digest")) == (digests[0])
    )

    Result.objects.filter(cycle=cycle).update(digest="", final_score=None)
    cycle_compute(cycle_id=cycle.pk)
    assert (
        dict(Result.objects.filter(cycle=cycle).values_list("review_id", "digest")) == (digests[0])
    )
    assert not Result.objects.filter(cycle=cycle, final_score=None).exists()


def test_the_stored_explanation_is_the_text_the_computation_wrote():
    """Explanations are kept as text (reviews.fields.JSONText): what either writer sends
    is stored byte for byte, and the result page reads the same document back."""

    cycle, _reviews = load_into_cycle("worked_example")
    card, participants = computation.cycle_inputs(cycle)
    _problems, rows = run._score_part(card, participants, explain=pack_json)
    _problems, documents = run._score_part(card, participants, explain=pack)
    sent = {int(row.id): row.explanation for row in rows}

    cycle_compute(cycle_id=cycle.pk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT review_id, explanation FROM reviews_result")
        stored = dict(cursor.fetchall())
    assert stored == sent
    for row in documents:
        result = Result.objects.get(review_id=row.id)
        assert result.explanation == row.explanation == json.loads(sent[int(row.id)])
        assert Decimal(result.explanation["f"][-1]) == result.final_score


def test_an_empty_cycle_computes_to_no_results(two_processes):
    cycle, _reviews = load_into_cycle("worked_example")
    Review.objects.filter(cycle=cycle).delete()

    assert cycle_compute(cycle_id=cycle.pk) == 0
    assert not Result.objects.filter(cycle=cycle).exists()
    assert run._in_processes(list, []) == [[]]


def test_with_three_processes_a_failure_neither_hangs_nor_leaves_children(
    two_processes, settings, monkeypatch
):
    """Each child holds only its own pipe: a failing parent must not wait on a child kept
    blocked by a sibling's copy of its pipe, nor on a child still working."""
    monkeypatch.setattr(run, "_process_count", lambda: 3)
    signal.alarm(60)
    try:

        def work(share):
            if 0 in share:
                raise RuntimeError("this process failed")
            if 5 in share:
                time.sleep(120)  # still working when the parent gives up
            return "x" * 4_000_000

        with pytest.raises(RuntimeError, match="this process failed"):
            run._in_processes(work, range(9))
        assert len(two_processes) == 2
        assert_reaped(two_processes)
    finally:
        signal.alarm(0)


def test_a_child_that_dies_without_a_result_is_reported(two_processes):
    work = failing_in_the_child(lambda: os._exit(3))  # as if killed: no result, no error

    with pytest.raises(RuntimeError, match="ended without a result"):
        run._in_processes(work, range(10))
    assert_reaped(two_processes)


def test_a_scoring_error_from_a_child_keeps_its_problems(two_processes):
    work = failing_in_the_child(scoring.ScoringError(["first problem", "second problem"]))

    with pytest.raises(scoring.ScoringError) as raised:
        run._in_processes(work, range(10))
    assert raised.value.problems == ["first problem", "second problem"]
    assert str(raised.value) == "first problem\nsecond problem"


@pytest.mark.parametrize("scenario", ["ties_and_rounding", "worked_example"])
def test_each_result_keeps_its_place_in_the_default_order(scenario):
    """`Result.position` is the calibration table's default order (rank, no rank last,
    then the PM's name, then the review), which the page reads from an index."""

    cycle, _reviews = load_into_cycle(scenario)
    cycle_compute(cycle_id=cycle.pk)
    results = list(Result.objects.filter(cycle=cycle).select_related("review__person"))
    expected = sorted(
        results,
        key=lambda result: (
            result.rank is None,
            result.rank or 0,
            result.review.person.name,
            result.review_id,
        ),
    )
    assert [result.position for result in expected] == list(range(1, len(results) + 1))
    page = selectors.results_page(cycle=cycle, number=1, per_page=len(results), sort="rank")
    assert [result.pk for result in page] == [result.pk for result in expected]

    Result.objects.filter(cycle=cycle).update(position=None, digest="")
    cycle_compute(cycle_id=cycle.pk)  # a row without a digest is rewritten, with its place
    assert dict(Result.objects.filter(cycle=cycle).values_list("pk", "position")) == {
        result.pk: result.position for result in results
    }
