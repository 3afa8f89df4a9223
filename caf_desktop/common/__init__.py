"""The ground floor: the error family, findings, safe file writing, JSON files with limits, the app's folders, UK time, library warnings.

Owns nothing about forms, children or trust. Imports only the standard library and platformdirs; every other room may use it.
"""
