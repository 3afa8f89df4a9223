"""The encrypted store: SQLCipher on a laptop, PostgreSQL for a team; records, children, revisions, audit, consent, sync bookkeeping and conflicts, and the schema migrations.

May use `trust`, `practice`, `formengine` and `common`; never `sync` or `paper` (they use the store).
"""
