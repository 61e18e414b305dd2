"""refman: a desktop reference manager for PubMed literature."""

__version__ = "0.1.0"
