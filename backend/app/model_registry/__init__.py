"""Model registry: versions of trained models, their artifacts and model cards."""
