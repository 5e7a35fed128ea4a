"""Datasets: upload, formats and encodings, profiling, validation for a task, splits."""
