"""The form engine: definitions and their checker, validation (and its compiled yes/no check), relevance, the schema tree, JSON Pointers, the editable document and form diffs.

Knows forms, not children's services: it imports only `common`. Threshold rules, storage, keys, bundles and paper sit above it and use it.
"""
