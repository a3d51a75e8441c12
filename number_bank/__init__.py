"""БМГ — the bank of number plates."""
