"""The one rule set for a teacher response (CODEBOOK §2), used by the web form and the paper import alike.

Pure functions: raw answers in (text as typed, or cells of a spreadsheet), typed values and field-level
errors out. No Flask request, no database.
"""

from .response import (
    ALL_FIELDS,
    LIST_FIELDS,
    MANDATORY,
    PERSONAL_FIELDS,
    READ_WITH,
    Checked,
    FieldError,
    RuleContext,
    check,
    check_complete,
    check_iin,
)

__all__ = [
    "ALL_FIELDS",
    "LIST_FIELDS",
    "MANDATORY",
    "PERSONAL_FIELDS",
    "READ_WITH",
    "Checked",
    "FieldError",
    "RuleContext",
    "check",
    "check_complete",
    "check_iin",
]
