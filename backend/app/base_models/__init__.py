"""Base models for fine-tuning: local folders under MODEL_STORAGE_PATH/base/ (admin endpoint)."""
