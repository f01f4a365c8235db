"""Privacy detector benchmark: duet's detector against plain Presidio on public PII data."""
