"""Password and key strength: zxcvbn's guess estimate plus a check against common passwords."""

from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# zxcvbn refuses longer input; the first 72 characters decide (as for bcrypt).
ESTIMATE_LENGTH = 72


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """True when the password (any case) is on zxcvbn's list of ~30,000 leaked passwords."""
    return password.lower() in _common_passwords()


def estimate(password: str, user_inputs: list[str] | None = None) -> dict[str, object]:
    """zxcvbn's result (score 0-4, guesses_log10, feedback) for the password's first 72 chars."""
    return zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=[u for u in user_inputs or [] if u])


def estimated_guesses_log10(value: str) -> float:
    """log10 of the guesses zxcvbn estimates an attacker needs."""
    return float(estimate(value)["guesses_log10"])  # type: ignore[arg-type]
