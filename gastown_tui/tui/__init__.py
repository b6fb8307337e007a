"""The Textual terminal UI: the whole town in one keyboard-driven window."""
