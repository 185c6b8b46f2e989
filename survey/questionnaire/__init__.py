"""The teacher questionnaire: access by link or code, identity, steps with drafts, personal code, edits."""

from flask import Blueprint

bp = Blueprint("questionnaire", __name__, url_prefix="/q")

from . import routes, steps  # noqa: E402,F401


def _register_template_globals(state) -> None:
    """Form helpers for templates, as globals so that imported macros see them too."""
    from .forms import AccessCodeForm, own_errors, summary_entries

    env = state.app.jinja_env
    env.globals.update(own_errors=own_errors, summary_entries=summary_entries,
                       questionnaire_code_form=AccessCodeForm)


bp.record_once(_register_template_globals)
