"""ИИС ЦОН 2.0 — the front offices: electronic queue, pick-up of the VIN registration's
documents (V20–V22), SMS centre."""
