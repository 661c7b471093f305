"""Password hashing with Argon2id at argon2-cffi's defaults (above OWASP ASVS 5.0's minimum)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Checked instead of a real hash when the account is unknown, disabled or has no password,
# so such a sign-in costs the same hash as a real one (timing tells no account apart).
# Made with the hasher's defaults; tests check it still has the same parameters.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$nCe0hS93/bmzPf+EM0tc/g$02T0aSsfeideNSbht2ccCV5u3A0Lk/wgTWv9f9ya3t4"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend one real hash check and conclude nothing (see DUMMY_HASH)."""
    verify_password(DUMMY_HASH, password)
