"""ГБД ЮЛ — legal entities by БИН."""
