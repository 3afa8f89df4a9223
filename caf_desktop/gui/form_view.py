"""CONTRACT.md's path for the form view; the widget lives in `caf_desktop.gui.form.view`."""

from caf_desktop.gui.form.view import FormView

__all__ = ["FormView"]
