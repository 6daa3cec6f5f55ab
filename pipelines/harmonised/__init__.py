"""The harmonised layer: one canonical fact table, the definitions registry, crosswalks, provenance."""
