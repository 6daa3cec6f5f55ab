"""The project's own reference tables (vocabulary, crosswalks, definitions, geo codes, legal bases, cadences)."""
