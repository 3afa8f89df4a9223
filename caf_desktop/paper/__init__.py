"""Paper: drawing a record as a PDF (reportlab) and signing and verifying it (pyHanko).

May use `store`, `trust`, `practice`, `formengine` and `common`; never `sync`, the CLI or the GUI.
"""
