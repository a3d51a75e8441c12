"""НУЦ — test CA, OCSP, CRL, signature checks.

Two CAs, RSA 2048 with sha256WithRSA (GOST is not modelled): «НУЦ РК Test Root (emulator)»,
the trust anchor, and «ҰКО 3.0 (RSA TEST emulator)», which issues the personal certificates.
Their keys and every persona certificate are made once by `python -m pki.generate` and
committed in `pki/seed_data.json`; the seed copies them into the service's database (table
`authorities`, keys as unencrypted PKCS#8 — a test CA whose keys are public by design). The
personas' own keys are only in `personas/keys/*.p12` (password `Qwerty12`).
"""
