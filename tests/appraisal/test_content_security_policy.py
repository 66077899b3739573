"""The Content-Security-Policy (issue 19, item 7): production sends it, every page is sent
with it, and nothing the pages are made of needs more than it allows (no inline script,
no on* handler, no style attribute, no eval). tests/browser/test_csp.py loads the pages
that run scripts and listens for violations."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
def test_every_page_is_sent_with_the_policy(client):
    for url in ("/accounts/login/", "/healthz/", "/no-such-page/"):
        response = client.get(url)

        assert directives(response.headers["Content-Security-Policy"]) == EXPECTED, url


def test_the_production_settings_send_the_policy(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="appraisal.settings.production",
        DJANGO_SECRET_KEY="production-like-" + "s" * 40,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/healthz/').headers['Content-Security-Policy'])\n"
    )

    result = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert directives(result.stdout.strip().splitlines()[-1]) == EXPECTED


# What the policy refuses, as it appears in a template or in HTML written by Python.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
REFUSED = {
    "inline <script>": INLINE_SCRIPT,
    "on* handler": HANDLER,
    "style attribute": STYLE_ATTRIBUTE,
    "<style> element": STYLE_ELEMENT,
    "javascript: URL": JAVASCRIPT_URL,
}
# Python modules that write HTML themselves (template tags, fragments built in code).
HTML_IN_PYTHON = ["appraisal", "kpis", "reviews", "growth"]


def offences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        f"{path.relative_to(ROOT)}: {name}: {match.group(0)[:80]}"
        for name, pattern in REFUSED.items()
        for match in pattern.finditer(text)
    ]


def test_no_template_or_html_written_in_python_needs_more_than_the_policy():
    files = list((ROOT / "templates").rglob("*.html"))
    for package in HTML_IN_PYTHON:
        files += [
            path
            for path in (ROOT / package).rglob("*.py")
            if "migrations" not in path.parts and "<" in path.read_text(encoding="utf-8")
        ]
    assert len(files) > 50

    found = [offence for path in files for offence in offences(path)]

    assert found == []


def test_our_scripts_use_no_eval_and_write_no_style_attribute():
    refused = re.compile(r"\beval\(|new Function\(|setAttribute\(\s*[\"']style|\.style\.cssText")
    found = [
        f"{path.name}: {match.group(0)}"
        for path in (ROOT / "static" / "js").glob("*.js")
        for match in refused.finditer(path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_the_scan_sees_what_it_looks_for():
    samples = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<div style="width: 5%">',
        "<style>p{}</style>",
        '<a href="javascript:go()">',
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern in REFUSED.values()), sample
    assert not any(
        pattern.search('<script src="/static/js/app.js"></script><div data-style="x">')
        for pattern in REFUSED.values()
    )
