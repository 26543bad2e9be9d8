"""Community Pulse: a data warehouse for community marketing."""

__version__ = "0.1.0"
