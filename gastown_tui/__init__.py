"""gastown-tui: Gas Town, the multi-agent coding town, rebuilt in Python with a Textual face."""

__version__ = "0.1.0"
