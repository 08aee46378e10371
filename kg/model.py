"""The data that flows between the steps: documents in, extractions out."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One input text, with what the file says about itself."""

    name: str  # path inside the folder built (or file name): the document's identity
    path: str
    text: str
    sha256: str
    title: str | None = None
    source: str | None = None
    date: str | None = None  # ISO 8601 where the text gives one


@dataclass
class Mention:
    """A name as it stands in a document."""

    text: str
    start: int  # character offsets in Document.text
    end: int
    cls: str  # ontology class local name (top class or subclass)
    sentence: str = ""


@dataclass
class Entity:
    """One real thing within one document, with every name it went by there."""

    key: str  # canonical key, the IRI's local part (see kg.resolve)
    cls: str
    label: str
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # isoCode, wikidata, edition, date...


@dataclass
class Evidence:
    sentence: str
    start: int
    end: int
    rule: str
    confidence: float


@dataclass
class Relation:
    subject: str  # entity keys
    predicate: str  # ontology property local name
    object: str
    evidence: Evidence


@dataclass
class Figure:
    """A number the news reports about an entity: 'over 1,400 members'."""

    entity: str
    value: float
    counts: str  # what is counted ("members")
    qualifier: str | None  # "over", "nearly", ...
    as_of: str | None
    evidence: Evidence


@dataclass
class Extraction:
    """Everything found in one document."""

    document: Document
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
