"""Training jobs API: create, follow, cancel, retry, delete; task types; events and logs."""
