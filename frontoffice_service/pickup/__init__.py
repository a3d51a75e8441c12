"""The pick-up of the VIN registration's documents at a ЦОН (V20–V22)."""
