"""Training platform backend (企业级小模型训练平台)."""

__version__ = "0.1.0"
