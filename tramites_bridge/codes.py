"""Tracking codes: 10 characters of Crockford's base32 (50 random bits), shown as XXXXX-XXXXX.

Citizens read codes aloud and copy them by hand, so lookups forgive the usual slips: any case,
with or without the dash or spaces, I and L read as 1, O read as 0. U is not in the alphabet."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_ALLOWED = set(ALPHABET)


def code_generate() -> str:
    # one draw from the system's generator: 5 random bits per character
    bits = secrets.randbits(5 * CODE_LENGTH)
    return "".join(ALPHABET[(bits >> (5 * n)) & 31] for n in range(CODE_LENGTH))


def code_normalise(raw: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be one."""
    cleaned = "".join((raw or "").split()).replace("-", "").upper().translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= _ALLOWED:
        return None
    return cleaned


def code_display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"
