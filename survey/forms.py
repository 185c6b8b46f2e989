"""What every form of the app shares: the base class, a text field and a select widget for codebook lists.

All exist for speed on the questionnaire's deadline day (bench/load.py): Flask-WTF loads WTForms' own message
catalogue from disk again for every request that validates a form, WTForms renders each <option> through its
generic attribute escaping, and writes each attribute through ``Markup.format`` (Python's string formatter, most of
the cost of an input). Here the catalogue is loaded once per language, the options of a list once per language and
list, and attributes with an f-string: the same markup.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.i18n import messages_path
from wtforms.widgets import Select
from wtforms.widgets import TextInput as WTFormsTextInput
from wtforms.widgets.core import clean_key

from .formatting import page_language


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class SurveyForm(FlaskForm):
    """The base of every form: Flask-WTF's CSRF protection, WTForms' own messages in the visitor's language."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(page_language())


_QUOTE, _QUOTE_ENTITY = Markup('"'), Markup("&quot;")


def html_params(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``: attributes sorted by name, ``True`` alone, ``False`` left out, values escaped
    (tests/test_forms.py holds the two to the same output)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value).replace(_QUOTE, _QUOTE_ENTITY)}"')
    return Markup(" ".join(params))


class TextInput(WTFormsTextInput):
    html_params = staticmethod(html_params)


class TextField(StringField):
    """WTForms' StringField, rendered with the faster ``html_params``."""

    widget = TextInput()


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


# Posted fields a page never writes back (the database-error page's "send again" form): passwords, IINs, personal and
# access codes, one-time nonces. A field named here that was posted comes back as an empty input with its label, to be
# typed again; ``None``: dropped without asking (the page makes a new CSRF token; a stale nonce only restarts a step).
SECRET_FIELDS = {
    "password": (_l("Password"), "password"), "confirm": (_l("Repeat the new password"), "password"),
    "current": (_l("Current password"), "password"), "iin": (_l("IIN (12 digits)"), "text"),
    "code": (_l("Code"), "text"), "nonce": None, "csrf_token": None,
}


def split_secrets(posted) -> tuple[list[tuple[str, str]], list[tuple[str, Any, str]]]:
    """A posted form (a MultiDict) as (the name/value pairs that may be written back into a page, and the
    (name, label, input type) of each secret field that was posted and must be typed again)."""
    kept, retype = [], {}
    for name, values in posted.lists():
        if name not in SECRET_FIELDS:
            kept.extend((name, value) for value in values)
        elif SECRET_FIELDS[name] is not None and any(values):
            retype[name] = (name, *SECRET_FIELDS[name])
    return kept, list(retype.values())
