"""What both the exact check (validation) and the compiled one (fastcheck) share: the formats, "today",
blank answers, and a designer's own error message.

It sits below both, so that neither imports the other for these.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import FormatChecker, ValidationError

# --- formats -----------------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
# Ofcom numbering: 10 or 11 digits starting 0 (01, 02, 03, 05, 07, 08, 09), or +44 without the 0.
_UK_PHONE = re.compile(r"^(\+44\s?\(?0?\)?|0)(\d\s?){9,10}$")
# The shape of a full UK postcode (outward code, space optional, inward code), plus GIR 0AA.
_UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$", re.IGNORECASE)


def parse_date(value: str) -> dt.date | None:
    """A real calendar date written `YYYY-MM-DD`, or None."""
    if not _DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _is_datetime(value: str) -> bool:
    if not _DATETIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uk_phone(value: str) -> bool:
    compact = re.sub(r"[\s\-]", "", value)
    return bool(_UK_PHONE.match(compact.replace("(", "").replace(")", "")))


format_checker = FormatChecker(formats=())
format_checker.checks("date")(lambda v: not isinstance(v, str) or parse_date(v) is not None)
format_checker.checks("date-time")(lambda v: not isinstance(v, str) or _is_datetime(v))
format_checker.checks("email")(lambda v: not isinstance(v, str) or bool(_EMAIL.match(v)))
format_checker.checks("uk-phone")(lambda v: not isinstance(v, str) or _is_uk_phone(v))
format_checker.checks("uk-postcode")(lambda v: not isinstance(v, str) or bool(_UK_POSTCODE.match(v.strip())))


# --- formatMinimum / formatMaximum (after ajv-formats), with "today" ------------------------------------


# The day a check treats as today; set for the length of one `iter_findings` call.
today: contextvars.ContextVar[dt.date] = contextvars.ContextVar("today")


def bound(value: str, today: dt.date) -> dt.date | None:
    return today if value == "today" else parse_date(value)


# --- the document as it is judged ----------------------------------------------------------------------


def without_blanks(value: Any) -> Any:
    """Blank text counts as unanswered: empty or whitespace-only strings are left out of objects."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if not (isinstance(v, str) and not v.strip())}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value


def custom_message(error: ValidationError) -> str | None:
    """The designer's own `errorMessage` for this error, if the schema has one."""
    schema: Any = error.schema
    custom = schema.get("errorMessage") if isinstance(schema, Mapping) else None
    if isinstance(custom, str):
        return custom
    if isinstance(custom, Mapping) and isinstance(custom.get(str(error.validator)), str):
        return str(custom[str(error.validator)])
    return None
