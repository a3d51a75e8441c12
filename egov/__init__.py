"""`egov`: start, inspect and exercise the whole bus from one command."""
