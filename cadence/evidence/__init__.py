"""Leadership evidence: exports of the record and the monthly council report."""
