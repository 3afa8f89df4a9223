"""The command line of CONTRACT.md: output, exit statuses and plain sentences for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from caf_desktop import __version__

from tests.conftest import EXAMPLES, CliResult, example, load_json, write_json
from tests.formengine.sample_definitions import visit_raw

FORMS = Path(__file__).parents[2] / "forms"
SHIPPED_FORMS = sorted(FORMS.glob("*/*.json"))  # forms/<id>/<version>.json; rulesets sit one deeper

Cli = Callable[..., CliResult]


def assert_plain(result: CliResult) -> None:
    """No traceback, ever; errors are sentences on stderr."""
    assert "Traceback" not in result.err + result.out
    assert 'File "' not in result.err


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.status == 0
    assert result.out.strip() == f"caf-desktop {__version__}"


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "caf_desktop", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"caf-desktop {__version__}"


def test_forms_list_json(cli: Cli) -> None:
    result = cli("forms", "list", "--json")
    assert result.status == 0
    listed = result.json()
    for version in ("1.0.0", "1.1.0"):  # a published version stays installed beside the newer one
        assert {
            "id": "caf-assessment",
            "version": version,
            "title": "Common Assessment Framework (CAF) assessment",
        } in listed
    assert all(set(entry) == {"id", "version", "title"} for entry in listed)
    assert len(listed) == len(SHIPPED_FORMS)
    assert {"caf-referral", "management-oversight"} <= {entry["id"] for entry in listed}


def test_forms_list_for_people(cli: Cli) -> None:
    result = cli("forms", "list")
    assert result.status == 0
    assert any(line.startswith("tac-meeting") and "1.0.0" in line for line in result.out.splitlines())


def test_forms_check_passes_on_the_installed_forms(cli: Cli) -> None:
    result = cli("forms", "check")
    assert result.status == 0
    # Every shipped file is checked, counted from the source tree (a new version needs no edit here).
    forms = Path(__file__).parents[2] / "forms"
    definitions = len([f for f in forms.glob("*/*.json") if f.parent.name != "thresholds"])
    rulesets = len(list((forms / "thresholds").glob("*/*.json")))
    assert rulesets >= 2  # caf-continuum 1.0.0 and 1.1.0
    assert (
        f"Checked {definitions} form definitions and {rulesets} threshold rulesets: no problems found."
        in result.out
    )


def test_forms_check_names_file_and_pointer_of_each_problem(cli: Cli, tmp_path: Path) -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][2]["scope"] = "/reason_not_seen_alon"
    path = write_json(tmp_path / "visit.json", raw)
    result = cli("forms", "check", path)
    assert result.status == 1
    assert_plain(result)
    assert (
        f'{path}: /layout/sections/1/elements/2/scope: "/reason_not_seen_alon" is not a field of this form (control). '
        'Did you mean "/reason_not_seen_alone"?'
    ) in result.out
    assert "1 problem found." in result.err


def test_forms_check_of_a_file_that_is_not_a_form_definition_says_so_once(cli: Cli) -> None:
    document = EXAMPLES / "caf-assessment" / "full.json"  # a saved CAF: JSON, but not a definition

    result = cli("forms", "check", document)

    assert result.status == 1
    assert_plain(result)
    assert result.out == (
        f'{document}: This is not a form definition: it has no "schema" and no "layout". A form definition is '
        'a JSON object with "format", "id", "version", "title", "description", "schema" (the JSON Schema of '
        'the answers) and "layout" (how they are shown); docs/form-definitions.md describes them.\n'
    )
    assert result.err == "Checked 1 form definition: 1 problem found.\n"


def test_forms_check_names_the_keys_a_definition_lacks_once(cli: Cli, tmp_path: Path) -> None:
    raw = visit_raw()
    for key in ("format", "title", "description"):
        del raw[key]
    path = write_json(tmp_path / "visit.json", raw)

    result = cli("forms", "check", path)

    assert result.status == 1
    assert result.out == f'{path}: "format" is missing; "title" is missing; "description" is missing.\n'


def test_forms_check_a_folder(cli: Cli, tmp_path: Path) -> None:
    write_json(tmp_path / "home-visit-note" / "1.0.0.json", visit_raw())
    result = cli("forms", "check", tmp_path)
    assert result.status == 0, result.out + result.err
    assert "Checked 1 form definition: no problems found." in result.out


def test_forms_check_of_malformed_json_gives_line_and_column(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "x"\n  "version": "1.0.0"\n}\n', encoding="utf-8")
    result = cli("forms", "check", path)
    assert result.status == 2
    assert_plain(result)
    assert f"{path}: this is not valid JSON: a comma is missing at line 3, column 3." in result.err


def test_forms_check_of_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("forms", "check", tmp_path / "nope.json")
    assert result.status == 2
    assert_plain(result)
    assert "there is no such file" in result.err


def test_validate_a_complete_example(cli: Cli) -> None:
    path = EXAMPLES / "tac-review" / "full.json"
    result = cli("validate", "tac-review", path, "--complete")
    assert result.status == 0, result.out + result.err
    assert "no problems" in result.out


def test_validate_reports_each_problem_with_its_pointer(cli: Cli, tmp_path: Path) -> None:
    document = load_json(EXAMPLES / "caf-assessment" / "full.json")
    document["child"]["date_of_birth"] = "2999-01-01"
    document["child"]["postcode"] = "nowhere"
    path = write_json(tmp_path / "caf.json", document)
    result = cli("validate", "caf-assessment", path)
    assert result.status == 1
    assert_plain(result)
    lines = result.out.splitlines()
    assert lines[0].startswith(f"{path}: /child/date_of_birth: ")
    assert "today or in the past" in lines[0]
    assert lines[1].startswith(f"{path}: /child/postcode: ")
    assert "2 problems found (draft check)." in result.err


def test_validate_json_output(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "draft.json", {"child": {"given_names": "Ada"}})
    draft = cli("validate", "caf-assessment", path, "--json")
    assert draft.status == 0
    assert draft.json() == []
    complete = cli("validate", "caf-assessment", path, "--json", "--complete")
    assert complete.status == 1
    found = complete.json()
    assert {"path": "/child/family_name", "message": "Enter family name."} in found
    assert all(set(entry) == {"path", "message"} for entry in found)


def test_validate_complete_asks_for_a_rationale_when_the_agreed_level_differs(
    cli: Cli, tmp_path: Path
) -> None:
    document = example("caf-assessment")  # of the newest version, which `validate` checks against
    document["level_of_need"] = {"agreed_level": 2}  # the indicators suggest level 3
    path = write_json(tmp_path / "caf.json", document)
    assert cli("validate", "caf-assessment", path, "--json").json() == []  # a draft may wait
    complete = cli("validate", "caf-assessment", path, "--json", "--complete")
    assert complete.status == 1
    assert [entry["path"] for entry in complete.json()] == ["/level_of_need/rationale"]
    assert "differs from the suggested level (3)" in complete.json()[0]["message"]


def test_validate_a_named_version(cli: Cli) -> None:
    result = cli("validate", "tac-review@1.0.0", EXAMPLES / "tac-review" / "full.json")
    assert result.status == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("validate", "caf-asessment", "{examples}/caf-assessment/full.json"),
            "There is no installed form definition for the form 'caf-asessment'. Did you mean 'caf-assessment'?",
        ),
        (
            ("validate", "caf-assessment@9.9.9", "{examples}/caf-assessment/full.json"),
            "There is no installed form definition for version 9.9.9 of the form 'caf-assessment'.",
        ),
        (
            ("validate", "caf-assessment", "{tmp}/missing.json"),
            "{tmp}/missing.json: there is no such file. Check the name and the folder.",
        ),
        (
            ("validate", "caf-assessment", "{tmp}"),
            "{tmp}: the file cannot be read (it is a folder, not a file).",
        ),
        (
            ("validate", "caf-assessment", "{tmp}/bad.json"),
            "{tmp}/bad.json: this is not valid JSON: the file ends before the JSON does (is it cut short?) at line 1, column 12.",
        ),
        (
            ("validate", "caf-assessment", "{tmp}/binary.json"),
            "{tmp}/binary.json: the file cannot be read (it is not UTF-8 text; is it the right file?).",
        ),
        (("frobnicate",), "argument COMMAND: invalid choice: 'frobnicate'"),
        (("validate",), "the following arguments are required: FORM_ID, DATA.json"),
    ],
)
def test_bad_input_is_a_plain_sentence_and_exit_2(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "bad.json").write_text('{"child": {', encoding="utf-8")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00\x81garbage")
    expand = {"examples": str(EXAMPLES), "tmp": str(tmp_path)}
    result = cli(*(a.format(**expand) for a in args))
    assert result.status == 2
    assert_plain(result)
    assert message.format(**expand) in result.err
    assert result.out == ""


def test_a_document_that_is_not_an_object_is_invalid_not_a_crash(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "list.json", [1, 2, 3])
    result = cli("validate", "caf-assessment", path, "--json")
    assert result.status == 1
    assert result.json() == [
        {
            "path": "",
            "message": "The document must be a JSON object holding the answers of Common Assessment Framework (CAF) assessment.",
        }
    ]


def test_a_bug_is_an_apology_and_a_log_entry_not_a_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, private_home: Path
) -> None:
    from caf_desktop.formengine import validation

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(validation, "findings", explode)
    result = cli("validate", "tac-review", EXAMPLES / "tac-review" / "full.json")
    assert result.status == 70
    assert_plain(result)
    assert "This is a bug" in result.err
    log = (private_home / "logs" / "errors.log").read_text(encoding="utf-8")
    assert "RuntimeError: boom" in log


def test_home_option_is_accepted_everywhere(cli: Cli, tmp_path: Path) -> None:
    result = cli("--home", tmp_path, "forms", "list", "--json")
    assert result.status == 0
    assert json.loads(result.out)


def test_help_lists_the_commands(cli: Cli) -> None:
    result = cli("--help")
    assert result.status == 0
    for command in ("forms", "validate"):
        assert command in result.out
