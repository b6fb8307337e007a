"""The ``gt`` command line: verbs for people and for agents (agent-facing verbs start fast)."""
