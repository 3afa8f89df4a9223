"""The desktop app (PySide6, the only room that imports Qt), by window: the form view and its field widgets (`form`), the records window and case list (`records`), sync dialogs (`sync`), printing (`printing`), the team page (`team`) and shared windows and dialogs (`shared`).

A thin skin over the core: it may use every core room, never the CLI.
"""
