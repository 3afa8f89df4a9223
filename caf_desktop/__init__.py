"""CAF Desktop: offline Common Assessment Framework and Team Around the Child records."""

__version__ = "0.1.0"
