"""Use cases: load -> domain rule -> persist. The actor is passed explicitly; services flush, views commit."""
