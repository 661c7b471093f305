"""Sign-in costs one Argon2 check whatever the account: unknown, disabled and password-less
accounts are checked against a dummy hash, so timing tells no account apart. Asserted on the
code path (the verifier's calls), not with a clock that could flake."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from tracker import passwords
from tracker.extensions import db
from tracker.passwords import DUMMY_HASH
from tracker.services import accounts

from .conftest import PASSWORD, csrf_token_from, make_user


@pytest.fixture
def verified(monkeypatch):
    """The hashes each sign-in checked (the real verifier still runs)."""
    calls: list[str | None] = []
    real = passwords.verify_password

    def spy(password_hash, password):
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    monkeypatch.setattr(accounts, "verify_password", spy)
    return calls


def test_the_dummy_hash_costs_what_a_real_hash_costs(password_hash):
    assert extract_parameters(DUMMY_HASH) == extract_parameters(password_hash)
    assert passwords.verify_password(DUMMY_HASH, PASSWORD) is False


@pytest.mark.parametrize("case", ["unknown", "disabled", "no_password", "wrong", "right"])
def test_every_sign_in_checks_exactly_one_hash(app, users, verified, case):
    user = users["unit_staff"]
    email = user.email
    if case == "unknown":
        email = "nobody@test.local"
    elif case == "disabled":
        user.active = False
    elif case == "no_password":
        user = make_user("viewer", email="nopass@test.local")
        email = user.email
    db.session.commit()
    password = "sai mật khẩu rồi" if case == "wrong" else PASSWORD
    result = accounts.sign_in(email, password, remote_addr="192.0.2.1")
    assert verified == [user.password_hash if case in ("wrong", "right") else DUMMY_HASH]
    assert (result.user is not None) == (case == "right")
    db.session.rollback()


def test_a_disabled_account_is_checked_like_any_other_through_the_form(client, users, verified):
    users["unit_head"].active = False
    db.session.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": users["unit_head"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 200
    assert "Sai email hoặc mật khẩu." in response.get_data(as_text=True)
    assert verified == [DUMMY_HASH]
