from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import Extraction
from kg.pipeline import extract_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nlp():
    from kg.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def extract(nlp):
    """Extraction of a text written in the test."""

    def run(text: str, name: str = "test.txt") -> Extraction:
        return extract_text(text, name=name)

    return run


def names_by_class(extraction: Extraction) -> dict[str, str]:
    """{label: top class} of an extraction, for readable assertions."""
    from kg.nlp.lexicon import TOP_CLASS

    return {e.label: TOP_CLASS[e.cls] for e in extraction.entities.values()}


def relation_labels(extraction: Extraction) -> set[tuple[str, str, str]]:
    entities = extraction.entities
    return {(entities[r.subject].label, r.predicate, entities[r.object].label) for r in extraction.relations}
