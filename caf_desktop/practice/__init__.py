"""Practice built in: threshold guidance (the continuum of need), consent and sharing, drift, safeguarding, and how a new record starts from a case.

May use `formengine` and `common`; never the store, trust, sync or paper (those call practice, and pass it what it needs).
"""
