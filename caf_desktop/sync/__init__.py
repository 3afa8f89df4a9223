"""Sync bundles: export, read and verify, plan and apply an import.

May use `store`, `trust`, `practice`, `formengine` and `common`; never `paper`, the CLI or the GUI.
"""
