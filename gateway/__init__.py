"""ШЭП — the e-government gateway: routes envelopes by service id to the registries behind it."""
