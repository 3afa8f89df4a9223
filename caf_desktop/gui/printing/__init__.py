"""Export to PDF, print preview and printing."""
