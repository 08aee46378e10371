"""The vocabulary of the knowledge graph: every IRI the code writes comes from here.

`COOP` is the ontology (classes and properties, defined in ontology/cooperation.ttl),
`ID` the namespace of the things the graph describes (entities, documents, assertions).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from .prefixes import DOCUMENT_IRI_PREFIX, ONTOLOGY_IRI, PREFIX_IRIS, sparql_prefixes  # noqa: F401  (part of this module's interface)

ID = Namespace(PREFIX_IRIS["id"])

SCHEMA = Namespace(PREFIX_IRIS["schema"])
ORG = Namespace(PREFIX_IRIS["org"])
WD = Namespace(PREFIX_IRIS["wd"])


class COOP(DefinedNamespace):
    """Terms of ontology/cooperation.ttl; a misspelt term fails at import, not in a query."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # top classes (the seven the gold annotations use; kg.classes reads the tree)
    Organization: URIRef
    Country: URIRef
    Place: URIRef
    Event: URIRef
    Program: URIRef
    Facility: URIRef
    Person: URIRef
    # finer classes
    GovernmentAgency: URIRef
    IntergovernmentalOrganization: URIRef
    Company: URIRef
    ResearchOrganization: URIRef
    Network: URIRef
    Province: URIRef
    City: URIRef
    Region: URIRef
    Fund: URIRef
    # provenance
    Document: URIRef
    Assertion: URIRef
    Figure: URIRef
    ReferenceGraph: URIRef
    ReferenceFact: URIRef

    # relations
    partOf: URIRef
    heldIn: URIRef
    locatedIn: URIRef
    memberOf: URIRef
    organizedBy: URIRef
    participatesIn: URIRef
    cooperatesWith: URIRef
    established: URIRef
    supports: URIRef
    serves: URIRef

    # entity attributes
    isoCode: URIRef
    isoAlpha3: URIRef
    acronym: URIRef
    edition: URIRef
    date: URIRef
    mentionedIn: URIRef
    listedIn: URIRef
    reports: URIRef

    # figures
    value: URIRef
    qualifier: URIRef
    counts: URIRef
    asOf: URIRef

    # evidence
    sentence: URIRef
    startChar: URIRef
    endChar: URIRef
    rule: URIRef
    confidence: URIRef

    # documents
    sha256: URIRef
    sourcePath: URIRef


RELATIONS = {
    name: getattr(COOP, name)
    for name in (
        "partOf", "heldIn", "locatedIn", "memberOf", "organizedBy",
        "participatesIn", "cooperatesWith", "established", "supports", "serves",
    )
}
SYMMETRIC_RELATIONS = {"cooperatesWith"}

PREFIXES = {
    "coop": COOP._NS,
    "id": ID,
    "schema": SCHEMA,
    "org": ORG,
    "wd": WD,
}


def slug(text: str) -> str:
    """A readable, stable IRI segment: ASCII, lower case, hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    return ascii_text[:80] or "x" + hashlib.sha1(text.encode()).hexdigest()[:10]


def entity_iri(key: str) -> URIRef:
    """The IRI of an entity from its canonical key (see kg.resolve); equal keys, equal IRIs."""
    return ID[key]


def document_iri(name: str) -> URIRef:
    """A document is known by its name: its path relative to the folder it was built from, or
    its file name when the file itself was given (kg.ingest), so a changed text keeps its IRI
    and replaces itself. Two different names never share an IRI: letters and digits of any
    script, and - . _ ~ /, are kept as they are (Unicode NFC, case kept), every other
    character is percent-encoded, so "東京.txt", "a b.txt" and "A.B.txt" stay apart."""
    return URIRef(DOCUMENT_IRI_PREFIX + iri_path(name))


def iri_path(name: str) -> str:
    """`name` as an IRI path, readable and one-to-one (see document_iri)."""
    kept = []
    for char in unicodedata.normalize("NFC", name):
        if char.isalnum() or char in "-._~/":
            kept.append(char)
        else:  # surrogates stand for bytes of a file name that was not UTF-8
            kept.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(kept)


def assertion_iri(*parts: object) -> URIRef:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return ID["assertion/" + digest]


def figure_iri(*parts: object) -> URIRef:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return ID["figure/" + digest]
