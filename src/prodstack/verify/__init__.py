"""`prodstack verify`: live checks of every catalog fix and every part on a deployed stack."""
