"""The applicant's digital documents (M15), issued by the provider's entry (M12)."""
