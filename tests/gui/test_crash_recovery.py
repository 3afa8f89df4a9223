"""A crash must not lose typing: kill the app while it is typing, and see what comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.store.store import Profile, Store

from tests.conftest import EXAMPLES

PASSPHRASE = "correct horse battery staple"
POINTER = "/assessment/reason"
TYPING_SECONDS = 5.0
MAY_LOSE_SECONDS = 2.0


@pytest.fixture
def record_home(tmp_path: Path) -> tuple[Path, str, str]:
    home = tmp_path / "home"
    store = Store.create(
        home, PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    document["assessment"]["reason"] = "Typed before the crash: "
    record = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    store.close()
    return home, record.id, document["assessment"]["reason"]


def test_a_killed_app_loses_at_most_the_last_two_seconds_and_offers_the_draft(
    record_home: tuple[Path, str, str], qtbot: Any
) -> None:
    home, record_id, start_text = record_home
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CAF_DESKTOP_HOME": str(home)}
    driver = Path(__file__).with_name("typing_driver.py")
    process = subprocess.Popen(
        [sys.executable, str(driver), str(home), PASSPHRASE, record_id, POINTER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    typed: list[tuple[str, float]] = []
    started = None
    try:
        for line in process.stdout:
            if line.strip() == "ready":
                started = time.time()
                continue
            letter, moment = line.split()
            typed.append((letter, float(moment)))
            if started is not None and time.time() - started > TYPING_SECONDS:
                break
        killed_at = time.time()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert len(typed) > 50, "the driver did not type"

    store = Store.open(home, PASSPHRASE)
    try:
        kept = store.get(record_id).document["assessment"]["reason"]
        must_have = "".join(letter for letter, moment in typed if moment < killed_at - MAY_LOSE_SECONDS)
        everything = "".join(letter for letter, _ in typed)
        assert kept.startswith(start_text + must_have), (
            f"kept {len(kept) - len(start_text)} of {len(everything)} typed; needed {len(must_have)}"
        )
        assert (start_text + everything).startswith(kept)

        from caf_desktop.gui.records.window import RecordsWindow

        window = RecordsWindow(store)
        qtbot.addWidget(window)
        notice = window.case_list.notice
        assert notice.isVisibleTo(window)
        assert "did not close properly" in notice.text()
        assert "Recovered draft" in notice.text()
        window.open_record(record_id)
        assert window.banner.isVisibleTo(window)
        assert window.banner.text().startswith("⚠ Recovered draft")
        window.save()
        assert not store.get(record_id).has_unsaved_changes
        window.close()
    finally:
        store.close()
