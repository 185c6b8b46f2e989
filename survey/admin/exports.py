"""The audit log as CSV (rendering only: no queries, no writes)."""

from __future__ import annotations

import csv
import io
import json

from .queries import AuditRow

CSV_COLUMNS = ("id", "created_at", "actor", "action", "target_type", "target_id", "ip", "details")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # spreadsheet formula injection


def audit_csv(rows: list[AuditRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(v) for v in (row.id, row.created_at.isoformat(), row.actor, row.action,
                                            row.target_type, row.target_id, row.ip,
                                            json.dumps(row.details, ensure_ascii=False, sort_keys=True))])
    return buffer.getvalue()
