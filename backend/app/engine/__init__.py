"""The job engine: claim, run, supervise and reap jobs of every registered kind."""
