"""Fuzzing every reader of outside JSON (issue 12): random and hostile documents, form definitions,
team files, requests, certificates and key files end in our typed error (a `CafError`, said as a
sentence) or are read; never another exception, and the store beside them is never changed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError
from caf_desktop.formengine import validation
from caf_desktop.formengine.definitions import installed_catalogue
from caf_desktop.practice import thresholds
from caf_desktop.store.store import Profile, Store
from caf_desktop.trust import team
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PASSPHRASE = "correct horse battery staple"
KDF_COST = 2**10

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["scrypt", "AES-256-GCM", "caf-desktop team", "", "AAAA", "0" * 64])
)
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["format", "kdf", "n", "salt", "nonce", "wrapped_key", "kind", "id", "version"])
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _hostile_text(value: Any) -> str:
    try:
        return json.dumps(value, allow_nan=True)
    except (ValueError, TypeError):
        return "null"


hostile_texts = (
    json_values.map(_hostile_text)
    | st.text(max_size=200)
    | st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth)
    | st.integers(1, 3000).map(lambda depth: '{"a":' * depth + "0" + "}" * depth)
    | st.integers(1, 6000).map(lambda digits: "[" + "7" * digits + "]")
    | st.sampled_from(['{"a": 1, "a": 2}', '{"n": NaN}', '{"n": -Infinity}', "\ufeff{}", '{"x": "\\ud800"}'])
)


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fuzzed-store")
    Store.create(home, PASSPHRASE, Profile("Hannah Testwell", "worker", ""), kdf_cost=KDF_COST).close()
    return home


def _mutated_key_file(real: dict[str, Any], data: st.DataObject) -> str:
    """The real key file with one field replaced by something random, or random JSON altogether."""
    if data.draw(st.booleans()):
        return data.draw(hostile_texts)
    changed = json.loads(json.dumps(real))
    where = data.draw(st.sampled_from(["format", "cipher", "nonce", "wrapped_key", "checksum", "kdf"]))
    if where == "kdf":
        changed["kdf"][data.draw(st.sampled_from(["name", "n", "r", "p", "salt"]))] = data.draw(json_values)
    else:
        changed[where] = data.draw(json_values)
    return json.dumps(changed, allow_nan=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_fuzzed_key_file_is_a_plain_refusal_and_the_store_is_unchanged(
    store_home: Path, data: st.DataObject
) -> None:
    key_path = store_home / "caf.key"
    real_text = key_path.read_text(encoding="utf-8")
    database = (store_home / "caf.db").read_bytes()
    try:
        key_path.write_text(_mutated_key_file(json.loads(real_text), data), encoding="utf-8")
        try:
            Store.open(store_home, PASSPHRASE).close()
            said = "opened"  # a change the key file does not depend on (its format number, say)
        except CafError as error:
            said = str(error)
        assert said
    finally:
        key_path.write_text(real_text, encoding="utf-8")
        (store_home / "unlock-attempts.json").unlink(missing_ok=True)
    assert (store_home / "caf.db").read_bytes() == database


@settings(max_examples=150, deadline=None)
@given(text=hostile_texts)
def test_every_reader_of_outside_json_refuses_plainly(text: str) -> None:
    catalogue = installed_catalogue()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        for reader in (team.read_team_file, team.read_request, team.read_issued):
            try:
                reader(path)
                said = "read"
            except CafError as error:
                said = str(error)
            assert said
        report = thresholds.check_files([(path, "input.json")])  # findings or a sentence, never a crash
        assert all(str(error) for error in report.unreadable)
        try:
            document = jsonfiles.load(path)
        except CafError:
            return
        for form_id in ("caf-assessment", "caf-pre-assessment", "tac-meeting"):
            definition = catalogue.lookup(form_id)
            validation.findings(definition, document)
            validation.findings(definition, document, complete=True)
            validation.foreign_answers(definition, document)
