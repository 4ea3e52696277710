"""Models that ship with kgprep (data files)."""
