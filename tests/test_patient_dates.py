"""Every date a patient reads is worded one way in each language: by Babel on the pages and in
the emails (``screening.i18n.patient_date``), and the same by the rules in their texts
(``rules.dates.format_date``, which may not use Babel). The clinic is in the US: English dates
read "Monday, December 21, 2026"; Spanish ones "lunes 21 de diciembre de 2026", as before.

Regressions of issue 18 ("A US clinic in British English": "Monday 21 December 2026").
"""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date as babel_format_date
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rules.dates import LATEST_DATE, format_date
from screening.i18n import DATE_LOCALES, DATE_PATTERNS, patient_date


def test_english_dates_read_as_in_the_us():
    assert patient_date(date(2026, 12, 21), "en") == "Monday, December 21, 2026"
    assert format_date(date(2026, 12, 21), "en") == "Monday, December 21, 2026"


def test_spanish_dates_read_as_before_with_no_comma_after_the_weekday():
    assert patient_date(date(2026, 12, 21), "es") == "lunes 21 de diciembre de 2026"
    assert format_date(date(2026, 12, 21), "es") == "lunes 21 de diciembre de 2026"


@pytest.mark.parametrize("language", sorted(DATE_PATTERNS))
@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=LATEST_DATE))
@example(day=date(2028, 2, 29))
@example(day=date(2026, 1, 1))
def test_the_rules_word_every_date_as_babel_does(language, day):
    babel = babel_format_date(day, DATE_PATTERNS[language], locale=DATE_LOCALES[language])
    assert format_date(day, language) == babel
    assert patient_date(day, language) == babel


def test_a_page_words_dates_in_its_own_language(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert patient_date(date(2026, 12, 10)) == "jueves 10 de diciembre de 2026"
    with app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert patient_date(date(2026, 12, 10)) == "Thursday, December 10, 2026"
