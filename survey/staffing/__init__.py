"""THE staffing metrics of CODEBOOK §7: SQL aggregates per organization, roll-ups by summing numerators and
denominators. The director dashboard, the progress board and every workbook read their numbers here."""

from .metrics import (
    AREA_LEVELS,
    METRIC_CODES,
    Metrics,
    OrgMetrics,
    SubjectCover,
    norms_from_config,
    org_metrics,
    rollup,
    total,
)

__all__ = [
    "AREA_LEVELS",
    "METRIC_CODES",
    "Metrics",
    "OrgMetrics",
    "SubjectCover",
    "norms_from_config",
    "org_metrics",
    "rollup",
    "total",
]
