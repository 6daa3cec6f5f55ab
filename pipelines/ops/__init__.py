"""Operations: sensors that refresh when an input changes, and source freshness."""
