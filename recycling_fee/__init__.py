"""recycling fee (Жасыл даму) by VIN."""
