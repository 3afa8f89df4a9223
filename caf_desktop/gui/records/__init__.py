"""The records window: the case list, opening, saving and completing records, history."""
