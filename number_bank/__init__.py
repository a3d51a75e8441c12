"""БМГ — the bank of state number plates (ГРНЗ for vehicles, МТНБ for machinery).

Answers through the gateway's sync channel; the operations, their rules and the test
scenarios (`number_bank.no_reservation`, `number_bank.region_exhausted`) are described in
`number_bank.routes`, the plate formats in `number_bank.plates`, what the database guarantees
in `number_bank.models`.
"""
