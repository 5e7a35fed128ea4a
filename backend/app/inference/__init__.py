"""Serving predictions from registered model versions (LRU cache of loaded predictors)."""
