"""The kit every service of the bus is built from: only what two or more services share.

settings · db · migrations · seeding · bus · envelope · gateway_client · provider · clock ·
errors · messages · identifiers · logging · app (the service app factory).
"""
