"""ПШЭП — payments of duties and fees."""
