"""Generated first passwords: readable, random, and sealed while they wait to be printed.

A first password is shown once, on the login cards of the officer who issued it.
Until then it is kept encrypted (Fernet, with a key derived from SECRET_KEY), so a
database dump or backup alone does not reveal it; see docs/accounts.md.
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.utils.crypto import salted_hmac

# No 0/o, 1/l/i: a teacher copies it from paper onto a phone.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 3, 4  # "k7mq-3tae-x9pw": 12 symbols ≈ 59 bits


def password_generate() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def _fernet() -> Fernet:
    key = salted_hmac("accounts.first_password", "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode()


def unseal(token: str) -> str | None:
    """The password, or None when it cannot be read (e.g. SECRET_KEY changed since)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
