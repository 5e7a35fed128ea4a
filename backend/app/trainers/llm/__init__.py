"""Supervised fine-tuning of small chat LLMs with LoRA (task type `llm_sft`)."""

from app.trainers.llm.trainer import LlmSftTrainer

__all__ = ["LlmSftTrainer"]
