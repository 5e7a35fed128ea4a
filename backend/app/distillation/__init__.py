"""Distillation: a student trained on a teacher's labels, measured against it on a gold set."""
