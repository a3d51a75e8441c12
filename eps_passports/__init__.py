"""ЭПТС / ЭПСМ — electronic passports by VIN."""
