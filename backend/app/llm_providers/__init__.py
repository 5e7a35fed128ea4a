"""Teacher LLM providers: admin settings, SSRF-safe connections, one openai client for all."""
