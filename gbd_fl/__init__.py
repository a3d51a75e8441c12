"""ГБД ФЛ — the state database of private persons, keyed by ИИН (answers through the gateway)."""
