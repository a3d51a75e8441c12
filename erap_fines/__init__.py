"""ЕРАП — administrative fines by ИИН."""
