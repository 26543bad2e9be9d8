"""Connectors: platform APIs and file drops -> landing -> raw tables."""
