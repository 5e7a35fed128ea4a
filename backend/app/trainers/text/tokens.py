"""Word tokens for any mix of languages, for the TF-IDF word features.

Runs of Chinese characters are segmented into words with jieba (its dictionary ships inside
the package; it is loaded once per process, quietly, and only when a text holds Chinese).
Runs of other letters and digits (Latin, Cyrillic, Korean, kana …) are words of two or more
characters, split at spaces and punctuation. The function is referenced by the saved model,
so training and serving tokenise the same way.
"""

import functools
import logging
import re
import threading
from typing import Any

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
RUNS = re.compile(rf"[{HAN}]+|[^\W_{HAN}]{{2,}}")
HAN_RUN = re.compile(rf"[{HAN}]")
_init_lock = threading.Lock()


@functools.cache
def _segmenter() -> Any:
    """jieba's tokenizer with its dictionary loaded (cached on disk by jieba itself)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def chinese_segmenter() -> Any:
    """The process-wide jieba tokenizer (built once, even with concurrent callers)."""
    with _init_lock:
        return _segmenter()


def word_tokens(text: str) -> list[str]:
    """Words of one text: jieba words inside Chinese runs, other words of 2+ characters."""
    tokens: list[str] = []
    for run in RUNS.findall(text):
        if HAN_RUN.match(run):
            tokens.extend(chinese_segmenter().cut(run, HMM=True))
        else:
            tokens.append(run)
    return tokens
