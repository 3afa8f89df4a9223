"""Sending and importing bundles: the export and import dialogs, previews, reports and conflicts."""
