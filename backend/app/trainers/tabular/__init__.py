"""Tabular trainers: LightGBM (default), scikit-learn HistGradientBoosting, linear baselines."""
