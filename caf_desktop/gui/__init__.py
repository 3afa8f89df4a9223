"""The Qt skin over the core: the only package that imports PySide6."""
