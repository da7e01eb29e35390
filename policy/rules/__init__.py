"""Jurisdiction rule sets: their typed schema, the repository's preset files, and the pure
``judge`` that decides one violation's outcome from its facts."""
