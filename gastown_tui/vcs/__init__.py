"""Version control: git worktrees, branches and commits for rigs, polecats and the refinery."""
