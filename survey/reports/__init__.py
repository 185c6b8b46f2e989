"""Staffing workbooks and raw exports: shape rows (rows.py, staffing.py), render them (excel.py), run big ones in
the background (jobs.py), serve them (routes.py)."""
