"""The end-to-end test's stand-in for an outside teacher provider: the backend tests' local
OpenAI-compatible server on a fixed port, until killed. Its second model is a careless teacher
that reads only 好 as praise (it misses 喜欢), so the two disagree on rows with 喜欢 alone.
Usage: teacher.py PORT (with PYTHONPATH=backend)."""

import json
import sys
import threading
from typing import Any

from tests.llm_providers.teacher_server import TeacherServer, label_by_keyword

CARELESS_MODEL = "deepseek-chat"


def answer(model: str, prompt: str, body: dict[str, Any]) -> str:
    """The keyword label; the careless model calls a text positive only when it has 好."""
    if model != CARELESS_MODEL:
        return label_by_keyword(model, prompt, body)
    text = prompt.rsplit("文本：", 1)[-1]
    return json.dumps({"label": "正面" if "好" in text else "负面"}, ensure_ascii=False)


if __name__ == "__main__":
    TeacherServer(answer=answer, port=int(sys.argv[1])).start()
    print(f"teacher listening on 127.0.0.1:{sys.argv[1]}", flush=True)
    threading.Event().wait()
