"""Recycling fee (утилизационный платёж, operator АО «Жасыл даму») by VIN, through the gateway."""
