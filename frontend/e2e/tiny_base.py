"""The end-to-end backend's LLM base model: a tiny random Llama (2 layers) whose byte-level BPE
tokenizer is trained here with a ChatML template, saved as safetensors under the folder given.

Run from backend/ (it builds with the tests' helper); nothing is downloaded.
"""

import json
import sys
from pathlib import Path

from tests.tiny_llm import build_chat_base

PLATFORM = {
    "kind": "llm",
    "licence": "Apache-2.0",
    "languages": ["zh", "en"],
    "source": "e2e",
    "notes": "随机初始化的微型模型，只用于端到端测试。",
}


def main(folder: Path) -> None:
    """Build the model in `folder` with its platform.json sidecar."""
    build_chat_base(folder)
    (folder / "platform.json").write_text(
        json.dumps(PLATFORM, ensure_ascii=False), encoding="utf-8"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
