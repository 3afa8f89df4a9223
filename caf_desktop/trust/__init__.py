"""Trust: the user's identity and key file, CMS signatures, and the team (its CA, enrolment, certificates, age recipients).

May use `practice` (the team file carries the locality's rules), `formengine` and `common`.
"""
