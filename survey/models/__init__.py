"""Typed SQLAlchemy 2 models, one module per area."""

from .campaigns import AccessLink, Campaign, CampaignQuestionSet
from .geography import District, Organization, Region, localized_name
from .imports import SubmissionImport
from .integrity import ExportJob, Flag
from .plans import GrowthAssumption
from .reports import OrgReport, RequiredHours, RosterEntry, Vacancy
from .responses import Response, ResponseOtherJob, ResponseSubject, ResponseVersion
from .users import AuditEvent, User

__all__ = [
    "AccessLink",
    "AuditEvent",
    "Campaign",
    "CampaignQuestionSet",
    "District",
    "ExportJob",
    "Flag",
    "GrowthAssumption",
    "OrgReport",
    "Organization",
    "Region",
    "RequiredHours",
    "Response",
    "ResponseOtherJob",
    "ResponseSubject",
    "ResponseVersion",
    "RosterEntry",
    "SubmissionImport",
    "User",
    "Vacancy",
    "localized_name",
]
