"""The serving worker process: loads LLMs and generates, away from the API's event loop."""
