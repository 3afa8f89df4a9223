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

from caf_desktop import atomic
from caf_desktop.errors import CafError, UnsupportedFormat

KEY_FILE_FORMAT = 1
KEY_BYTES = 32
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
            f"The key file {path} is damaged, so the records cannot be opened. Restore it from a backup, or ask your coordinator."
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


def _wrap(key: bytes, passphrase: str, cost: int) -> dict[str, Any]:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    ciphertext = AESGCM(derive_key(passphrase, salt, cost)).encrypt(nonce, key, b"caf-desktop database key")
    return {
        "format": KEY_FILE_FORMAT,
        "kdf": {"name": "scrypt", "n": cost, "r": 8, "p": 1, "salt": _b64(salt)},
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "wrapped_key": _b64(ciphertext),
    }


def _read(path: Path) -> _Wrapped:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format", 0) > KEY_FILE_FORMAT:
            raise UnsupportedFormat(
                f"The key file {path} was written by a newer version of CAF Desktop. Update CAF Desktop to open these records."
            )
        return _Wrapped(
            cost=int(raw["kdf"]["n"]),
            salt=base64.b64decode(raw["kdf"]["salt"]),
            nonce=base64.b64decode(raw["nonce"]),
            ciphertext=base64.b64decode(raw["wrapped_key"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise KeyFileDamaged(path) from error


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
        raw = json.loads(_attempts_file(path).read_text(encoding="utf-8"))
        return int(raw["failures"]), float(raw["last"])
    except (OSError, ValueError, KeyError, TypeError):
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
