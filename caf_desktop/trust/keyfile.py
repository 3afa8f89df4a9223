"""The database key and the file that keeps it, wrapped by the user's passphrase.

A random 256-bit key encrypts the database (SQLCipher). The key file beside it holds that key
encrypted with AES-256-GCM under a key derived from the passphrase with scrypt, so changing the
passphrase rewraps 32 bytes instead of re-encrypting the database. A wrong passphrase fails the
GCM tag: a plain "wrong passphrase", never a stack trace. Repeated failures make the next try wait
longer (recorded beside the key file; scrypt's cost is the real protection, the wait is for people).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, InputFileError, UnsupportedFormat

KEY_FILE_FORMAT = 1
KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_COST = 2  # tests use small costs; a file's cost is checked to be a power of two in this range
MAX_COST = 2**17  # 128 MiB of scrypt memory, within derive_key's maxmem
DEFAULT_COST = 2**15  # scrypt N: about 0.1 s and 32 MiB on a council laptop
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 60


class WrongPassphrase(CafError):
    def __init__(self) -> None:
        super().__init__("That passphrase is not right. Check Caps Lock and try again.")


class UnlockDelayed(CafError):
    """Too many wrong passphrases in a row: the next try must wait."""

    def __init__(self, seconds: float) -> None:
        wait = max(1, round(seconds))
        super().__init__(
            f"Too many wrong passphrases. Wait {wait} second{'s' if wait != 1 else ''}, then try again."
        )
        self.seconds = seconds


class KeyFileDamaged(CafError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The key file {path} is damaged, so the records cannot be opened (this did not count as a wrong "
            "passphrase). Restore caf.key from a backup; a backup made with `caf-desktop db backup` opens "
            "with the passphrase alone. Ask your IT team or coordinator if you have neither."
        )


@dataclass(frozen=True)
class _Wrapped:
    cost: int
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def derive_key(passphrase: str, salt: bytes, cost: int) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=cost, r=8, p=1, maxmem=256 * 1024 * 1024, dklen=32
    )


def _checksum(fields: dict[str, Any]) -> str:
    """SHA-256 of everything the unwrapping reads, so a damaged salt or nonce says "damaged" rather
    than "wrong passphrase" (a GCM tag cannot tell the two apart). Not a defence against someone who
    edits the file on purpose: the passphrase and the tag are that."""
    covered = {name: fields[name] for name in ("kdf", "cipher", "nonce", "wrapped_key")}
    return hashlib.sha256(json.dumps(covered, sort_keys=True).encode("ascii")).hexdigest()


def _wrap(key: bytes, passphrase: str, cost: int) -> dict[str, Any]:
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(derive_key(passphrase, salt, cost)).encrypt(nonce, key, b"caf-desktop database key")
    fields: dict[str, Any] = {
        "format": KEY_FILE_FORMAT,
        "kdf": {"name": "scrypt", "n": cost, "r": 8, "p": 1, "salt": _b64(salt)},
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "wrapped_key": _b64(ciphertext),
    }
    fields["checksum"] = _checksum(fields)
    return fields


def _exact_bytes(value: Any, length: int) -> bytes:
    """Base64 of exactly `length` bytes (strictly: a stray character is damage, not something to skip)."""
    if not isinstance(value, str):
        raise TypeError("not text")
    decoded = base64.b64decode(value, validate=True)
    if len(decoded) != length:
        raise ValueError("wrong length")
    return decoded


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read(path: Path) -> _Wrapped:
    try:
        raw = jsonfiles.load(path)
    except InputFileError as error:  # missing, unreadable, not JSON, past the limits
        raise KeyFileDamaged(path) from error
    if isinstance(raw, dict) and _is_integer(raw.get("format")) and raw["format"] > KEY_FILE_FORMAT:
        raise UnsupportedFormat(
            f"The key file {path} was written by a newer version of CAF Desktop. Update CAF Desktop to open these records."
        )
    try:
        wrapped = _wrapped(raw)
    except (ValueError, KeyError, TypeError) as error:
        raise KeyFileDamaged(path) from error
    if wrapped is None:
        raise KeyFileDamaged(path)
    return wrapped


def _wrapped(raw: Any) -> _Wrapped | None:
    """The fields of a key file, or None if one is missing, of the wrong kind or out of range."""
    if not isinstance(raw, dict) or not _is_integer(raw.get("format")) or raw["format"] < 1:
        return None
    kdf = raw["kdf"]
    cost = kdf["n"]
    # scrypt takes a power of two from 2 up; above MAX_COST it would need more memory than allowed.
    if not _is_integer(cost) or not MIN_COST <= cost <= MAX_COST or cost & (cost - 1):
        return None
    if (kdf["name"], kdf["r"], kdf["p"], raw["cipher"]) != ("scrypt", 8, 1, "AES-256-GCM"):
        return None
    # Key files written before the checksum have none; one that is there must match.
    if "checksum" in raw and raw["checksum"] != _checksum(raw):
        return None
    return _Wrapped(
        cost=cost,
        salt=_exact_bytes(kdf["salt"], SALT_BYTES),
        nonce=_exact_bytes(raw["nonce"], NONCE_BYTES),
        ciphertext=_exact_bytes(raw["wrapped_key"], KEY_BYTES + TAG_BYTES),
    )


def _write_atomically(path: Path, content: str) -> None:
    atomic.write_text(path, content)
    if os.name == "posix":
        path.chmod(0o600)


def create(path: Path, passphrase: str, *, cost: int = DEFAULT_COST) -> bytes:
    """Makes a new random database key, stores it wrapped by the passphrase, and returns it."""
    key = secrets.token_bytes(KEY_BYTES)
    _write_atomically(path, json.dumps(_wrap(key, passphrase, cost), indent=2))
    return key


def _attempts_file(path: Path) -> Path:
    return path.with_name("unlock-attempts.json")


def _attempts(path: Path) -> tuple[int, float]:
    try:
        raw = jsonfiles.load(_attempts_file(path))
        return min(int(raw["failures"]), 64), float(raw["last"])
    except (InputFileError, ValueError, KeyError, TypeError, OverflowError):
        return 0, 0.0


def wait_before_next_try(path: Path, now: float | None = None) -> float:
    """Seconds the next try must wait: none for the first three, then doubling, at most a minute."""
    failures, last = _attempts(path)
    if failures < FREE_ATTEMPTS:
        return 0.0
    wait = float(min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_ATTEMPTS)))
    return max(0.0, last + wait - (time.time() if now is None else now))


def unlock(path: Path, passphrase: str) -> bytes:
    """The database key, if the passphrase is right (`WrongPassphrase`, `UnlockDelayed` otherwise)."""
    wait = wait_before_next_try(path)
    if wait > 0:
        raise UnlockDelayed(wait)
    wrapped = _read(path)
    try:
        key = AESGCM(derive_key(passphrase, wrapped.salt, wrapped.cost)).decrypt(
            wrapped.nonce, wrapped.ciphertext, b"caf-desktop database key"
        )
    except InvalidTag:
        failures, _ = _attempts(path)
        _write_atomically(_attempts_file(path), json.dumps({"failures": failures + 1, "last": time.time()}))
        raise WrongPassphrase() from None
    _attempts_file(path).unlink(missing_ok=True)
    return key


def change_passphrase(path: Path, old: str, new: str) -> None:
    """Rewraps the same database key under a new passphrase; the database is not touched."""
    key = unlock(path, old)
    wrapped = _read(path)
    _write_atomically(path, json.dumps(_wrap(key, new, wrapped.cost), indent=2))


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A rough strength (0-4) and a hint, for the welcome screen."""
    length = len(passphrase)
    kinds = sum(
        bool(any(test(c) for c in passphrase))
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    if length < 10:
        return 0, "Too short: use at least 10 characters, or better, three or four unrelated words."
    score = 1 + (length >= 14) + (kinds >= 3 or words >= 3) + (length >= 20)
    hints = {
        1: "Weak: make it longer.",
        2: "Fair: a few more words would make it strong.",
        3: "Good.",
        4: "Strong.",
    }
    return score, hints[score]
