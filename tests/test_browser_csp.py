"""The Content-Security-Policy in Debian's chromium: the pages work and report no violation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Task

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def watch(page) -> list[str]:
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(WATCH)
    return console


def violations(page, console) -> list[str]:
    return console + page.evaluate("window.__csp")


def test_dashboard_report_and_task_page_break_no_csp_rule(page, runner, users):
    assert runner.invoke(args=["seed"]).exit_code == 0
    task_id = db.session.scalar(select(Task.id).order_by(Task.id).limit(1))
    console = watch(page)
    sign_in(page, users["leader"].email)

    page.goto("/dashboard")
    page.wait_for_load_state("networkidle")
    assert page.locator("meter.bar").count() > 0  # the rate bars, without inline width
    trend = page.locator("img.chart")
    assert trend.evaluate("img => img.complete && img.naturalWidth > 0"), "trend.svg shows"
    assert page.locator("svg.chart rect").count() > 0
    assert violations(page, console) == []
    screenshot(page, "csp-dashboard")

    page.goto("/reports?period=2021")
    page.wait_for_load_state("networkidle")
    page.click("button[data-action=print]")  # the handler lives in static/js/tracker.js
    assert page.evaluate("window.__printed") == 1
    assert violations(page, console) == []

    page.goto(f"/tasks/{task_id}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    assert violations(page, console) == []
    screenshot(page, "csp-task")

    # The watch itself works: an inline style is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_function("window.__csp.length > 0")
    assert any("style-src" in v for v in page.evaluate("window.__csp"))
