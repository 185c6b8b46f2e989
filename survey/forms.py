"""What every form of the app shares: the base class and a select widget for codebook lists.

Both exist for speed on the questionnaire's deadline day (bench/load.py): Flask-WTF loads WTForms' own message
catalogue from disk again for every request that validates a form, and WTForms renders each <option> through its
generic attribute escaping. Here the catalogue is loaded once per language, and the options of a list once per
language and list.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms.i18n import messages_path
from wtforms.widgets import Select, html_params


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class SurveyForm(FlaskForm):
    """The base of every form: Flask-WTF's CSRF protection, WTForms' own messages in the visitor's language."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "en"))


@lru_cache(maxsize=512)
def _options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """Each option as (value, its markup, its markup when selected), escaped once."""
    return tuple((value, f'<option value="{escape(value)}">{escape(label)}</option>',
                  f'<option selected value="{escape(value)}">{escape(label)}</option>') for value, label in choices)


class CodeSelect(Select):
    """WTForms' Select for a flat list of (code, label) pairs, as a SelectField without coercion holds them: the
    same markup as WTForms', with each list's options escaped once per language instead of on every page."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if (self.multiple or getattr(field, "coerce", None) is not str or not isinstance(choices, (list, tuple))
                or any(len(pair) != 2 for pair in choices)):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", None)
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        parts = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, plain, selected in _options(tuple((str(value), str(label)) for value, label in choices)):
            parts.append(selected if value == field.data else plain)  # as WTForms: coerce(value) == data
        parts.append("</select>")
        return Markup("".join(parts))
