"""Tests that reproduce attacks on sign-in, tokens, members and the API contract."""
