"""Keyed pseudonyms (HMAC-SHA256) and the NHS number modulus 11 check.

Identifiers are replaced at ingest; the warehouse never stores them.
"""

import hashlib
import hmac
import logging

from pipelines.config import Settings

log = logging.getLogger(__name__)


class MissingPseudonymKey(RuntimeError):
    """Real data without MHP_PSEUDONYM_KEY."""


def resolve_key(settings: Settings, synthetic: bool) -> bytes:
    """The HMAC key; the demo key only for generated demo data."""
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode("utf-8")
    if not synthetic:
        raise MissingPseudonymKey(
            f"Refusing to ingest {settings.raw_dir}: it is not generated demo data and "
            "MHP_PSEUDONYM_KEY is not set. Set MHP_PSEUDONYM_KEY to a long random secret "
            "(kept outside the repository, e.g. in the service's environment) so NHS numbers "
            "and local patient IDs can be pseudonymised."
        )
    log.warning(
        "MHP_PSEUDONYM_KEY is not set: using the demo key, acceptable only for generated demo data"
    )
    return settings.effective_pseudonym_key.encode("utf-8")


def pseudonym(key: bytes, namespace: str, value: str) -> str:
    """Deterministic keyed pseudonym, 32 hex characters."""
    msg = f"{namespace}|{value}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def nhs_number_valid(value: str | None) -> bool:
    """NHS number modulus 11 check (10 digits, check digit 10 is invalid)."""
    if value is None:
        return False
    digits = value.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])
