"""Staffing metrics (CODEBOOK §7) and the progress board, as SQL aggregates returning dataclasses."""
