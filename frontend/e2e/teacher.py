"""The end-to-end test's stand-in for an outside teacher provider: the backend tests' local
OpenAI-compatible server on a fixed port, until killed. Its second model is a careless teacher
that reads 好 and 推荐 as praise (it misses 喜欢, and a friend's recommendation sways it), so
the two disagree on rows with 喜欢 alone and on complaints about what a friend recommended.
Usage: teacher.py PORT (with PYTHONPATH=backend)."""

import json
import sys
import threading
from typing import Any

from tests.llm_providers.teacher_server import TeacherServer, label_by_keyword

CARELESS_MODEL = "deepseek-chat"


def answer(model: str, prompt: str, body: dict[str, Any]) -> str:
    """The keyword label; the careless model calls a text positive when it has 好 or 推荐."""
    if model != CARELESS_MODEL:
        return label_by_keyword(model, prompt, body)
    text = prompt.rsplit("文本：", 1)[-1]
    label = "正面" if ("好" in text or "推荐" in text) else "负面"
    return json.dumps({"label": label}, ensure_ascii=False)


if __name__ == "__main__":
    TeacherServer(answer=answer, port=int(sys.argv[1])).start()
    print(f"teacher listening on 127.0.0.1:{sys.argv[1]}", flush=True)
    threading.Event().wait()
