"""Agent runtimes: tmux sessions, runtime presets and the scripted agent."""
