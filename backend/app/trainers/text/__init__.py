"""Text classification trainers: TF-IDF + linear baseline and transformer fine-tuning."""
