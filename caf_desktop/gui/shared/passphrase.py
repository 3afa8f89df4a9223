"""Asking for the user's passphrase at the moment an action needs it (signing, bundles, the team file)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget


def ask_passphrase(parent: QWidget, purpose: str) -> str | None:
    """The passphrase, asked for at the moment it is needed (None if the user cancels)."""
    text, accepted = QInputDialog.getText(
        parent, "Your passphrase", f"Type your passphrase to {purpose}:", QLineEdit.EchoMode.Password
    )
    return text if accepted and text else None
