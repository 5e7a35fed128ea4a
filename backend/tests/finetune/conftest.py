"""Fine-tuning console fixtures: the serving tests' tiny chat model and server, the dataset team."""

from tests.datasets.conftest import team  # noqa: F401 - fixture
from tests.serving.conftest import chat_templates, register_chat_model, server  # noqa: F401
