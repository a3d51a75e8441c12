"""Customs payments by VIN (таможенные платежи): answers through the gateway."""
