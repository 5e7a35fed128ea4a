"""OpenAI-compatible serving of the platform's LLMs (/v1) and the per-project API keys."""
