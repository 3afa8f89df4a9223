"""Hostile bundles made the way an attacker with an enrolled worker's key would make them: the files
written out, the manifest signed by `openssl cms`, the folder zipped by `zip` (or Python's zipfile for
entries `zip` will not write), the ZIP encrypted by `age`. Nothing here calls CAF Desktop's own code
for signing, zipping or encrypting."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.trust.identity import Identity
from cryptography.hazmat.primitives import serialization


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; these tests make their bundles with it")
    return found


def _run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, check=True, timeout=60)


def signer_files(sender: Identity, folder: Path) -> tuple[Path, Path, Path]:
    """The sender's private key, certificate and issuing chain as PEM files for openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    key, certificate, chain = folder / "key.pem", folder / "cert.pem", folder / "chain.pem"
    key.write_bytes(
        sender.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    certificate.write_bytes(sender.certificate.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in sender.chain)
        or sender.certificate.public_bytes(serialization.Encoding.PEM)
    )
    return key, certificate, chain


def openssl_sign(manifest: bytes, sender: Identity, work: Path) -> bytes:
    """A detached DER CMS signature over `manifest` by `sender`, made by `openssl cms -sign`."""
    key, certificate, chain = signer_files(sender, work / "signer")
    (work / "to-sign").write_bytes(manifest)
    _run(
        tool("openssl"),
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-in",
        work / "to-sign",
        "-signer",
        certificate,
        "-inkey",
        key,
        "-certfile",
        chain,
        "-outform",
        "DER",
        "-out",
        work / "signature.der",
    )
    return (work / "signature.der").read_bytes()


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode()


def zip_folder(files: Mapping[str, bytes], work: Path, *, folder_entries: bool = False) -> Path:
    """`files` written into a folder and zipped by `zip -r` (`-D`, no folder entries, unless asked)."""
    root = work / "content"
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    archive = work / "bundle.zip"
    _run(tool("zip"), "-q", "-X", "-r", *([] if folder_entries else ["-D"]), archive, ".", cwd=root)
    return archive


def add_raw_entries(archive: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
    """Entries `zip` will not make (a folder entry carrying data, say), appended to the archive."""
    with zipfile.ZipFile(archive, "a") as opened:
        for info, data in entries:
            opened.writestr(info, data)


def age_encrypt(archive: Path, recipients: list[str], out: Path) -> Path:
    _run(tool("age"), *[part for r in recipients for part in ("-r", r)], "-o", out, archive)
    return out


def tool_bundle(
    files: Mapping[str, bytes],
    manifest: bytes,
    *,
    sender: Identity,
    recipients: list[str],
    work: Path,
    out: Path,
    raw_entries: Sequence[tuple[zipfile.ZipInfo | str, bytes]] = (),
    folder_entries: bool = False,
) -> Path:
    """A whole bundle: `files`, `manifest` (bytes, as signed) and its openssl signature, zipped, then
    encrypted with age to `recipients`."""
    work.mkdir(parents=True, exist_ok=True)
    signature = openssl_sign(manifest, sender, work)
    archive = zip_folder(
        {"manifest.json": manifest, "manifest.json.p7s": signature, **files},
        work,
        folder_entries=folder_entries,
    )
    if raw_entries:
        add_raw_entries(archive, list(raw_entries))
    return age_encrypt(archive, recipients, out)
