"""kgprep: knowledge-annotated pretraining data from raw text."""

__version__ = "0.1.0"
# Bumped whenever an artifact's bytes change for the same input and config.
FORMAT_VERSION = 2
