"""Data staging, training, export and evaluation of the classifier (needs the `train` extra)."""
