"""The SMS centre: texts the state services send to phones, kept for testers to read."""
