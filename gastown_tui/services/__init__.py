"""Domain services: plain Python over the ledger, tmux and git (never Textual)."""
