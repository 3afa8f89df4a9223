"""The form designer on the CAF against its targets (issue 15): an edit reflected in the preview, the
checker, and `forms diff` of two CAF versions.

    .venv/bin/python benchmarks/bench_designer.py      # about 30 s

Targets: the preview reflects an edit within 100 ms; the checker within 200 ms; comparing two versions
of the CAF (the diff `forms diff` prints) under 1 s. Each figure is the median of 5 runs.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from caf_desktop.formengine import changes
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.formengine.drafting import Draft

import fixtures

RUNS = 5


def main() -> int:
    from caf_desktop.gui.designer.window import DesignerWindow
    from PySide6.QtWidgets import QApplication

    fixtures.print_machine()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    caf = shipped_catalogue().get("caf-assessment", "1.0.0")
    draft = Draft(caf, version="1.1.0")
    checker = [fixtures.timed(draft.findings) for _ in range(RUNS)]
    fixtures.report(
        "checker, whole CAF draft",
        f"{fixtures.median_ms(checker):.0f} ms",
        "<= 200 ms",
        fixtures.median_ms(checker) <= 200,
    )

    window = DesignerWindow(draft)
    window.show()
    app.processEvents()
    edits = []
    for run in range(RUNS):
        started = time.perf_counter()
        window.draft.set_text("/child/given_names", "title", f"Given name(s), edit {run}")
        window.refresh()
        app.processEvents()
        edits.append(time.perf_counter() - started)
    edit_ms = fixtures.median_ms(edits)
    fixtures.report("an edit reflected in the preview", f"{edit_ms:.0f} ms", "<= 100 ms", edit_ms <= 100)
    print(
        "   (the whole draft is checked and the preview's FormView rebuilt from the new definition each time)"
    )

    changed = Draft(caf, version="2.0.0")
    changed.rename("/child/is_unborn", "unborn")
    changed.delete("/child/aka")
    changed.set_text("/child/family_name", "title", "Surname")
    new = changed.definition()
    diffs = [fixtures.timed(lambda: changes.compare(caf, new)) for _ in range(RUNS)]
    diff_ms = fixtures.median_ms(diffs)
    fixtures.report("forms diff of two CAF versions", f"{diff_ms:.0f} ms", "<= 1000 ms", diff_ms <= 1000)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
