"""The rows of HR's paginated tables, built in Python.

A page shows up to 50 rows (`PAGE_SIZE`), and in Django's template language a row costs
0.5 to 1 ms (every variable, filter, `{% url %}` and `{% translate %}` is resolved anew on
each row): most of those pages' CPU. These tags write the same HTML the row templates
wrote, with each repeated text (labels, the grade `<option>` lists, the CSRF field)
translated or built once per table. Everything shown is escaped as `{{ }}` would escape
it; numbers are localised as `{{ }}` would localise them.
"""

from __future__ import annotations

from html import escape as _escape

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from reviews.formulas import figure

register = template.Library()


def _text(value) -> str:
    """`{{ value }}`: localised (numbers, dates), then escaped unless already safe."""
    if isinstance(value, str):
        return value if isinstance(value, SafeString) else _escape(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    value = localize(value)
    return value if isinstance(value, SafeString) else _escape(str(value))


def _text_or_dash(value) -> str:
    """`{{ value|default:"—" }}`."""
    return _text(value) if value else "—"


def _url_maker(name: str):
    """A function pk -> the URL of `name` for that pk, reversing the pattern once."""
    sample = 987654321
    url = reverse(name, args=[sample])
    head, _separator, tail = url.partition(str(sample))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _csrf_input(context) -> str:
    """What `{% csrf_token %}` writes (the same token for the whole page)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, not a secret
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_escape(str(token))}">'


@register.simple_tag(takes_context=True)
def progress_rows(
    context,
    reviews,
    *,
    removable=False,
    audit_links=False,
    leader_links=False,
    peer_answers_hidden=False,
):
    """The rows of reviews/partials/progress_table.html, one `<tr>` a review. With
    `peer_answers_hidden` (a leader's page while the peer window is open) the peers column
    counts the peers asked only: a count of answers going up would say whose answer came."""
    # gettext outside the f-strings: xgettext does not look inside them for messages.
    submitted_text, pending_text = _escape(gettext("Submitted")), _escape(gettext("Pending"))
    submitted = f'<span class="badge text-bg-success">{submitted_text}</span>'
    pending = f'<span class="badge text-bg-light border">{pending_text}</span>'
    audit_text = _escape(gettext("Audit trail"))
    open_text = _escape(gettext("Open"))
    peers_text = _escape(gettext("Peers"))
    remove_text = _escape(gettext("Remove"))
    audit_url = _url_maker("reviews:review_audit")
    leader_url = _url_maker("reviews:leader_review")
    peers_url = _url_maker("reviews:peers")
    csrf = _csrf_input(context) if removable else ""
    cycle = context.get("cycle")
    remove_url = (
        reverse("reviews:cycle_participant_remove", args=[cycle.pk, 987654321])
        if removable and cycle is not None
        else ""
    )
    rows = []
    for review in reviews:
        name = _text(review.person.name)
        if audit_links:
            name = f'<a href="{audit_url(review.pk)}" title="{audit_text}">{name}</a>'
        peers = (
            _text(review.peers_asked)
            if peer_answers_hidden
            else f"{_text(review.peers_answered)} / {_text(review.peers_asked)}"
        )
        if review.peers_nominated:
            to_approve = ngettext(
                "%(counter)s to approve", "%(counter)s to approve", review.peers_nominated
            ) % {"counter": _text(review.peers_nominated)}
            peers += f' <span class="badge text-bg-warning">{to_approve}</span>'
        links = (
            f' <a href="{leader_url(review.pk)}">{open_text}</a>'
            f' · <a href="{peers_url(review.pk)}">{peers_text}</a>'
            if leader_links
            else ""
        )
        remove = (
            f'<td><form method="post" action="{remove_url.replace("987654321", str(review.pk))}">'
            f'{csrf}<button class="btn btn-sm btn-outline-danger" '
            f'type="submit">{remove_text}</button></form></td>'
            if removable
            else ""
        )
        rows.append(
            "\n    <tr>\n"
            f"      <td>{name}</td><td>{_text(review.team.name)}</td>"
            f"<td>{_text(review.leader.name)}</td>\n"
            f"      <td>{submitted if review.has_self_submitted else pending}</td>\n"
            f"      <td>{peers}</td>\n"
            f"      <td>{submitted if review.has_leader_submitted else pending}\n"
            f"        {links}</td>\n"
            f"      {remove}\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def result_rows(context, results, *, grades, is_calibrating=False, query=""):
    """The rows of the calibration table (reviews/cycle_results.html), one `<tr>` a result.
    Each result carries `effective_grade` and `flag_labels` (set by the view)."""
    grade_text = _escape(gettext("Grade"))
    reason_text = _escape(gettext("Reason"))
    reason_hint = _escape(gettext("reason"))
    save_text = _escape(gettext("Save"))
    detail_url = _url_maker("reviews:result_detail")
    calibrate_url = _url_maker("reviews:result_calibrate")
    back = f"?{_escape(query)}" if query else ""
    csrf = _csrf_input(context) if is_calibrating else ""
    grades = [str(grade) for grade in grades]
    options: dict[str, str] = {}  # effective grade -> the <option>s, that one selected

    def grade_options(selected: str) -> str:
        if selected not in options:
            options[selected] = "".join(
                f'<option value="{_escape(grade)}"{" selected" if grade == selected else ""}>'
                f"{_escape(grade)}</option>"
                for grade in grades
            )
        return options[selected]

    rows = []
    for result in results:
        review = result.review
        calibration = getattr(review, "calibration", None)
        flags = (
            '<br><small class="text-body-secondary">'
            + "; ".join(_text(label) for label in result.flag_labels)
            + "</small>"
            if result.flag_labels
            else ""
        )
        if calibration:
            grade = (
                f'<span class="badge text-bg-warning" title="{_text(calibration.reason)}">'
                f"{_text(result.effective_grade)}</span> "
                f'<small class="text-body-secondary"><s>{_text(result.grade)}</s></small>'
            )
        else:
            grade = f'<span class="badge text-bg-secondary">{_text_or_dash(result.grade)}</span>'
        if is_calibrating:
            reason = _text(calibration.reason) if calibration and calibration.reason else ""
            form = (
                f'\n        <form method="post" action="{calibrate_url(review.pk)}{back}" '
                f'class="d-flex flex-wrap gap-1">{csrf}\n'
                '          <input type="hidden" name="read_grade" '
                f'value="{_text(result.effective_grade)}">\n'
                f'          <label class="visually-hidden" for="grade-{result.pk}">'
                f"{grade_text}</label>\n"
                '          <select class="form-select form-select-sm w-auto" '
                f'id="grade-{result.pk}" name="grade">'
                f"{grade_options(str(result.effective_grade))}</select>\n"
                f'          <label class="visually-hidden" for="reason-{result.pk}">'
                f"{reason_text}</label>\n"
                '          <input class="form-control form-control-sm calibration-reason" '
                f'id="reason-{result.pk}" name="reason" placeholder="{reason_hint}" '
                f'value="{reason}">\n'
                '          <button class="btn btn-sm btn-outline-primary" type="submit">'
                f"{save_text}</button>\n"
                "        </form>"
            )
        else:
            form = "—"
        rows.append(
            "\n    <tr>\n"
            f"      <td>{_text_or_dash(result.rank)}</td>\n"
            f'      <td><a href="{detail_url(review.pk)}">{_text(review.person.name)}</a>'
            f"{flags}</td>\n"
            f"      <td>{_text(review.team.name)} "
            f'<small class="text-body-secondary">#{_text_or_dash(result.team_rank)}</small></td>\n'
            f"      <td>{_text(review.leader.name)}</td>\n"
            f"      <td>{_escape(figure(result.kpi_score))}</td>"
            f"<td>{_escape(figure(result.competency_score))}</td>\n"
            f"      <td><strong>{_escape(figure(result.final_score))}</strong></td>\n"
            f"      <td>{grade}</td>\n"
            f"      <td>{form}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
