"""e-signed sale contracts."""
