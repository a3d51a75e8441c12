"""НУЦ — test CA, OCSP, CRL, signature checks."""
