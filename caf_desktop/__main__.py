"""Lets `python -m caf_desktop` behave exactly like the `caf-desktop` command."""

from caf_desktop.launcher import main

if __name__ == "__main__":
    main()
