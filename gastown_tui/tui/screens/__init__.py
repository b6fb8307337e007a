"""The town screen and the dialogs it opens."""
