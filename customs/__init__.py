"""customs payments by VIN."""
