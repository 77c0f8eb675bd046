"""Helpers for validating the breath detector on real recordings (test-only: numpy and scipy allowed)."""
