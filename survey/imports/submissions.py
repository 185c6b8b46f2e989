"""Questionnaires filled offline in ODK Collect or KoboCollect, read from ODK Central's and KoboToolbox's exports
into the flat layout's answers (by question name), for the paper import's rules and saving
(``survey.questionnaire.paper``).

ODK Central's CSV export (``submissions.csv.zip``, getodk/central-backend ``lib/data/briefcase.js``): a root table
``<form id>.csv`` with ``SubmissionDate``, the fields named by their path below the table with ``-`` between groups
(``employment_page-post``, ``meta-instanceID``), a select_multiple as its names separated by spaces (and, when split,
a column ``<field>/<choice>`` per choice), then ``KEY`` (the submission's first instance id, kept through edits),
``ReviewState`` and others; each repeat a table ``<form id>-<repeat>.csv`` of its fields, ``PARENT_KEY`` (the root's
``KEY``) and ``KEY``. The root table alone (``submissions.csv``) is read too, but refused while the questionnaire has
repeats (subjects, other jobs) that it cannot carry. Submissions rejected in Central's review are left out.

KoboToolbox's export (kobotoolbox/formpack), "XML values and headers": headers ``group/name`` (or ``name`` without
the groups), a select_multiple as its names separated by spaces and a column ``<name>/<choice>`` of 1/0 per
choice, then ``_id``, ``_uuid``, ``_submission_time`` … ``_index``. The XLSX export has a sheet per repeat, whose
rows name their submission by ``_submission__uuid`` (or ``_parent_index``, the ``_index`` of the main sheet); the
CSV export (``;``-separated) has the main table only (refused, as above, while the questionnaire has repeats).
Submissions marked "not approved" are left out. An edit keeps ``meta/rootUuid`` and names the instance it replaces
in ``meta/deprecatedID`` when the export has those columns.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ..questions import Kind, Question, Questionnaire
from ..tabular import Table, TableError, as_text, read_table, sheet_names

SOURCES = ("odk", "kobo")
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024  # a .csv.zip unpacks to at most this much
MAX_ARCHIVE_MEMBERS = 100
ODK_META = frozenset({"submissiondate", "key", "submitterid", "submittername", "attachmentspresent",
                      "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion",
                      "parent_key"})


class UnreadableExport(Exception):
    """The export cannot be read at all (``message`` is translated)."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


@dataclass
class Submission:
    """One submission: its row as the user sees it, its instance ids, and its answers by question name (a
    select_multiple as a list of names, a repeat as a list of rows by part code)."""

    number: int
    instance_id: str
    root_id: str
    deprecated_id: str | None
    values: dict[str, Any]

    @property
    def digest(self) -> str:
        """The answers as read, hashed: an instance imported again with the same digest changes nothing."""
        text = json.dumps(self.values, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Export:
    headers: list[str]  # the question names the export has columns for (org_bin, iin and the answers)
    submissions: list[Submission]
    warnings: list[Any] = field(default_factory=list)


# ---- names ----------------------------------------------------------------------------------------------------

class _Names:
    """Which question a header is: the questions by lower-case name (headers are read in lower case)."""

    def __init__(self, questionnaire: Questionnaire):
        self.by_name = {q.code.lower(): q for q in questionnaire.questions}
        self.by_name.setdefault("org_bin", Question("org_bin", Kind.TEXT, ""))
        self.repeats = [q for q in questionnaire.questions if q.kind is Kind.ROWS]

    def odk(self, header: str) -> Question | None:
        """``group-sub-name`` → the question ``name`` (the longest name the header ends with, as names may hold a
        hyphen); None for a split select_multiple's ``name/choice`` and for Central's own columns."""
        if "/" in header or header in ODK_META:
            return None
        found = [q for name, q in self.by_name.items() if header == name or header.endswith("-" + name)]
        return max(found, key=lambda q: len(q.code), default=None)

    def kobo(self, header: str) -> Question | None:
        """``group/name`` or ``name`` → the question; None for ``name/choice`` of a select_multiple and for
        KoboToolbox's own columns (``_uuid``, ``meta/instanceID`` …)."""
        parts = header.split("/")
        if parts[-1].startswith("_") or parts[0] == "meta":
            return None
        if len(parts) > 1:
            owner = self.by_name.get(parts[-2])
            if owner is not None and owner.kind is Kind.MANY:
                return None
        return self.by_name.get(parts[-1])

    def part(self, repeat: Question, header: str) -> Question | None:
        """A repeat's column (``subjects_hours``, ``group/subjects/subjects_hours``) → the part (``hours``)."""
        name = header.rsplit("/", 1)[-1].rsplit("-", 1)[-1]
        prefix = repeat.code.lower() + "_"
        if not name.startswith(prefix):
            return None
        return next((p for p in repeat.parts if p.code.lower() == name[len(prefix):]), None)

    def repeat_of(self, headers: Iterable[str]) -> Question | None:
        headers = list(headers)
        return next((q for q in self.repeats if any(self.part(q, h) is not None for h in headers)), None)


def _value(question: Question, value: Any) -> Any:
    """A cell as the rules read it: a select_multiple's names as a list, an acknowledged consent ("OK") as yes."""
    text = as_text(value)
    if text is None:
        return None
    if question.kind is Kind.MANY:
        return text.split()
    if question.kind is Kind.CONSENT and text.upper() == "OK":
        return "true"
    return text


def _columns(table: Table, which) -> dict[str, Question]:
    return {h: q for h in table.headers if (q := which(h)) is not None}


def _rows_of(table: Table) -> list[tuple[int, dict[str, Any]]]:
    try:
        return list(table.rows)
    except TableError as exc:
        raise UnreadableExport(exc.message) from exc


def _answers(record: dict[str, Any], columns: dict[str, Question]) -> dict[str, Any]:
    return {q.code: _value(q, record.get(header)) for header, q in columns.items()}


def _items(repeat: Question, names: _Names, table: Table, parent_column: str,
           parent_of=lambda value: value) -> dict[str, list[dict[str, Any]]]:
    """A repeat's rows grouped by the key of the submission they belong to."""
    parts = {h: p for h in table.headers if (p := names.part(repeat, h)) is not None}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for _number, record in _rows_of(table):
        key = parent_of(as_text(record.get(parent_column)) or "")
        grouped.setdefault(key, []).append({p.code: _value(p, record.get(h)) for h, p in parts.items()})
    return grouped


def _table(data: bytes, filename: str, sheet: int = 0) -> Table:
    try:
        return read_table(data, filename, kind="responses", sheet=sheet)
    except TableError as exc:
        raise UnreadableExport(exc.message) from exc


def _uuid(value: Any) -> str:
    return (as_text(value) or "").removeprefix("uuid:")


def _no_missing_repeats(names: _Names, found: Iterable[Question], hint: Any) -> None:
    """Every repeat of the questionnaire has its table: without it the rules that read it (the subjects' hours
    add up to the teaching hours) cannot be met."""
    missing = [q.code for q in names.repeats if q not in set(found)]
    if missing:
        raise UnreadableExport(_l("The export has no table of %(names)s: %(hint)s",
                                  names=", ".join(missing), hint=hint))


# ---- ODK Central ----------------------------------------------------------------------------------------------

def _odk_members(data: bytes) -> list[tuple[str, bytes]]:
    """The CSV tables of Central's .csv.zip, refused when it unpacks to an implausible size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv") and not m.is_dir()]
            if not members or len(members) > MAX_ARCHIVE_MEMBERS:
                raise UnreadableExport(_l("The zip archive holds no CSV tables of an ODK Central export."))
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise UnreadableExport(_l("The zip archive unpacks to an implausible size and was refused."))
            return [(m.filename, archive.read(m)) for m in members]
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise UnreadableExport(_l("The file is damaged or is not a zip archive of ODK Central.")) from exc


def read_odk(data: bytes, filename: str, questionnaire: Questionnaire) -> Export:
    """ODK Central's ``submissions.csv.zip`` (or its root table alone, a .csv)."""
    names = _Names(questionnaire)
    is_zip = data[:4] == b"PK\x03\x04"
    if is_zip and not _is_workbook(data):
        tables = [(name, _table(member, name)) for name, member in _odk_members(data)]
    else:
        tables = [(filename, _table(data, filename))]
    roots = [(name, t) for name, t in tables if "key" in t.headers and "parent_key" not in t.headers]
    if len(roots) != 1:
        raise UnreadableExport(_l("This is not an ODK Central CSV export: its table of submissions (with the columns "
                             "KEY and meta-instanceID) was not found."))
    _root_name, root = roots[0]
    warnings = list(root.warnings)
    columns = _columns(root, names.odk)
    repeats: dict[Question, dict[str, list[dict[str, Any]]]] = {}
    for _name, table in tables:
        if "parent_key" in table.headers and (repeat := names.repeat_of(table.headers)) is not None:
            repeats[repeat] = _items(repeat, names, table, "parent_key")
    _no_missing_repeats(names, repeats, _l("download the export as .csv.zip from ODK Central, with its repeat "
                                           "tables."))
    submissions, rejected = [], 0
    for number, record in _rows_of(root):
        if (as_text(record.get("reviewstate")) or "") == "rejected":
            rejected += 1
            continue
        key = as_text(record.get("key")) or ""
        values = _answers(record, columns)
        for repeat, grouped in repeats.items():
            values[repeat.code] = grouped.get(key, [])
        instance = as_text(record.get("meta-instanceid")) or key
        submissions.append(Submission(number, instance, key or instance,
                                      as_text(record.get("meta-deprecatedid")), values))
    if rejected:
        warnings.append(_l("%(count)s submissions rejected in ODK Central's review were left out.", count=rejected))
    headers = sorted({q.code for q in columns.values()} | {q.code for q in repeats})
    return Export(headers, submissions, warnings)


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


# ---- KoboToolbox ----------------------------------------------------------------------------------------------

def read_kobo(data: bytes, filename: str, questionnaire: Questionnaire) -> Export:
    """KoboToolbox's XLSX export (main sheet and a sheet per repeat) or its CSV export (the main table)."""
    names = _Names(questionnaire)
    main = _table(data, filename)
    if "_uuid" not in main.headers:
        raise UnreadableExport(_l("This is not a KoboToolbox export with XML values and headers: its column _uuid was "
                             "not found. Export again with “XML values and headers”."))
    warnings = list(main.warnings)
    columns = _columns(main, names.kobo)
    rows = _rows_of(main)
    by_index = {as_text(record.get("_index")): _uuid(record.get("_uuid")) for _n, record in rows}
    repeats: dict[Question, dict[str, list[dict[str, Any]]]] = {}
    if data[:4] == b"PK\x03\x04":
        for place, _sheet in enumerate(sheet_names(data)[1:], start=1):
            table = _table(data, filename, place)
            repeat = names.repeat_of(table.headers)
            if repeat is None:
                continue
            if "_submission__uuid" in table.headers:
                repeats[repeat] = _items(repeat, names, table, "_submission__uuid", _uuid)
            else:
                repeats[repeat] = _items(repeat, names, table, "_parent_index", lambda i: by_index.get(i, ""))
    _no_missing_repeats(names, repeats, _l("KoboToolbox's CSV export has no repeat groups: download the XLSX "
                                           "export."))
    submissions, rejected = [], 0
    for number, record in rows:
        if (as_text(record.get("_validation_status")) or "") == "validation_status_not_approved":
            rejected += 1
            continue
        instance = _uuid(record.get("_uuid"))
        values = _answers(record, columns)
        for repeat, grouped in repeats.items():
            values[repeat.code] = grouped.get(instance, [])
        root = _uuid(record.get("meta/rootuuid")) or instance
        deprecated = _uuid(record.get("meta/deprecatedid")) or None
        submissions.append(Submission(number, instance, root, deprecated, values))
    if rejected:
        warnings.append(_l("%(count)s submissions marked “not approved” in KoboToolbox were left out.",
                           count=rejected))
    headers = sorted({q.code for q in columns.values()} | {q.code for q in repeats})
    return Export(headers, submissions, warnings)


def read_export(source: str, data: bytes, filename: str, questionnaire: Questionnaire) -> Export:
    if source == "odk":
        return read_odk(data, filename, questionnaire)
    if source == "kobo":
        return read_kobo(data, filename, questionnaire)
    raise ValueError(f"unknown source {source!r}")
