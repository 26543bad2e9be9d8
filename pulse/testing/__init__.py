"""Helpers for tests and benchmarks: throwaway servers (`pulse.testing.postgres`) and shared paths."""
