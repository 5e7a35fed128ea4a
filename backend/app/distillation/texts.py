"""How texts are compared between the gold set and the labeled data."""

import unicodedata
from typing import Any

import pandas as pd


def normalised(text: Any) -> str | None:
    """The text as compared (NFKC, surrounding whitespace removed); None for a missing text.

    NFKC makes a text typed with full-width letters, digits or punctuation (ＡＢＣ，１２３) and
    the same text typed half-width one text.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    return unicodedata.normalize("NFKC", str(text)).strip()
