"""Evidence: stills, redaction, plate reading, the signed package a violation carries."""
