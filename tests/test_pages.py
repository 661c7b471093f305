"""Every page, for every role, in both languages: an answer that makes sense for the role
(200, or 403/404 where the policy says so), never a server error."""

from __future__ import annotations

import pytest

from tracker.models import Role


def pages(task, users):
    d, t, u = task.directive_id, task.id, users["viewer"].id
    return [
        "/", "/tasks", "/tasks/mine", "/tasks?status=overdue&as_of=2021-07-01",
        f"/tasks/{t}", f"/tasks/{t}/edit", f"/tasks/{t}/escalations",
        "/directives/", f"/directives/{d}", "/directives/new", f"/directives/{d}/edit",
        f"/directives/{d}/tasks/new", "/extensions/pending",
        "/dashboard", "/dashboard?as_of=2021-07-01", "/dashboard/trend.svg",
        "/reports", "/reports?period=2021-03", "/ical", "/account/password", "/account/preferences",
        "/admin/users", "/admin/users/new", f"/admin/users/{u}", "/admin/outbox",
        "/holidays", "/holidays?year=2030", "/holidays/new",
        f"/admin/users?unit={task.lead_unit_id}", f"/admin/users/new?unit_id={task.lead_unit_id}",
        "/tasks?no_account=1",
    ]  # fmt: skip


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_page_answers_every_role_in_both_languages(client, login_as, users, task, role):
    login_as(role)
    answers = {}
    for lang in ("vi", "en"):
        client.get(f"/tasks?lang={lang}")
        for url in pages(task, users):
            response = client.get(url)
            answers[(lang, url)] = response.status_code
            assert response.status_code in {200, 302, 403, 404}, (lang, url, response.status_code)
    ok = {url for (lang, url), code in answers.items() if code == 200 and lang == "vi"}
    # Every role reaches its task list and the task it may see (all roles see the STTTT task).
    assert {"/tasks", "/tasks/mine", f"/tasks/{task.id}"} <= ok
    # The people pages are the admin's and the Office's; the outbox the admin's alone.
    assert ("/admin/users" in ok) == (role in ("admin", "office"))
    assert ("/admin/outbox" in ok) == (role == "admin")
    assert "/account/preferences" in ok
    # The same answers in English.
    assert all(answers[("en", url)] == answers[("vi", url)] for url in pages(task, users))
