"""The core questionnaire of CODEBOOK §2: one record per question, in the codebook's order.

Changing a question is changing its record here (plus, for a new answer, a column of ``responses`` and its
migration); the step forms, the rules, the review page, the exports, the Codebook sheet, the flat layout, the
database's CHECK constraints and the XLSForm follow.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from .model import Format, Kind, Page, Question, Questionnaire, When

ONE, MINIMAL = Kind.ONE, "minimal"

CORE = Questionnaire(
    pages=(
        Page("identity", _l("About you"), is_step=False),
        Page("employment", _l("Work at this organization")),
        Page("other_jobs", _l("Other jobs")),
        Page("education", _l("Education, category, experience")),
        Page("work", _l("Development, workload, AI, plans")),
    ),
    questions=(
        # A — identity
        Question("iin", Kind.IIN, _l("IIN (12 digits)"), "identity", mandatory=True,
                 constraint_message=_l("An IIN has 12 digits; the 7th is 1 to 6, the first six are the birth date "
                                       "and the last must match the others: check for a typing error.")),
        Question("last_name", Kind.TEXT, _l("Last name"), "identity", format=Format.NAME, limit=60,
                 mandatory=True, autocomplete="family-name"),
        Question("first_name", Kind.TEXT, _l("First name"), "identity", format=Format.NAME, limit=60,
                 mandatory=True, autocomplete="given-name"),
        Question("middle_name", Kind.TEXT, _l("Middle name (if any)"), "identity", export_label=_l("Middle name"),
                 format=Format.NAME, limit=60, autocomplete="additional-name"),
        Question("consent", Kind.CONSENT, _l("I agree that my answers are processed for the staffing census."),
                 "identity", export_label=_l("Consent to data processing"), mandatory=True,
                 required_message=_l("Your consent is needed to take part in the survey.")),
        # B — employment at this organization
        Question("post", ONE, _l("Post"), "employment", choices="post", appearance=MINIMAL, mandatory=True),
        Question("basis", ONE, _l("Basis of employment"), "employment", choices="basis", appearance=MINIMAL,
                 mandatory=True),
        Question("contract", ONE, _l("Employment contract"), "employment", export_label=_l("Contract"),
                 choices="contract", appearance=MINIMAL, mandatory=True),
        Question("start_date", Kind.DATE, _l("Date you started work here"), "employment",
                 export_label=_l("Start date"), hint=_l("The date of your order of appointment here."),
                 mandatory=True),
        Question("rate", Kind.DECIMAL, _l("Rate (ставка), for example 1 or 1.25"), "employment",
                 export_label=_l("Rate"), hint=_l("%(low)s to %(high)s, in steps of %(step)s."),
                 low=Decimal("0.25"), high=Decimal("2"), step=Decimal("0.25"), mandatory=True,
                 constraint_message=_l("The rate goes in steps of %(step)s: %(low)s, %(second)s, %(third)s … "
                                       "%(high)s.")),
        Question("teaching_hours", Kind.INTEGER, _l("Teaching hours per week at this organization"), "employment",
                 export_label=_l("Teaching hours a week"),
                 hint=_l("Lessons per week at this organization, %(low)s to %(high)s."), low=0, high=40,
                 mandatory=True),
        Question("subjects", Kind.ROWS, _l("Subjects you teach here"), "employment", export_label=_l("Subjects"),
                 hint=_l("One row per subject. The hours of all rows must add up to your teaching hours."),
                 rows_shown=3, row_text=_l("%(subject)s: %(hours)s h"), parts=(
                     Question("subject", ONE, _l("Subject"), choices="subject", appearance=MINIMAL, mandatory=True),
                     Question("hours", Kind.INTEGER, _l("Hours per week"), export_label=_l("Hours a week"), low=1,
                              high=40, mandatory=True),
                     Question("language", ONE, _l("Language of teaching"), export_label=_l("Language"),
                              choices="language", appearance=MINIMAL),
                 )),
        Question("languages", Kind.MANY, _l("Languages you teach in"), "employment",
                 export_label=_l("Languages of teaching"), choices="language", mandatory=True),
        # C — other employment
        Question("other_jobs", Kind.ROWS, _l("Other jobs"), "other_jobs",
                 hint=_l("Other organizations where you work now, if any. Leave the row empty if there are none."),
                 rows_shown=1, row_text=_l("%(org_name)s, %(basis)s, %(hours)s h"), parts=(
                     Question("org_bin", Kind.TEXT, _l("BIN of the organization (if known)"),
                              export_label=_l("BIN of the organization"), format=Format.BIN,
                              constraint_message=_l("A BIN has 12 digits with a valid check digit; leave it empty "
                                                    "if unknown.")),
                     Question("org_name", Kind.TEXT, _l("Name of the organization"), limit=300, mandatory=True,
                              instead="org_bin", required_message=_l("Give the organization's BIN or its name."),
                              in_flat=False),
                     Question("basis", ONE, _l("Basis"), export_label=_l("Basis of employment"), choices="basis",
                              appearance=MINIMAL, mandatory=True),
                     Question("hours", Kind.INTEGER, _l("Hours per week"), export_label=_l("Hours a week"), low=1,
                              high=40, mandatory=True),
                 )),
        # D/E/F — education, category, experience
        Question("education_level", ONE, _l("Level of education"), "education", choices="education_level",
                 appearance=MINIMAL, mandatory=True, personal=True, per_person=True),
        Question("ped_education", ONE, _l("Pedagogical education"), "education", choices="ped_education",
                 appearance=MINIMAL, mandatory=True, personal=True, per_person=True),
        Question("specialty", Kind.TEXT, _l("Specialty in the diploma"), "education", export_label=_l("Specialty"),
                 hint=_l("Not needed if your education is secondary."), limit=200, mandatory=True,
                 asked_when=When("education_level", "secondary", equal=False),
                 required_message=_l("Give the specialty written in your diploma."), personal=True,
                 per_person=True),
        Question("graduation_year", Kind.YEAR, _l("Year of graduation"), "education", low=1900, high=2100,
                 mandatory=True, personal=True, per_person=True),
        Question("category", ONE, _l("Qualification category"), "education", choices="category",
                 appearance=MINIMAL, mandatory=True, personal=True, per_person=True),
        Question("category_year", Kind.YEAR, _l("Year the category was awarded"), "education",
                 export_label=_l("Year of the category"), hint=_l("Not needed if you have no category."), low=1950,
                 high=2100, mandatory=True, asked_when=When("category", "none", equal=False),
                 required_message=_l("Give the year the category was awarded."),
                 not_asked_message=_l("Leave the year empty when you have no category."), personal=True,
                 per_person=True),
        Question("experience_total", Kind.DECIMAL, _l("Total pedagogical experience, years"), "education",
                 export_label=_l("Pedagogical experience, years"), hint=_l("Years, for example 12 or 12.5."),
                 low=0, high=70, places=1, mandatory=True, personal=True, per_person=True,
                 constraint_message=_l("Give years with at most one decimal place, such as 12.5.")),
        Question("experience_org", Kind.DECIMAL, _l("Experience at this organization, years"), "education", low=0,
                 high=70, places=1, mandatory=True, personal=True,
                 constraint_message=_l("Give years with at most one decimal place, such as 12.5.")),
        # G/H/I/J — development, workload, AI, intentions
        Question("pd_hours_3y", Kind.INTEGER, _l("Hours of professional development in the last 3 years"), "work",
                 export_label=_l("Professional development hours in 3 years"), low=0, high=1000, personal=True),
        Question("total_hours_week", Kind.INTEGER, _l("All your working hours here last full week"), "work",
                 export_label=_l("All working hours last week"),
                 hint=_l("Lessons, preparation, meetings and other duties; at least your teaching hours."), low=0,
                 high=80, personal=True),
        Question("ai_use", Kind.YES_NO, _l("Did you use AI tools for work in the last 12 months?"), "work",
                 export_label=_l("Uses AI tools"), personal=True),
        Question("ai_purposes", Kind.MANY, _l("What for?"), "work", export_label=_l("Purposes of AI use"),
                 choices="ai_purposes", asked_when=When("ai_use", "true"),
                 not_asked_message=_l("Choose purposes only if you used AI tools."), personal=True),
        Question("ai_training", ONE, _l("Training in using AI"), "work", export_label=_l("AI training"),
                 choices="ai_training", appearance=MINIMAL, personal=True),
        Question("ai_training_wanted", Kind.YES_NO, _l("Would you like (more) training in using AI?"), "work",
                 export_label=_l("Wants AI training"), personal=True),
        Question("satisfaction", Kind.INTEGER, _l("All in all, I am satisfied with my job"), "work",
                 export_label=_l("Job satisfaction (%(low)s–%(high)s)"), choices="satisfaction",
                 appearance="likert", personal=True),
        Question("plans", ONE, _l("Your plans for the next school year"), "work", export_label=_l("Plans"),
                 choices="plans", appearance=MINIMAL, personal=True),
    ),
)
