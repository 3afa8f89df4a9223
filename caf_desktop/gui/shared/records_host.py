"""What the File-menu actions (PDF, bundles) need from the records window, as a typing.Protocol.

The records window imports the action modules and passes itself in; the action modules never import
the window, only this description of it, so there is no circle between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from caf_desktop.gui.form.view import FormView
    from caf_desktop.store.info import RecordInfo
    from caf_desktop.store.store import Store


class CaseList(Protocol):
    """The case list as the actions see it: the row chosen, and a refresh after an import."""

    def selected(self) -> RecordInfo | None:
        """The record whose row is selected, if any."""

    def refresh(self) -> None:
        """Reads the list again from the store."""


class RecordsHost(Protocol):
    """The records window as the actions see it. It is also the QWidget their dialogs open over."""

    store: Store
    record_id: str | None  # the record open in the form, if any
    view: FormView | None  # the open form, if any
    case_list: CaseList

    def autosave(self) -> None:
        """Keeps the working copy of the open form now, if anything changed since the last time."""

    def update_title(self) -> None:
        """Shows the open record's current status in the window title."""

    def statusBar(self) -> QStatusBar:
        """Where short results ("Exported.") are shown."""
