"""The console's fine-tuning helpers: chat previews, memory estimates, chat with a model version."""
