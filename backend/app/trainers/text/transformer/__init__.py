"""Transformer fine-tuning for text classification (heavy libraries load inside train())."""

from app.trainers.text.transformer.trainer import TransformerTrainer

__all__ = ["TransformerTrainer"]
