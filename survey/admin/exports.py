"""The audit log as CSV (rendering only: no queries, no writes), streamed in chunks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from .queries import AuditRow

CSV_COLUMNS = ("id", "created_at", "actor", "action", "target_type", "target_id", "ip", "details")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # spreadsheet formula injection


def audit_csv(rows: Iterable[AuditRow]) -> Iterator[str]:
    """The CSV text in chunks, header first (a byte-order mark lets Excel read the Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for number, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in (row.id, row.created_at.isoformat(), row.actor, row.action,
                                            row.target_type, row.target_id, row.ip,
                                            json.dumps(row.details, ensure_ascii=False, sort_keys=True))])
        if number % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
