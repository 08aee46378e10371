"""Reported figures and event dates, on sentences written here."""
import pytest

from kg.nlp.figures import parse_date, parse_number


@pytest.mark.parametrize("text, value", [("1,400", 1400), ("653", 653), ("1.5 million", 1.5e6), ("nine", 9), ("x", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, iso", [
    ("June 28, 2012", "2012-06-28"), ("May 2022", "2022-05"), ("2021", "2021"), ("last year", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def figures_of(extraction):
    return {(extraction.entities[f.entity].label, f.value, f.counts, f.qualifier, f.as_of) for f in extraction.figures}


@pytest.mark.parametrize("text, expected", [
    ("By 2023 the Andean Water Network had more than 300 members.",
     ("Andean Water Network", 300.0, "members", "more than", "2023")),
    ("As of March 2025, the Kenya Marine Institute has trained nearly 1,200 technicians.",
     ("Kenya Marine Institute", 1200.0, "technicians", "nearly", "2025-03")),
    ("Chile signed 40 cooperation agreements in 2019.",
     ("Chile", 40.0, "cooperation agreements", None, "2019")),
])
def test_figures_keep_value_count_qualifier_and_date(extract, text, expected):
    assert expected in figures_of(extract(text))


def test_event_date_and_edition(extract):
    extraction = extract("The 5th Andean Water Summit was held in Lima on June 4, 2024.")
    summit = next(e for e in extraction.entities.values() if e.label == "5th Andean Water Summit")
    assert summit.attributes["date"] == "2024-06-04"
    assert summit.attributes["edition"] == "5th"
    assert "Andean Water Summit" in summit.aliases
