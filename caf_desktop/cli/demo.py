"""The `demo` command: fills a home folder with fictional sample cases to try the app."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import paths
from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.store.store import Store


def add_commands(commands: Any) -> None:
    """`demo`."""
    demo = commands.add_parser("demo", help="fill the home folder with fictional sample cases to try the app")
    demo.add_argument(
        "--records", metavar="N", type=cli.count, default=25, help="how many records to add (default: 25)"
    )
    demo.add_argument(
        "--seed", metavar="N", type=int, help="the same seed gives the same cases (default: a fresh set)"
    )
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.demo import generate as demo  # noqa: PLC0415
    from caf_desktop.store.store import (  # noqa: PLC0415
        DATABASE_FILE,
        KEY_FILE,
        Profile,
        Store,
        all_or_nothing,
        refuse_unsuitable_home,
    )

    if cli.database_url(args):
        raise CafError(
            "`caf-desktop demo` fills only the encrypted store in a home folder, never a shared database. "
            f"Run it without --database-url and with {cli.DATABASE_URL_VARIABLE} unset."
        )
    home = paths.home()
    if (home / KEY_FILE).exists() or (home / DATABASE_FILE).exists():
        ids = _fill_with_samples(Store.open(home, cli.ask_passphrase()), args)
        made = ""
    else:
        passphrase = os.environ.get(cli.PASSPHRASE_VARIABLE, "")
        if not passphrase:
            raise CafError(
                f"There is no store of records in {home} yet. Run `caf-desktop init --name NAME` first, "
                f"or set {cli.PASSPHRASE_VARIABLE} and demo makes one for a '{demo.DEMO_USER}'."
            )
        cli.strong_enough(passphrase)
        refuse_unsuitable_home(home)
        try:
            # A store demo makes is made whole with its samples, or not at all (a full disk).
            with all_or_nothing(home):
                profile = Profile(demo.DEMO_USER, "worker", demo.DEMO_ORGANISATION)
                ids = _fill_with_samples(Store.create(home, passphrase, profile), args)
        except OSError as error:
            raise CafError(
                f"The store cannot be made in {home}: {error.strerror or 'the system refused'}. Nothing was "
                "left behind; free some space or choose another --home, then run demo again."
            ) from None
        except CafError as error:
            raise CafError(
                f"{error} Nothing was left behind in {home}; run demo again once that is put right."
            ) from None
        made = f"Created a store for '{demo.DEMO_USER}' in {home}. "
    stdout.write(
        f"{made}Added {len(ids)} fictional sample record{'s' if len(ids) != 1 else ''}. "
        "Every child, family and practitioner in them is invented.\n"
    )
    return cli.EXIT_OK


def _fill_with_samples(store: Store, args: argparse.Namespace) -> list[str]:
    """Adds the demo's fictional records to `store`, and closes it."""
    from caf_desktop.demo import generate as demo  # noqa: PLC0415
    from caf_desktop.store.store import RecordQuery  # noqa: PLC0415

    try:
        # Each run on the same home adds a different set, unless --seed asks for a given one.
        seed = (
            args.seed
            if args.seed is not None
            else demo.DEFAULT_SEED + store.count(RecordQuery(include_deleted=True))
        )
        return list(demo.populate(store, args.records, seed=seed))
    finally:
        store.close()
