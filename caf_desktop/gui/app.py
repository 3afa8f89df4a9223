"""Starting the desktop app: the QApplication, its look, the main window and the crash dialog."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from caf_desktop.common import library_warnings, paths
from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.gui.records.window import RecordsWindow

# Colours only repeat what words already say ("⚠ Problem:", "Safeguarding:"), never carry meaning alone.
STYLE_SHEET = """
QLabel[role="error"] { color: #a4161a; font-weight: bold; }
QLabel[role="safeguarding"] { border: 2px solid #a4161a; background: #fff4f4; padding: 8px; font-weight: bold; }
QFrame#safeguarding-banner { border: 3px solid #a4161a; background: #fff0f0; }
QFrame#safeguarding-banner[slim="true"] { border-width: 2px; }
QFrame#safeguarding-banner:focus { border: 3px solid #0b57d0; }
QLabel[role="warning"] { border-left: 4px solid #b26b00; padding-left: 8px; }
QFrame#item-card, QFrame#table-row { border: 1px solid #c8c8c8; border-radius: 4px; background: palette(base); }
QListWidget#sections::item { padding: 6px 6px; border-bottom: 1px solid palette(midlight); }
QListWidget#sections::item:selected { background: palette(highlight); color: palette(highlighted-text); }
QLabel#guidance-level, QLabel#guidance-details { border: 2px solid transparent; }
QLabel#guidance-level:focus, QLabel#guidance-details:focus { border: 2px solid #1f5f99; }
QGroupBox { font-weight: bold; margin-top: 1.2em; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; padding: 0 4px; }
"""


# Fusion's own colours fall short of WCAG's 4.5:1 for text: placeholders (4.0:1), disabled text such
# as a read-only answer (1.9:1) and white on the selection blue (3.6:1). These pass on white and on
# the window grey (tests/gui/test_accessibility.py measures the rendered pixels).
PLACEHOLDER_TEXT = "#595959"  # 7.0:1 on white
DISABLED_TEXT = "#666666"  # 5.0:1 on the window grey, and still lighter than answers
SELECTION = "#1f5f99"  # white text on it is 6.7:1


def accessible_palette(palette: QPalette) -> QPalette:
    """The style's palette with every text colour at 4.5:1 or more against its background."""
    changed = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        changed.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(PLACEHOLDER_TEXT))
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        changed.setColor(group, QPalette.ColorRole.Highlight, QColor(SELECTION))
        changed.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        changed.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT))
    return changed


def apply_look(app: QApplication) -> None:
    """The app's colours and style sheet (make_application applies them; tests of the look too)."""
    app.setPalette(accessible_palette(app.style().standardPalette()))
    app.setStyleSheet(STYLE_SHEET)


def _crash_dialog(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """A bug: keep the details in the log (no personal data), offer to copy them, keep the app alive."""
    details = "".join(traceback.format_exception(kind, error, trace))
    try:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "errors.log").open("a", encoding="utf-8") as log:
            log.write(details + "\n")
    except OSError:
        pass
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Something went wrong",
        "CAF Desktop met an internal error. Your typing is kept; save your work. This is a bug: please report it with the details.",
    )
    box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is copy:
        QGuiApplication.clipboard().setText(details)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName("CAF Desktop")
    app.setOrganizationName("CAF Desktop")
    apply_look(app)
    return app


def open_store_interactively(database_url: str | None = None) -> object | None:
    """A team's shared database by URL; otherwise, on first run the welcome and after that the unlock
    dialog for the encrypted store in the home folder. None if the user cancels or it cannot open."""
    from caf_desktop.common.errors import CafError  # noqa: PLC0415
    from caf_desktop.gui.shared.store_dialogs import UnlockDialog, WelcomeDialog  # noqa: PLC0415
    from caf_desktop.store.store import DATABASE_FILE, KEY_FILE, Store  # noqa: PLC0415

    url = database_url or os.environ.get("CAF_DESKTOP_DATABASE_URL")
    if url:
        try:
            return Store.open_url(url)
        except CafError as error:
            QMessageBox.critical(None, "Cannot open the shared records", str(error))
            return None
    home = paths.home()
    # A database without its key file is records to recover, not a first run: the unlock dialog says
    # what is missing when the passphrase is tried.
    has_store = (home / KEY_FILE).exists() or (home / DATABASE_FILE).exists()
    dialog: WelcomeDialog | UnlockDialog = UnlockDialog(home) if has_store else WelcomeDialog(home)
    if dialog.exec() != dialog.DialogCode.Accepted:
        return None
    return dialog.store


def records_window(home: Path, passphrase: str) -> RecordsWindow:
    """The main window over the encrypted store in `home`, unlocked and not yet shown: what the app
    opens after the unlock dialog, for scripts and tests that drive the whole app. `home` becomes the
    home folder of this process (settings, logs), as `--home` makes it. The caller shows the window
    and closes it; closing it closes the store. A wrong passphrase raises `WrongPassphrase`."""
    from caf_desktop.gui.records.window import RecordsWindow  # noqa: PLC0415 - after the QApplication exists
    from caf_desktop.store.store import Store  # noqa: PLC0415

    if QApplication.instance() is None:
        make_application()
    store = Store.open(home, passphrase)
    paths.set_home(home)  # only once it opened: a wrong passphrase changes nothing
    window = RecordsWindow(store)
    window.owns_store = True
    return window


def _qt_message_to_log(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own notes ("This plugin does not support propagateSizeHints()") are a developer's business:
    they go to the home's log, never to the practitioner's terminal."""
    library_warnings.write_to_log(f"Qt {kind.name}: {message}\n")


def run_app(database_url: str | None = None) -> int:
    qInstallMessageHandler(_qt_message_to_log)
    app = make_application()
    from caf_desktop.gui.records.window import RecordsWindow  # noqa: PLC0415 - after the QApplication exists

    sys.excepthook = _crash_dialog
    store = open_store_interactively(database_url)
    if store is None:
        return 0
    window = RecordsWindow(store)  # type: ignore[arg-type]
    window.show()
    status = int(app.exec())
    store.close()  # type: ignore[attr-defined]
    return status


def designer_window(file: str | None) -> QWidget:
    """The form designer over a definition file, or over the first installed form (raises CafError
    with a plain sentence for a file that is not a form definition)."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.formengine.drafting import Draft  # noqa: PLC0415
    from caf_desktop.gui.designer.window import DesignerWindow, load_file  # noqa: PLC0415 - after the QApplication exists

    definition = load_file(Path(file)) if file else installed_catalogue().all()[0]
    return DesignerWindow(Draft(definition))


def run_designer(file: str | None) -> int:
    """`caf-desktop designer [FILE]`: the designer's window and the app's event loop."""
    app = make_application()
    try:
        window = designer_window(file)
    except CafError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    window.show()
    return int(app.exec())
