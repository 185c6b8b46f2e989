"""The organization registry: import and upsert (CODEBOOK §1), and the import template."""
