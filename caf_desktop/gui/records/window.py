"""The main window over the encrypted store: the case list, records that save themselves, history,
the audit log, and the lock.

Typing is kept by autosave a couple of seconds after the last change, when switching record, when
locking and when closing; Save (Ctrl+S) keeps a revision. If CAF Desktop did not close properly, the
next start says which records have typing that was kept but not yet saved as a version.
The dialogs it opens (new record, history, audit log, preferences) are in record_dialogs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition, installed_catalogue
from caf_desktop.gui.form.qt_guidance import SafeguardingBanner
from caf_desktop.gui.form.view import FormView
from caf_desktop.gui.printing import pdf_actions
from caf_desktop.gui.records import version_dialog
from caf_desktop.gui.records.case_list import CaseListPage
from caf_desktop.gui.records.record_dialogs import (
    AuditDialog,
    HistoryDialog,
    NewRecordDialog,
    PreferencesDialog,
    lock_minutes,
)
from caf_desktop.gui.shared.main_window import MainWindow, name_actions, restore_splitter
from caf_desktop.gui.sync import bundle_actions
from caf_desktop.store.store import KEY_FILE, RecordInfo, Store
from caf_desktop.trust import keyfile

# Typing is kept at most this long after it happens: the timer starts at the first change and is not
# restarted by the next keystroke, so steady typing is saved every 1.5 s, not only when it stops.
AUTOSAVE_DELAY_MS = 1500
ATTENTION_CHECK_MS = 10 * 60 * 1000  # how often to see whether the day has changed
SESSION_MARKER = "session.open"
# Menu actions CONTRACT.md names more shortly than their words (the rest are "action-" and their words).
CONTRACT_NAMES = {
    "export-as-pdf": "export-pdf",
    "print-tac-plan-of-this-case": "print-tac-plan",
    "lock-now": "lock",
    "locality-team": "team",
    "send-records-to-the-team": "send-records",
}


class _IdleWatcher(QObject):
    """Any key press, click or wheel in the app counts as activity and restarts the lock timer."""

    def __init__(self, window: RecordsWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self.window.activity()
        return False


class LockPage(QWidget):
    """What the window shows while locked: nothing of any record."""

    def __init__(self, window: RecordsWindow) -> None:
        super().__init__(window)
        self.setObjectName("lock-page")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        heading = QLabel("CAF Desktop is locked", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        text = QLabel(
            "Your records are hidden and your typing is kept. Enter your passphrase to carry on.", self
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("unlock-passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setMinimumWidth(280)
        self.unlock_button = QPushButton("Unlock", self)
        row.addWidget(self.passphrase)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.problem = QLabel(self)
        self.problem.setProperty("role", "error")
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.problem)
        layout.addStretch(2)
        self.unlock_button.clicked.connect(window.unlock)
        self.passphrase.returnPressed.connect(window.unlock)


class RecordsWindow(MainWindow):
    """MainWindow over a store. `record_id` is the record open now, if any."""

    owns_store = False  # closing the window closes the store too (app.records_window sets it)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.record_id: str | None = None
        self.locked = False
        self.recovered: list[RecordInfo] = []
        self._numbers: dict[str, str] = {}
        self._numbers_read_at: int | None = None
        self._autosave_timer = QTimer()
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self._pending_autosave = False
        super().__init__()
        self._autosave_timer.setParent(self)
        self._autosave_timer.timeout.connect(self.autosave)
        self.stack = QStackedWidget(self)
        self.case_list = CaseListPage(store, self.stack)
        self.case_list.openRequested.connect(self.open_record)
        self.case_list.newRequested.connect(self.new_record)
        self.case_list.deleteRequested.connect(self.delete_record)
        self.lock_page = LockPage(self)
        self.record_page = QWidget(self.stack)
        self.record_layout = QVBoxLayout(self.record_page)
        self.record_layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel(self.record_page)
        self.banner.setObjectName("record-banner")
        self.banner.setWordWrap(True)
        self.banner.setProperty("role", "warning")
        self.banner.setVisible(False)
        self.record_layout.addWidget(self.banner)
        for page in (self.case_list, self.record_page, self.lock_page):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.stack.setCurrentWidget(self.case_list)
        self._add_record_actions()
        # Locks the window when it is left idle (public: the preferences set its interval, and tests
        # read it and shorten it).
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(lock_minutes() * 60 * 1000)
        self.idle_timer.timeout.connect(self.lock)
        self.idle_timer.start()
        self._watcher = _IdleWatcher(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._watcher)
        self._check_last_session()
        self.store.purge_deleted()  # deleted records past their retention period go for good
        # Reviews fall overdue as days pass with nobody saving: work drift out again each new day.
        self._attention_timer = QTimer(self)
        self._attention_timer.setInterval(ATTENTION_CHECK_MS)
        self._attention_timer.timeout.connect(self.refresh_attention)
        self._attention_timer.start()
        QTimer.singleShot(0, self.refresh_attention)  # once the window is up: it may read every open case
        self.update_title()
        self._update_actions()

    # --- start and finish ----------------------------------------------------------------------------

    def _marker(self) -> Path | None:
        return self.store.home / SESSION_MARKER if self.store.home is not None else None

    def _check_last_session(self) -> None:
        """A marker left by the last run means it did not close properly: say what typing was kept."""
        marker = self._marker()
        crashed = marker is not None and marker.exists()
        self.recovered = self.store.unsaved()
        if marker is not None:
            marker.write_text(str(os.getpid()), encoding="utf-8")
        if self.recovered:
            names = ", ".join(r.child or "a record with no name yet" for r in self.recovered[:5])
            opening = (
                "CAF Desktop did not close properly last time, and your typing was kept. " if crashed else ""
            )
            count = len(self.recovered)
            self.case_list.show_notice(
                f"⚠ {opening}Recovered draft{'s' if count != 1 else ''}: {count} record{'s have' if count != 1 else ' has'} changes "
                f"not yet saved as a version ({names}). Open one to check it, then Save (Ctrl+S)."
            )

    def refresh_attention(self) -> None:
        """Works out the case list's "Needs attention" again if the day has changed (cheap otherwise)."""
        if self.locked:
            return
        if self.store.refresh_guidance() + self.store.refresh_attention():
            self.case_list.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.autosave()
        super().closeEvent(event)
        if event.isAccepted():
            marker = self._marker()
            if marker is not None:
                marker.unlink(missing_ok=True)
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self._watcher)
            if self.owns_store:
                self.store.close()

    # --- menus ------------------------------------------------------------------------------------------

    def _add_record_actions(self) -> None:
        self.new_action.setText("&New record…")
        self.save_as_action.setText("&Export as JSON file…")
        file_menu = self.file_menu
        first_after = file_menu.actions()[file_menu.actions().index(self.save_as_action) + 1]
        self.export_pdf_action = QAction("Export as &PDF…", self)
        self.export_pdf_action.setShortcut("Ctrl+E")
        self.export_pdf_action.triggered.connect(lambda: pdf_actions.export_pdf(self))
        self.print_action = QAction("&Print…", self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(lambda: pdf_actions.print_record(self))
        self.verify_action = QAction("&Verify a signed PDF…", self)
        self.verify_action.triggered.connect(lambda: pdf_actions.verify_signed_pdf(self))
        for action in (self.export_pdf_action, self.print_action, self.verify_action):
            file_menu.insertAction(first_after, action)
        record_menu = QMenu("&Record", self)
        self.history_action = self.make_action("&History…", self.show_history, "Ctrl+H", record_menu)
        self.audit_action = self.make_action("&Audit log…", self.show_audit, None, record_menu)
        self.newer_version_action = self.make_action(
            "Move to the &newer version of the form…", self.offer_newer_version, None, record_menu
        )
        self.newer_version_action.setObjectName("action-move-to-newer-version")
        self.form_menu.addSeparator()
        self.design_action = self.make_action("&Design forms…", self.design_forms, None, self.form_menu)
        self.design_action.setObjectName("action-design-forms")
        record_menu.addSeparator()
        self.make_action(
            "Print &TAC plan of this case…",
            lambda: pdf_actions.print_tac_plan(self),
            "Ctrl+Shift+P",
            record_menu,
        )
        self.new_tac_meeting_action = self.make_action(
            "New TAC &meeting for this child…",
            lambda: self.new_for_this_child("tac-meeting"),
            None,
            record_menu,
        )
        self.new_tac_meeting_action.setObjectName("action-new-tac-meeting-for-this-child")
        self.new_tac_review_action = self.make_action(
            "New TAC re&view for this child…",
            lambda: self.new_for_this_child("tac-review"),
            None,
            record_menu,
        )
        self.new_tac_review_action.setObjectName("action-new-tac-review-for-this-child")
        self.new_oversight_action = self.make_action(
            "New management &oversight for this child…",
            lambda: self.new_for_this_child("management-oversight"),
            None,
            record_menu,
        )
        self.new_referral_action = self.make_action(
            "New &referral (step up) for this child…",
            lambda: self.new_for_this_child("caf-referral"),
            None,
            record_menu,
        )
        record_menu.addSeparator()
        self.back_action = self.make_action(
            "Back to the &case list", self.show_start, "Alt+Home", record_menu
        )
        self.lock_action = self.make_action("&Lock now", self.lock, "Ctrl+Shift+L", record_menu)
        self.make_action("&Preferences…", self.preferences, None, record_menu)
        self.menuBar().insertMenu(self.menuBar().actions()[-1], record_menu)  # before Help
        team_menu = QMenu("&Team", self)
        self.team_action = self.make_action("Locality &team…", self.show_team, "Ctrl+T", team_menu)
        team_menu.addSeparator()
        self.make_action(
            "&Send records to the team…", lambda: bundle_actions.send_bundle(self), "Ctrl+Shift+B", team_menu
        )
        self.make_action(
            "&Import bundles…", lambda: bundle_actions.import_bundles(self), "Ctrl+Shift+I", team_menu
        )
        self.make_action("Sync &conflicts…", lambda: bundle_actions.settle_conflicts(self), None, team_menu)
        self.menuBar().insertMenu(self.menuBar().actions()[-1], team_menu)
        self.team_menu = team_menu
        name_actions(self, CONTRACT_NAMES)

    def _update_actions(self) -> None:
        if getattr(self, "locked", False):
            for action in self.findChildren(QAction):
                action.setEnabled(False)
            return
        super()._update_actions()
        has_record = getattr(self, "record_id", None) is not None
        for name in ("history_action", "audit_action", "back_action", "export_pdf_action", "print_action"):
            action = getattr(self, name, None)
            if action is not None:
                action.setEnabled(has_record and not self.locked)
        newer = getattr(self, "newer_version_action", None)
        if newer is not None and not has_record:
            newer.setEnabled(False)  # open_record enables it when the draft has a newer version

    def update_title(self) -> None:
        if getattr(self, "locked", False):
            self.setWindowTitle("CAF Desktop — locked")
            return
        if self.view is None or not hasattr(self, "store"):
            profile = self.store.profile() if hasattr(self, "store") else None
            self.setWindowTitle(f"Case list — CAF Desktop{f' — {profile.name}' if profile else ''}")
            return
        record = self.store.get(self.record_id) if self.record_id else None
        who = record.child if record and record.child else "New record"
        self.setWindowTitle(f"{who} — {self.view.definition.title} — CAF Desktop")

    # --- records ------------------------------------------------------------------------------------------

    def start_new(self) -> None:
        """File ▸ New record (Ctrl+N), from the case list or from a record: the New record dialog."""
        self.new_record()

    def show_start(self) -> None:
        """Back to the case list: the open record's typing is kept first."""
        self.autosave()
        self._set_view(None)

    def _set_view(self, view: FormView | None) -> None:
        if not hasattr(self, "stack"):
            super()._set_view(view)
            return
        old = self.view
        self.view = view
        if old is not None:
            self.record_layout.removeWidget(old)
            old.deleteLater()
        if view is None:
            self.record_id = None
            self.path = None
            self.case_list.refresh()
            self.stack.setCurrentWidget(self.case_list)
        else:
            view.valueChanged.connect(self._changed)
            view.safeguardingShown.connect(lambda: self._audit_safeguarding("safeguarding banner shown"))
            view.safeguardingAcknowledged.connect(self._acknowledge_safeguarding)
            view.problemsChanged.connect(
                lambda n: self.statusBar().showMessage(
                    f"{n} problem{'s' if n != 1 else ''}" if n else "No problems found"
                )
            )
            banner = getattr(view, "banner", None)
            if banner is not None:
                banner.use_contacts(self._locality_numbers())
                self._restore_acknowledgement(banner)
            self.record_layout.addWidget(view, 1)
            restore_splitter(view)
            self.stack.setCurrentWidget(self.record_page)
            if banner is not None and not self.locked:
                banner.take_focus()
        if self.locked:
            # A dialog left open when the lock came (New record, say) may finish under the lock:
            # nothing of a record shows until the passphrase is entered; unlock() shows the page.
            self.stack.setCurrentWidget(self.lock_page)
        self._update_actions()
        self.update_title()

    def _restore_acknowledgement(self, banner: SafeguardingBanner) -> None:
        """The record opens with its banner slim if this version's danger was acknowledged, else full
        (and audited as shown: the view raised it before the window was listening)."""
        if self.record_id is None or not banner.active:
            return
        found = self.store.safeguarding_acknowledgement(self.record_id, sorted(banner.causes))
        if found is not None:
            banner.restore_acknowledgement(frozenset(found.causes), found.by, found.at)
        else:
            self._audit_safeguarding("safeguarding banner shown")

    def _acknowledge_safeguarding(self) -> None:
        """Keeps the acknowledgement of the open version, with who and when (and audits it)."""
        banner = getattr(self.view, "banner", None)
        if self.record_id is None or banner is None:
            return
        made = self.store.acknowledge_safeguarding(self.record_id, sorted(banner.causes))
        banner.restore_acknowledgement(frozenset(made.causes), made.by, made.at)

    def _locality_numbers(self) -> dict[str, str]:
        """The contact numbers the team's coordinator set, by id (none before joining a team). The
        team file's signature is checked when the file changes, not each time a record opens."""
        from caf_desktop.trust import team  # noqa: PLC0415

        if self.store.home is None:
            return {}
        try:
            changed = (self.store.home / team.TEAM_FILE).stat().st_mtime_ns
        except OSError:
            return {}  # not in a team yet
        if self._numbers_read_at != changed:
            try:
                joined = team.load_joined_team(self.store.home)
            except CafError:
                joined = None  # a damaged team file: the banner keeps the ruleset's own wording
            self._numbers = {c.id: c.phone for c in joined.contacts if not c.placeholder} if joined else {}
            self._numbers_read_at = changed
        return self._numbers

    def _audit_safeguarding(self, action: str) -> None:
        if self.record_id is not None:
            self.store.audit(action, self.record_id, {})

    def new_record(self) -> None:
        dialog = NewRecordDialog(self.store, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        definition = dialog.definition()
        self.start_record(definition, dialog.starting_document(definition), dialog.child_id)

    def new_for_this_child(self, form_id: str) -> FormView | None:
        """A new record of `form_id` for the child of the open record (or the one chosen in the case
        list), started from their case: child, CAF reference, lead professional, open actions."""
        selected = self.case_list.selected() if self.view is None else None
        chosen = self.record_id or (selected.id if selected is not None else None)
        if chosen is None:
            self.statusBar().showMessage("Choose a child's record in the case list first.", 6000)
            return None
        child_id = self.store.child_of(chosen)
        if child_id is None:
            self.statusBar().showMessage(
                "This record does not name a child yet: enter the child's names first.", 6000
            )
            return None
        definition = installed_catalogue().get(form_id)
        view = self.start_record(definition, self.store.starting_document(definition, child_id), child_id)
        self.statusBar().showMessage(f"Started a {definition.title} from the child's case.", 6000)
        return view

    def start_record(
        self, definition: FormDefinition, document: dict[str, Any], child_id: str | None = None
    ) -> FormView:
        """Makes the record at once (so typing is never outside the store) and opens it."""
        self.autosave()
        view = FormView(definition, self, document=document or None, own_keys=False)
        if document:
            from caf_desktop.formengine import schematree  # noqa: PLC0415

            starting = schematree.defaults(definition.schema, definition.schema) or {}
            view.set_value(_merge(starting, document))
        record = self.store.add_record(definition, view.value(), child_id=child_id)
        self.record_id = record.id
        self.banner.setVisible(False)
        self._set_view(view)
        return view

    def new_form(
        self, definition: FormDefinition, document: dict[str, Any] | None = None, path: Path | None = None
    ) -> FormView:
        """Opening a JSON file imports it as a new record (nothing stays outside the store)."""
        view = self.start_record(definition, document or {})
        if path is not None:
            self.statusBar().showMessage(f"Imported {path.name} as a new record.", 5000)
        return view

    def open_record(self, record_id: str) -> FormView | None:
        self.autosave()
        try:
            record = self.store.get(record_id)
            definition = installed_catalogue().get(record.form_id, record.form_version)
        except CafError as error:
            QMessageBox.warning(self, "Cannot open the record", str(error))
            return None
        view = FormView(definition, self, document=record.document, own_keys=False)
        self.record_id = record.id
        self._set_view(view)
        notices = []
        if record.has_unsaved_changes and record.autosaved is not None:
            moment = record.autosaved.astimezone().strftime("%d/%m/%Y at %H:%M")
            notices.append(
                f"⚠ Recovered draft: changes made on {moment} were kept but not yet saved as a version. "
                "Save (Ctrl+S) keeps them as a version; History (Ctrl+H) shows the last saved version."
            )
        if record.attention:
            notices.append(f"⚠ On this case: {record.attention}")
        newer = version_dialog.newer_version(installed_catalogue(), record)
        if newer is not None:
            notices.append(
                f"A newer version of this form ({newer.version}) is available for this draft: "
                "Record > Move to the newer version of the form shows what changes."
            )
        self.newer_version_action.setEnabled(newer is not None)
        self.banner.setText("\n".join(notices))
        self.banner.setVisible(bool(notices))
        self.store.audit("opened", record.id, {})
        return view

    def _changed(self) -> None:
        super()._changed()
        if self.record_id is not None:
            self._pending_autosave = True
            if not self._autosave_timer.isActive():
                self._autosave_timer.start()

    def autosave(self) -> None:
        """Keeps the working copy now, if anything changed since the last time."""
        self._autosave_timer.stop()
        if not self._pending_autosave or self.view is None or self.record_id is None:
            return
        self._pending_autosave = False
        try:
            self.store.autosave(self.record_id, self.view.value(), self.view.definition)
        except CafError as error:
            self._pending_autosave = True
            self.statusBar().showMessage(f"Your typing could not be kept: {error}")

    def save(self) -> bool:
        if self.view is None or self.record_id is None:
            return False
        self._pending_autosave = False
        self._autosave_timer.stop()
        revision = self.store.save(self.record_id, self.view.value(), self.view.definition)
        self.view.document.modified = False
        self.banner.setVisible(False)
        self.statusBar().showMessage(f"Saved as version {revision.number}.", 5000)
        self.update_title()
        return True

    def save_to(self, path: Path) -> bool:
        saved = super().save_to(path)
        if saved and self.record_id is not None:
            self.store.audit("exported", self.record_id, {"as": "json"})
            self.path = None
        return saved

    def mark_complete(self) -> None:
        if self.view is None or self.record_id is None:
            return
        if self.view.mark_complete():
            self._pending_autosave = False
            revision = self.store.save(
                self.record_id,
                self.view.value(),
                self.view.definition,
                status="complete",
                reason="marked complete",
            )
            self.view.document.modified = False
            self.statusBar().showMessage(f"Marked complete and saved as version {revision.number}.", 5000)
        else:
            super().mark_complete()

    def _may_discard(self) -> bool:
        self.autosave()
        return True  # typing is kept in the store; nothing can be lost by moving on

    def delete_record(self, record_id: str) -> None:
        record = self.store.get(record_id)
        answer = QMessageBox.question(
            self,
            "Delete this record?",
            f"Delete the {record.form_id} record of {record.child or 'a child with no name yet'}? "
            "It leaves the case list now, can be brought back with Undo until it is removed for good after the retention period.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.store.delete(record_id)
        self.case_list.refresh()
        undo = QPushButton("Undo", self)
        undo.setObjectName("undo-delete")

        def bring_back() -> None:
            self.store.undelete(record_id)
            self.case_list.refresh()
            self.statusBar().removeWidget(undo)
            self.statusBar().showMessage("The record is back.", 4000)

        undo.clicked.connect(bring_back)
        self.statusBar().showMessage("Record deleted.")
        self.statusBar().addWidget(undo)
        # The button is the timer's context: if the window goes first, the timer goes with it.
        QTimer.singleShot(15000, undo, undo.deleteLater)

    def show_history(self) -> None:
        if self.view is None or self.record_id is None:
            return
        self.autosave()
        dialog = HistoryDialog(
            self.store, self.store.get(self.record_id), self.view.definition, self.view.value(), self
        )
        dialog.restored.connect(self.restore_revision)
        dialog.exec()

    def restore_revision(self, number: int) -> None:
        if self.view is None or self.record_id is None:
            return
        self.store.restore(self.record_id, number, self.view.definition)
        restored = self.store.get(self.record_id)
        self._pending_autosave = False
        if restored.form_version != self.view.definition.version:
            # The revision was made with another version of the form (before a move to a newer one):
            # the record opens again with that version's questions.
            self.open_record(restored.id)
            self._add_notice(
                f"Version {number} restored, as a new version, with version {restored.form_version} of the form."
            )
            return
        self.view.set_value(restored.document)
        self.view.document.modified = False
        self.statusBar().showMessage(f"Version {number} restored, as a new version.", 5000)

    def design_forms(self) -> None:
        """The form designer, on the form open here (else the first installed one), over this store."""
        from caf_desktop.formengine.drafting import Draft  # noqa: PLC0415
        from caf_desktop.gui.designer.window import DesignerWindow  # noqa: PLC0415 - loaded when first used

        catalogue = installed_catalogue()
        # A new draft starts from the newest version of the form (never from an older one).
        definition = catalogue.get(self.view.definition.id) if self.view is not None else catalogue.all()[0]
        designer = DesignerWindow(Draft(definition), store=self.store, parent=self)
        designer.setWindowFlag(Qt.WindowType.Window, True)
        designer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        designer.show()
        self.designer = designer

    def offer_newer_version(self) -> None:
        """The preview of moving this draft to the newest version of its form; moves it if asked."""
        if self.view is None or self.record_id is None:
            return
        self.autosave()
        catalogue = installed_catalogue()
        record = self.store.get(self.record_id)
        target = version_dialog.newer_version(catalogue, record)
        if target is None:
            self.statusBar().showMessage("This record is already on the newest version of its form.", 5000)
            return
        try:
            move = version_dialog.plan_move(catalogue, record, target)
        except CafError as error:
            QMessageBox.warning(self, "Cannot move the draft", str(error))
            return
        dialog = version_dialog.NewerVersionDialog(move, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.store.move_to_version(
                record.id,
                move.document,
                target,
                reason=f"moved from version {record.form_version} to {target.version}",
            )
        except CafError as error:
            QMessageBox.warning(self, "Cannot move the draft", str(error))
            return
        self.open_record(record.id)
        self._add_notice(
            f"Moved to version {target.version} of the form. History (Ctrl+H) can restore the draft as it was."
        )

    def _add_notice(self, text: str) -> None:
        """A line in the notices above the form (kept while the record is open, unlike the status bar,
        which the view's own messages replace)."""
        shown = self.banner.text() if self.banner.isVisibleTo(self) else ""
        self.banner.setText(f"{shown}\n{text}" if shown else text)
        self.banner.setVisible(True)

    def show_audit(self) -> None:
        if self.record_id is not None:
            AuditDialog(self.store, self.record_id, self).exec()

    def show_team(self) -> None:
        """The Team page: join, enrol, and for a coordinator, run the team."""
        from caf_desktop.gui.team.team_page import TeamDialog  # noqa: PLC0415

        if self.store.home is None:
            QMessageBox.information(
                self, "Locality team", "The team is managed from a laptop's own store, not a shared database."
            )
            return
        dialog = TeamDialog(self.store, self.store.home, self)
        dialog.exec()

    def preferences(self) -> None:
        dialog = PreferencesDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.idle_timer.setInterval(lock_minutes() * 60 * 1000)
            self.idle_timer.start()

    # --- the lock -----------------------------------------------------------------------------------------

    def activity(self) -> None:
        if not self.locked:
            self.idle_timer.start()

    def lock(self) -> None:
        """Hides every record until the passphrase is entered; typing is kept (autosaved) first."""
        if self.locked:
            return
        self.autosave()
        self.locked = True
        self._close_dialogs_for_the_lock()
        self.stack.setCurrentWidget(self.lock_page)
        self.menuBar().setEnabled(False)
        # No shortcut may reach a record while locked (Ctrl+S, Ctrl+Z, Ctrl+H...).
        self._enabled_before_lock = [a for a in self.findChildren(QAction) if a.isEnabled()]
        for action in self._enabled_before_lock:
            action.setEnabled(False)
        self.statusBar().clearMessage()
        self.lock_page.problem.setText("")
        self.lock_page.passphrase.setFocus()
        self.update_title()
        self._update_actions()

    def _close_dialogs_for_the_lock(self) -> None:
        """A dialog left open (History, the sharing decision, Export) shows a record's answers, and would
        stand over the lock page and keep the passphrase box from the keyboard: each is cancelled, the
        innermost first, as Cancel would (what was typed in it is lost; the record's typing is kept)."""
        for _ in range(20):  # dialogs opened inside dialogs, never endless
            modal = QApplication.activeModalWidget()
            if not isinstance(modal, QDialog) or not modal.isVisible():
                break
            modal.reject()
        for widget in QApplication.topLevelWidgets():  # modeless ones too (the import report)
            if isinstance(widget, QDialog) and widget.isVisible() and widget.parent() is self:
                widget.reject()

    def unlock(self) -> None:
        if self.store.home is None:
            ok = True
        else:
            try:
                keyfile.unlock(self.store.home / KEY_FILE, self.lock_page.passphrase.text())
                ok = True
            except CafError as error:
                self.lock_page.problem.setText(str(error))
                ok = False
        self.lock_page.passphrase.clear()
        if not ok:
            return
        self.locked = False
        self.menuBar().setEnabled(True)
        for action in getattr(self, "_enabled_before_lock", []):
            action.setEnabled(True)
        self.stack.setCurrentWidget(self.record_page if self.view is not None else self.case_list)
        self.idle_timer.start()
        self.update_title()
        self._update_actions()


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = json.loads(json.dumps(base))
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
