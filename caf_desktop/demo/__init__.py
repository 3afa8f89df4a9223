"""Demo data: fictional sample cases to try the app. A tool, not a core service.

Uses the store's public API like any client; only the CLI (`caf-desktop demo`), the benchmarks and the screenshots import it.
"""
