"""The electronic queue of a ЦОН (V20, M5)."""
