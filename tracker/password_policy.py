"""The one password rule, used by account creation, the change-password form and admin
resets: at least 12 characters, not a common password, not built from local words
(the user's own name and email, the province, the unit, the application)."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from importlib import resources

from flask_babel import lazy_gettext as _l

from .text import fold

MIN_LENGTH = 12
MAX_LENGTH = 256
# What must remain once common and local words are taken out.
MIN_OWN_CHARACTERS = 8
MIN_DISTINCT_CHARACTERS = 5
LOCAL_WORDS = (
    "quangngai",
    "quang ngai",
    "ubnd",
    "ubndtinh",
    "uy ban nhan dan",
    "vanphong",
    "tracker",
    "theodoi",
    "chidao",
    "nhiemvu",
    "matkhau",
    "password",
)

TOO_SHORT = _l("The password must have at least %(n)s characters.", n=MIN_LENGTH)
TOO_LONG = _l("The password is too long.")
TOO_COMMON = _l("This password is too common; choose another.")
TOO_LOCAL = _l(
    "The password must not be built from your name, your email, your unit or the province's name."
)
TOO_SIMPLE = _l("The password repeats too few different characters.")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("tracker").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _squash(text: str) -> str:
    """Folded, letters and digits only: 'Quảng Ngãi-2024!' -> 'quangngai2024'."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def local_words(email: str = "", name: str = "", unit=None) -> set[str]:
    """The words a password must not be built from, longest first when removed. Parts of
    the person's own name and email count from two letters ("Lê Thị Hoa": le, thi, hoa)."""
    words = {_squash(w) for w in LOCAL_WORDS}
    local, _, domain = (email or "").lower().partition("@")
    words.add(_squash(local))
    words.update(_squash(p) for p in domain.split(".")[:-1])
    own = {_squash(p) for p in re.split(r"[._+\-\d]+", local)}
    if name:
        words.add(_squash(name))
        own.update(_squash(p) for p in name.split())
    words.update(p for p in own if len(p) >= 2)
    if unit is not None:
        for text in (unit.code, unit.name, getattr(unit, "short_name", None)):
            if text:
                words.add(_squash(text))
                words.update(_squash(p) for p in re.split(r"[\s_&]+", text) if len(p) >= 4)
    return {w for w in words if len(w) >= 4 or w in own}


def password_problems(password: str, *, email: str = "", name: str = "", unit=None) -> list[str]:
    """Why ``password`` is refused (empty list: accepted); messages in the current locale."""
    if len(password) < MIN_LENGTH:
        return [str(TOO_SHORT)]
    if len(password) > MAX_LENGTH:
        return [str(TOO_LONG)]
    squashed = _squash(password)
    common = common_passwords()
    if (
        fold(password).replace(" ", "") in common
        or squashed in common
        or re.sub(r"[\d\W_]+$", "", squashed) in common
    ):
        return [str(TOO_COMMON)]
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return [str(TOO_SIMPLE)]
    rest = squashed
    for word in sorted(local_words(email, name, unit), key=len, reverse=True):
        rest = rest.replace(word, "")
    if len(rest) < MIN_OWN_CHARACTERS and rest != squashed:
        return [str(TOO_LOCAL)]
    if len(rest) < MIN_OWN_CHARACTERS:
        return [str(TOO_COMMON)]
    return []


def generate_password() -> str:
    """A random password that passes the rule (shown once by an admin reset)."""
    while True:
        password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
        if not password_problems(password):
            return password
