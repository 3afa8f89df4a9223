"""The command line's pdf and pdf-verify: drawing, signing and checking PDFs."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import jsonfiles, paths
from caf_desktop.common.errors import CafError, InputFileError

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import FormDefinition
    from caf_desktop.store.store import Store
    from caf_desktop.trust.identity import Identity

# How a printed record's status reads on every page, for the status it has once this command is done.
_PERSONAL_DATA = (
    "It holds personal data: keep it as safe as the records, and delete it when it is no longer needed."
)


def add_commands(commands: Any) -> None:
    """Adds this module's subcommands to the `caf-desktop` parser."""
    pdf = commands.add_parser(
        "pdf", help="print a record (or a document file) as a PDF; --sign signs it with your identity"
    )
    pdf.add_argument(
        "source",
        metavar="ID | DATA.json",
        help="a record's id (`records list` shows them), or a document file with --form",
    )
    pdf.add_argument("--form", metavar="FORM_ID", help="the form of DATA.json, optionally with @VERSION")
    pdf.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF to write (must not exist)")
    pdf.add_argument(
        "--sign",
        action="store_true",
        help="sign it with your identity (a record must be complete; it is then marked signed)",
    )
    pdf.set_defaults(handler=_pdf)

    verify = commands.add_parser(
        "pdf-verify", help="check the signatures in a PDF: who signed, when, unchanged since, trusted"
    )
    verify.add_argument("file", metavar="FILE.pdf", help="the PDF to check")
    verify.add_argument(
        "--json", action="store_true", help='print [{"signer", "signed_at", "intact", "trusted", "summary"}]'
    )
    verify.set_defaults(handler=_pdf_verify)


# --- pdf -------------------------------------------------------------------------------------------------


def _exists(out: Path) -> CafError:
    return CafError(f"{out} already exists; nothing was written. Choose a new file name.")


def _is_file_argument(source: str) -> bool:
    """A document file rather than a record id: an existing path, or anything written like a path
    (so a mistyped file name says "no such file", not "no such record")."""
    path = Path(source)
    return path.exists() or path.suffix.lower() == ".json" or len(path.parts) > 1


def _pdf(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    out = Path(args.out)
    if out.exists():  # checked before asking for a passphrase; the write checks again
        raise _exists(out)
    if _is_file_argument(args.source):
        return _pdf_of_file(args, Path(args.source), out, stdout, stderr)
    if args.form:
        raise CafError(
            f"There is no file {args.source}. --form goes with a DATA.json file; "
            "a stored record is printed with its own form, so give its id alone."
        )
    return _pdf_of_record(args, out, stdout)


def _render(definition: FormDefinition, document: dict[str, Any], line: str, author: str | None) -> bytes:
    from caf_desktop.paper.render import render_pdf  # noqa: PLC0415 - reportlab loads only to print

    return render_pdf(definition, document, status_line=line, author=author)


def _signed(pdf: bytes, signer: Identity) -> bytes:
    from caf_desktop.paper.sign import sign_pdf  # noqa: PLC0415

    return sign_pdf(pdf, signer)


def _write(out: Path, pdf: bytes) -> None:
    from caf_desktop.common import atomic  # noqa: PLC0415

    try:
        # Whole or not at all, never over a file that appeared meanwhile, readable by the user only.
        atomic.write_bytes(out, pdf, replace=False)
    except FileExistsError:
        raise _exists(out) from None
    except OSError as error:
        raise CafError(
            f"{out} cannot be written: {error.strerror or 'the system refused'}. Nothing was written."
        ) from None


@contextmanager
def _undone_on_failure(out: Path) -> Iterator[None]:
    """The PDF is written before the store records it; if recording fails, the PDF goes again."""
    try:
        yield
    except BaseException:
        out.unlink(missing_ok=True)
        raise


@contextmanager
def _store(args: argparse.Namespace, passphrase: str | None) -> Iterator[Store]:
    """`cli.opened`, with the passphrase already asked for (the identity needs it too: one prompt)."""
    with cli.opened(args, passphrase=passphrase) as store:
        yield store


def _identity(passphrase: str) -> Identity:
    from caf_desktop.trust.identity import load_identity  # noqa: PLC0415

    signer = load_identity(paths.home(), passphrase)
    cli.redactor.remember(signer.name)
    return signer


def _pdf_of_record(args: argparse.Namespace, out: Path, stdout: TextIO) -> int:
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.paper.render import status_line  # noqa: PLC0415 - reportlab loads only to print
    from caf_desktop.paper.sign import refuse_unfinished  # noqa: PLC0415

    # One prompt serves both the home's store and the identity: they share the passphrase.
    passphrase = cli.ask_passphrase() if args.sign or not cli.database_url(args) else None
    with _store(args, passphrase) as store:
        info = store.get(args.source)
        cli.redactor.remember([info.child, info.lead_professional, info.document])
        if args.sign:
            refuse_unfinished(info.status, unsaved_changes=info.has_unsaved_changes)
        definition = installed_catalogue().get(info.form_id, info.form_version)
        signer = None
        if args.sign:
            assert passphrase is not None  # asked for above whenever signing
            signer = _identity(passphrase)
        status = "signed" if signer is not None and info.status == "complete" else info.status
        profile = store.profile()
        author = signer.name if signer is not None else (profile.name if profile is not None else None)
        pdf = _render(definition, info.document, status_line(status), author)
        if signer is not None:
            pdf = _signed(pdf, signer)
        _write(out, pdf)
        with _undone_on_failure(out):
            if signer is None:
                store.audit("pdf exported", info.id, {"form": definition.key})
            else:
                if status != info.status:
                    store.set_status(info.id, status)
                store.audit(
                    "signed",
                    info.id,
                    {"form": definition.key, "to": "pdf", "certificate": signer.fingerprint},
                )
    what = f"record {info.id} ({definition.title} {definition.version})"
    if signer is None:
        stdout.write(f"Wrote {what} to {out}. {_PERSONAL_DATA}\n")
    else:
        marked = " The record is now marked signed." if status != info.status else ""
        stdout.write(f"Wrote {what} to {out}, signed by {signer.name}.{marked} {_PERSONAL_DATA}\n")
    return cli.EXIT_OK


def _the_document(source: Path, definition: FormDefinition) -> str:
    return f"the document in {source} ({definition.title} {definition.version})"


def _pdf_of_file(args: argparse.Namespace, source: Path, out: Path, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.paper.render import printed_line  # noqa: PLC0415 - reportlab loads only to print
    from caf_desktop.practice import completion  # noqa: PLC0415
    from caf_desktop.store.store import StoreNotInitialised  # noqa: PLC0415

    if not args.form:
        raise CafError(
            f"Say which form {source} is for, with --form FORM_ID. `caf-desktop forms list` shows the forms."
        )
    definition = installed_catalogue().lookup(args.form)
    document = jsonfiles.load(source)
    if not isinstance(document, dict):
        raise InputFileError(f"{source}: this file does not hold a CAF document (it is not a JSON object).")
    cli.redactor.remember(document)
    # A signature vouches for a finished document: the "mark complete" rules, as for a record.
    found = (
        completion.findings(definition, document) if args.sign else validation.findings(definition, document)
    )
    if found:
        for finding in found:
            stdout.write(f"{source}: {finding.path or '/'}: {finding.message}\n")
        problems = f"{len(found)} problem{'s' if len(found) != 1 else ''}"
        check = "complete check: a signed document must be complete" if args.sign else "draft check"
        stderr.write(f"{source}: {problems} found ({check}); nothing was written.\n")
        return cli.EXIT_INVALID
    label = "Not a stored record"
    if not args.sign:
        _write(out, _render(definition, document, printed_line(label), None))
        stdout.write(f"Wrote {_the_document(source, definition)} to {out}. {_PERSONAL_DATA}\n")
        return cli.EXIT_OK
    passphrase = cli.ask_passphrase()
    signer = _identity(passphrase)
    pdf = _signed(_render(definition, document, printed_line(f"{label}; signed"), signer.name), signer)
    _write(out, pdf)
    with _undone_on_failure(out):
        # Every signature made with the identity is in the audit trail, when there is one to keep it.
        try:
            with _store(args, passphrase) as store:
                store.audit(
                    "signed", None, {"form": definition.key, "to": "pdf", "certificate": signer.fingerprint}
                )
        except StoreNotInitialised:
            pass
    stdout.write(
        f"Wrote {_the_document(source, definition)} to {out}, signed by {signer.name}. {_PERSONAL_DATA}\n"
    )
    return cli.EXIT_OK


# --- pdf-verify ------------------------------------------------------------------------------------------


def _pdf_verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.paper.sign import revocations, trust_roots, verify_pdf  # noqa: PLC0415

    path = Path(args.file)
    home = paths.home()
    reports = verify_pdf(
        jsonfiles.read_bytes(path), trust_roots(home), source=str(path), revoked=revocations(home)
    )
    cli.redactor.remember([r.signer for r in reports])
    if args.json:
        cli.print_json([r.as_json() for r in reports], stdout)
    else:
        for number, report in enumerate(reports, start=1):
            stdout.write((f"Signature {number}: " if len(reports) > 1 else "") + report.summary + "\n")
    if not reports:
        stderr.write(
            f"{path} has no digital signatures: nothing in it shows who made it or that it is unchanged.\n"
        )
        return cli.EXIT_INVALID
    broken = sum(1 for r in reports if not r.intact)
    if broken:
        counted = (
            "Its signature is" if len(reports) == 1 else f"{broken} of its {len(reports)} signatures are"
        )
        stderr.write(
            f"{path}: {counted} not intact: the file was changed after it was signed. "
            "Do not rely on it; ask the sender for a fresh copy.\n"
        )
        return cli.EXIT_INVALID
    return cli.EXIT_OK
