"""Labeling runs: teacher LLMs label a dataset's rows, cached, paced and within a budget."""
