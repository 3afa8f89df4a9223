"""The store: records, children, cases, revisions, consents and the audit trail, on SQLCipher or PostgreSQL."""
