"""The form designer's window: the outline, the properties of the chosen element, and the real form view as the preview, over a `caf_desktop.formengine.drafting.Draft`."""
