"""The form engine: definitions and their checker, validation (and its compiled yes/no check), relevance, the schema tree, JSON Pointers, the editable document, diffs of a record's answers, and changing a published form (`changes`: two versions compared and graded; `migration`: a document moved between them).

Knows forms, not children's services: it imports only `common`. Threshold rules, storage, keys, bundles and paper sit above it and use it.
"""
