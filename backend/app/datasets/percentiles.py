"""The one percentile definition of the datasets domain (profile and validation use it)."""

from collections.abc import Sequence

import numpy as np

LENGTH_PERCENTILES = (50, 90, 99)


def percentiles(
    values: np.ndarray, q: Sequence[float], weights: np.ndarray | None = None
) -> list[float]:
    """The q-th percentiles of `values`, each value counted `weights` times (default once).

    numpy's inverted CDF: the smallest value whose cumulative share reaches q, so every
    percentile is a value that occurs in the data (the same with or without weights).
    """
    result = np.percentile(values, list(q), weights=weights, method="inverted_cdf")
    return [float(v) for v in np.atleast_1d(result)]
