"""ГБД ЮЛ — the state database of legal entities, keyed by БИН (answers through the gateway)."""
