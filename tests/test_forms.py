"""The shared form pieces of survey/forms.py render exactly what WTForms would."""

from hypothesis import given, strategies as st
from markupsafe import Markup
from wtforms import Form, StringField
from wtforms.widgets import html_params as wtforms_html_params

from survey.forms import TextField, html_params

keys = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
values = st.one_of(st.booleans(), st.integers(), st.text(max_size=30), st.text(max_size=30).map(Markup))


@given(st.dictionaries(keys, values, max_size=6))
def test_html_params_writes_what_wtforms_writes(attributes):
    assert html_params(**attributes) == wtforms_html_params(**attributes)
    assert isinstance(html_params(**attributes), Markup)


def test_a_text_field_renders_as_wtforms_string_field():
    class Theirs(Form):
        name = StringField("Name", render_kw={"maxlength": 60, "autocomplete": "off"})

    class Ours(Form):
        name = TextField("Name", render_kw={"maxlength": 60, "autocomplete": "off"})

    typed = {"name": '"><script>alert(1)</script>'}
    theirs, ours = Theirs(data=typed), Ours(data=typed)
    assert ours.name(**{"aria-describedby": "name-hint", "aria-invalid": "true"}) == theirs.name(
        **{"aria-describedby": "name-hint", "aria-invalid": "true"})
    assert "<script>" not in ours.name() and "&lt;script&gt;" in ours.name()
