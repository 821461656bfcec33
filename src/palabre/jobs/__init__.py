"""Background jobs (imports and trainings started from the web) whose state lives in the
database, so that every server process, and the next one after a restart, sees it."""
