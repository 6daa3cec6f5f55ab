"""Dagster-free foundations every package may import: settings, vocabulary, checksums, code version,
disclosure control, the refresh lock and atomic file operations. Imports nothing of the project."""
