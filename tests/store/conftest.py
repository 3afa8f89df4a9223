"""Fixtures for the store's tests: the same tests run on SQLCipher and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 on this machine. Each test module creates its own database
(`Store.open_url` migrates it) and drops it at the end; every test starts with its tables emptied, which
is much faster than a database per test (about 0.2 s each to create and migrate; copying a migrated
template is slower still). Tests that need a brand-new database ask for `fresh=True`.
Without a server the PostgreSQL half is skipped with a reason, or fails when CAF_DESKTOP_REQUIRE_TOOLS
is set (as CI does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from caf_desktop.store.store import Profile, Store

PASSPHRASE = "correct horse battery staple"
PROFILE = Profile("Test Worker", "Family support worker", "Fictonwood Early Help")
KDF_COST = 2**12  # a low scrypt cost keeps the tests fast; the app uses keyfile.DEFAULT_COST

PG_SERVER = "127.0.0.1:5432"
PG_ADMIN_URL = f"postgresql://postgres@{PG_SERVER}/postgres"
BACKENDS = ("sqlcipher", "postgresql")


def pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@{PG_SERVER}/{name}"


def _tool_missing(reason: str) -> None:
    if os.environ.get("CAF_DESKTOP_REQUIRE_TOOLS"):
        pytest.fail(f"{reason} (CAF_DESKTOP_REQUIRE_TOOLS is set, so this is an error)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[object]:
    """An autocommit connection to the server's `postgres` database, for CREATE and DROP DATABASE."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a test dependency
        _tool_missing("psycopg is not installed, so the PostgreSQL store tests cannot run")
    try:
        connection = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        _tool_missing(
            f"PostgreSQL is not reachable at {PG_SERVER} ({type(error).__name__}), so the store's PostgreSQL tests did not run"
        )
    with connection:
        yield connection


def _create_database(admin: object, name: str, template: str | None = None) -> None:
    suffix = f" TEMPLATE {template}" if template else ""
    admin.execute(f'CREATE DATABASE "{name}"{suffix}')  # type: ignore[attr-defined]


def _drop_database(admin: object, name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]


# Children after their parents, so that no foreign key is in the way.
STORE_TABLES = (
    "sync_conflicts",
    "bundle_received_records",
    "bundles_received",
    "bundle_sent_records",
    "bundles_sent",
    "audit_events",
    "consents",
    "revisions",
    "safeguarding_acknowledgements",
    "records",
    "cases",
    "children",
    "meta",
)


@pytest.fixture(scope="module")
def pg_module_database(pg_admin: object) -> Iterator[object]:
    """One database per test module, migrated by the first `Store.open_url`, emptied before each test."""
    import psycopg

    name = f"caf_test_{uuid.uuid4().hex[:16]}"
    _create_database(pg_admin, name)
    try:
        Store.open_url(pg_url(name), actor="Test Worker").close()
        with psycopg.connect(f"postgresql://postgres@{PG_SERVER}/{name}", autocommit=True) as cleaner:
            cleaner.database_name = name  # type: ignore[attr-defined]
            yield cleaner
    finally:
        _drop_database(pg_admin, name)


PgStoreFactory = Callable[..., Store]


@pytest.fixture
def pg_store_factory(request: pytest.FixtureRequest, pg_admin: object) -> Iterator[PgStoreFactory]:
    """Opens PostgreSQL stores for "Test Worker". By default on the module's database, emptied for
    this test; `fresh=True` makes a new, empty database that opening migrates; `name=` reopens a
    database this test already uses (a second connection). Dropped at teardown, engines first."""
    databases: list[str] = []
    stores: list[Store] = []
    emptied: list[bool] = []

    def open_store(
        name: str | None = None, *, fresh: bool = False, actor: str = "Test Worker", profile: bool = True
    ) -> Store:
        if name is None and fresh:
            name = f"caf_test_{uuid.uuid4().hex[:16]}"
            _create_database(pg_admin, name)
            databases.append(name)
        elif name is None:
            cleaner = request.getfixturevalue("pg_module_database")
            name = cleaner.database_name
            if not emptied:
                with cleaner.transaction():  # DELETE: TRUNCATE takes ~60 ms, this ~1 ms
                    for table in STORE_TABLES:
                        cleaner.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
                emptied.append(True)
        store = Store.open_url(pg_url(name), actor=actor)
        stores.append(store)
        if profile:
            store.set_profile(Profile(actor, PROFILE.role, PROFILE.organisation))
        store.database_name = name  # type: ignore[attr-defined]
        return store

    yield open_store
    for store in stores:
        store.close()  # dispose the engine before its database is dropped
    for name in databases:
        _drop_database(pg_admin, name)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "caf-home"


@pytest.fixture
def sqlcipher_store(home: Path) -> Iterator[Store]:
    store = Store.create(home, PASSPHRASE, PROFILE, kdf_cost=KDF_COST)
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest) -> Store:
    """A new, empty store for "Test Worker", on each backend in turn."""
    if backend == "sqlcipher":
        return request.getfixturevalue("sqlcipher_store")
    return request.getfixturevalue("pg_store_factory")()
