"""The form view and its field widgets: what a worker types into."""
