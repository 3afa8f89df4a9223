"""Schemas that ship with the app: the form-definition meta-schema (and later the ruleset schema)."""
