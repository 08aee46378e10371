"""RDF: an `Extraction` becomes triples in the ontology of ontology/cooperation.ttl.

Facts are plain triples (`?a coop:cooperatesWith ?b`), so simple SPARQL works on the graph
as it is. Their evidence sits beside them: one `coop:Assertion` (an rdf:Statement and a
prov:Entity) per extracted relation, naming the document, the sentence, the character
offsets, the rule and a confidence. ontology/README.md shows the queries for both.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from .model import Extraction
from .namespace import COOP, ID, PREFIXES, SCHEMA, WD, assertion_iri, document_iri, entity_iri, figure_iri
from .text import ORDINAL_WORDS

_GEONAMES = "https://sws.geonames.org/"


def new_graph() -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    return graph


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.bind("skos", SKOS)
    graph.bind("prov", PROV)
    graph.bind("owl", OWL)


def document_triples(extraction: Extraction) -> Graph:
    """The graph of one document: its entities, relations, figures and their provenance."""
    graph = new_graph()
    add_extraction(graph, extraction)
    return graph


def document_statements(extraction: Extraction) -> list[tuple]:
    """The triples of `document_triples`, each once and in the order made, without an rdflib
    Graph: a store takes them as they are, and building the Graph cost more than writing them."""
    collected = _Triples()
    add_extraction(collected, extraction)
    return list(collected)


class _Triples(dict):
    """Triples collected by `add_extraction` as keys, so each is kept once, in order."""

    def add(self, triple: tuple) -> None:
        self[triple] = None


def add_extraction(graph: Graph, extraction: Extraction) -> URIRef:
    document = extraction.document
    doc = document_iri(document.name)
    graph.add((doc, RDF.type, COOP.Document))
    graph.add((doc, RDFS.label, Literal(document.title or document.name)))
    graph.add((doc, SCHEMA.name, Literal(document.title or document.name)))
    graph.add((doc, COOP.sourcePath, Literal(document.name)))
    graph.add((doc, COOP.sha256, Literal(document.sha256)))
    if document.source:
        graph.add((doc, SCHEMA.publisher, Literal(document.source)))
    if document.date:
        graph.add((doc, SCHEMA.datePublished, Literal(document.date, datatype=XSD.date)))

    for entity in extraction.entities.values():
        node = entity_iri(entity.key)
        graph.add((node, RDF.type, getattr(COOP, entity.cls)))
        graph.add((node, RDFS.label, Literal(entity.label)))
        graph.add((node, SKOS.prefLabel, Literal(entity.label)))
        for alias in sorted(entity.aliases):
            graph.add((node, SKOS.altLabel, Literal(alias)))
        graph.add((node, COOP.mentionedIn, doc))
        attributes = entity.attributes
        if "isoCode" in attributes:
            graph.add((node, COOP.isoCode, Literal(attributes["isoCode"])))
        if "isoAlpha3" in attributes:
            graph.add((node, COOP.isoAlpha3, Literal(attributes["isoAlpha3"])))
        if "geonames" in attributes:
            graph.add((node, SKOS.exactMatch, URIRef(f"{_GEONAMES}{attributes['geonames']}/")))
        if "wikidata" in attributes:
            graph.add((node, OWL.sameAs, WD[attributes["wikidata"]]))
        if "acronym" in attributes:
            graph.add((node, COOP.acronym, Literal(attributes["acronym"])))
        if "edition" in attributes:
            graph.add((node, COOP.edition, _edition_literal(attributes["edition"])))
        if "date" in attributes:
            graph.add((node, COOP.date, Literal(attributes["date"])))
            if entity.cls == "Event" and (typed := _iso_date(attributes["date"])) is not None:
                graph.add((node, SCHEMA.startDate, typed))  # queries by year read it

    for relation in extraction.relations:
        subject, obj = entity_iri(relation.subject), entity_iri(relation.object)
        predicate = getattr(COOP, relation.predicate)
        graph.add((subject, predicate, obj))
        evidence = relation.evidence
        node = assertion_iri(document.name, relation.subject, relation.predicate, relation.object, evidence.start)
        graph.add((node, RDF.type, COOP.Assertion))
        graph.add((node, RDF.subject, subject))
        graph.add((node, RDF.predicate, predicate))
        graph.add((node, RDF.object, obj))
        graph.add((node, PROV.wasDerivedFrom, doc))
        graph.add((node, COOP.sentence, Literal(evidence.sentence)))
        graph.add((node, COOP.startChar, Literal(evidence.start)))
        graph.add((node, COOP.endChar, Literal(evidence.end)))
        graph.add((node, COOP.rule, Literal(evidence.rule)))
        graph.add((node, COOP.confidence, _decimal(evidence.confidence)))

    for figure in extraction.figures:
        node = figure_iri(document.name, figure.entity, figure.counts, figure.value, figure.evidence.start)
        graph.add((entity_iri(figure.entity), COOP.reports, node))
        graph.add((node, RDF.type, COOP.Figure))
        graph.add((node, COOP.value, _decimal(figure.value)))
        graph.add((node, COOP.counts, Literal(figure.counts)))
        if figure.qualifier:
            graph.add((node, COOP.qualifier, Literal(figure.qualifier)))
        if figure.as_of:
            graph.add((node, COOP.asOf, Literal(figure.as_of)))
        graph.add((node, PROV.wasDerivedFrom, doc))
        graph.add((node, COOP.sentence, Literal(figure.evidence.sentence)))
        graph.add((node, COOP.startChar, Literal(figure.evidence.start)))
        graph.add((node, COOP.endChar, Literal(figure.evidence.end)))
    return doc


def document_ntriples(extraction: Extraction) -> str:
    """The triples of `document_statements` as N-Triples text, each once and in the order made,
    written from the extraction without making rdflib terms: what a store loads. Making an
    rdflib term (a Literal above all) for every triple cost more than Oxigraph takes to load
    the text. The same lines as the terms would give (tests/test_rdf.py compares them)."""
    document = extraction.document
    lines: dict[str, None] = {}  # each line once, in order, as a Graph keeps each triple once

    def add(subject: str, predicate: str, obj: str) -> None:
        lines[f"{subject} {predicate} {obj} .\n"] = None

    doc = f"<{document_iri(document.name)}>"
    title = _nt_string(document.title or document.name)
    add(doc, _TYPE, f"<{COOP.Document}>")
    add(doc, _LABEL, title)
    add(doc, _NAME, title)
    add(doc, _SOURCE_PATH, _nt_string(document.name))
    add(doc, _SHA256, _nt_string(document.sha256))
    if document.source:
        add(doc, _PUBLISHER, _nt_string(document.source))
    if document.date:
        add(doc, _DATE_PUBLISHED, _nt_literal(Literal(document.date, datatype=XSD.date)))

    for entity in extraction.entities.values():
        node = f"<{entity_iri(entity.key)}>"
        label = _nt_string(entity.label)
        add(node, _TYPE, f"<{getattr(COOP, entity.cls)}>")
        add(node, _LABEL, label)
        add(node, _PREF_LABEL, label)
        for alias in sorted(entity.aliases):
            add(node, _ALT_LABEL, _nt_string(alias))
        add(node, _MENTIONED_IN, doc)
        attributes = entity.attributes
        if "isoCode" in attributes:
            add(node, _ISO_CODE, _nt_string(attributes["isoCode"]))
        if "isoAlpha3" in attributes:
            add(node, _ISO_ALPHA3, _nt_string(attributes["isoAlpha3"]))
        if "geonames" in attributes:
            add(node, _EXACT_MATCH, f"<{_GEONAMES}{attributes['geonames']}/>")
        if "wikidata" in attributes:
            add(node, _SAME_AS, f"<{WD[attributes['wikidata']]}>")
        if "acronym" in attributes:
            add(node, _ACRONYM, _nt_string(attributes["acronym"]))
        if "edition" in attributes:
            add(node, _EDITION, _nt_literal(_edition_literal(attributes["edition"])))
        if "date" in attributes:
            add(node, _DATE, _nt_string(attributes["date"]))
            if entity.cls == "Event" and (typed := _iso_date(attributes["date"])) is not None:
                add(node, _START_DATE, _nt_literal(typed))

    decimals: dict[float, str] = {}  # confidences recur: each written once

    def decimal(value: float) -> str:
        written = decimals.get(value)
        if written is None:
            written = decimals[value] = _nt_literal(_decimal(value))
        return written

    for relation in extraction.relations:
        subject, obj = f"<{entity_iri(relation.subject)}>", f"<{entity_iri(relation.object)}>"
        predicate = f"<{getattr(COOP, relation.predicate)}>"
        add(subject, predicate, obj)
        evidence = relation.evidence
        node = f"<{assertion_iri(document.name, relation.subject, relation.predicate, relation.object, evidence.start)}>"
        add(node, _TYPE, f"<{COOP.Assertion}>")
        add(node, _SUBJECT, subject)
        add(node, _PREDICATE, predicate)
        add(node, _OBJECT, obj)
        add(node, _DERIVED_FROM, doc)
        add(node, _SENTENCE, _nt_string(evidence.sentence))
        add(node, _START_CHAR, _nt_integer(evidence.start))
        add(node, _END_CHAR, _nt_integer(evidence.end))
        add(node, _RULE, _nt_string(evidence.rule))
        add(node, _CONFIDENCE, decimal(evidence.confidence))

    for figure in extraction.figures:
        node = f"<{figure_iri(document.name, figure.entity, figure.counts, figure.value, figure.evidence.start)}>"
        add(f"<{entity_iri(figure.entity)}>", _REPORTS, node)
        add(node, _TYPE, f"<{COOP.Figure}>")
        add(node, _VALUE, decimal(figure.value))
        add(node, _COUNTS, _nt_string(figure.counts))
        if figure.qualifier:
            add(node, _QUALIFIER, _nt_string(figure.qualifier))
        if figure.as_of:
            add(node, _AS_OF, _nt_string(figure.as_of))
        add(node, _DERIVED_FROM, doc)
        add(node, _SENTENCE, _nt_string(figure.evidence.sentence))
        add(node, _START_CHAR, _nt_integer(figure.evidence.start))
        add(node, _END_CHAR, _nt_integer(figure.evidence.end))
    return "".join(lines)


# the predicates of document_ntriples, in N-Triples syntax
_TYPE, _LABEL, _NAME, _SOURCE_PATH, _SHA256, _PUBLISHER, _DATE_PUBLISHED = (
    f"<{iri}>" for iri in (RDF.type, RDFS.label, SCHEMA.name, COOP.sourcePath, COOP.sha256, SCHEMA.publisher,
                           SCHEMA.datePublished))
_PREF_LABEL, _ALT_LABEL, _MENTIONED_IN, _ISO_CODE, _ISO_ALPHA3, _EXACT_MATCH, _SAME_AS = (
    f"<{iri}>" for iri in (SKOS.prefLabel, SKOS.altLabel, COOP.mentionedIn, COOP.isoCode, COOP.isoAlpha3,
                           SKOS.exactMatch, OWL.sameAs))
_ACRONYM, _EDITION, _DATE, _START_DATE, _REPORTS = (
    f"<{iri}>" for iri in (COOP.acronym, COOP.edition, COOP.date, SCHEMA.startDate, COOP.reports))
_SUBJECT, _PREDICATE, _OBJECT, _DERIVED_FROM, _SENTENCE, _START_CHAR, _END_CHAR, _RULE, _CONFIDENCE = (
    f"<{iri}>" for iri in (RDF.subject, RDF.predicate, RDF.object, PROV.wasDerivedFrom, COOP.sentence,
                           COOP.startChar, COOP.endChar, COOP.rule, COOP.confidence))
_VALUE, _COUNTS, _QUALIFIER, _AS_OF = (f"<{iri}>" for iri in (COOP.value, COOP.counts, COOP.qualifier, COOP.asOf))

_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_INTEGER = str(XSD.integer)


def _nt_string(text: str) -> str:
    """A plain literal (xsd:string) in N-Triples syntax."""
    return f'"{text.translate(_NT_ESCAPES)}"'


def _nt_integer(number: int) -> str:
    """Literal(number) in N-Triples syntax."""
    return f'"{number}"^^<{_XSD_INTEGER}>'


def nt_term(term) -> str:
    """An rdflib IRI, literal or blank node in N-Triples syntax."""
    if isinstance(term, Literal):
        return _nt_literal(term)
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):  # documents make none; a graph file read in may have them
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


def ntriples(triples: Iterable[tuple]) -> str:
    """rdflib triples as N-Triples lines, written here: rdflib's serializer took longer than a
    store takes to load them."""
    cache: dict = {}  # an entity recurs in many triples: written once
    lines = []
    for triple in triples:
        s, p, o = (cache.get(term) or cache.setdefault(term, nt_term(term)) for term in triple)
        lines.append(f"{s} {p} {o} .\n")
    return "".join(lines)


def _nt_literal(term: Literal) -> str:
    text = _nt_string(str(term))
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^<{term.datatype}>"
    return text


def _decimal(value: float) -> Literal:
    """xsd:decimal from a float, through its shortest decimal text (0.8, not 0.8000000000000000444)."""
    return Literal(Decimal(repr(round(value, 6))).normalize(), datatype=XSD.decimal)


def _iso_date(text: str) -> Literal | None:
    """An ISO 8601 date as typed as it is precise: 2024-05-02, 2024-05 or 2024."""
    for pattern, datatype in ((r"\d{4}-\d{2}-\d{2}", XSD.date), (r"\d{4}-\d{2}", XSD.gYearMonth), (r"\d{4}", XSD.gYear)):
        if re.fullmatch(pattern, text):
            return Literal(text, datatype=datatype)
    return None


def _edition_literal(edition: str) -> Literal:
    digits = "".join(c for c in edition if c.isdigit())
    if digits and len(digits) < 4:
        return Literal(int(digits))
    if edition.lower() in ORDINAL_WORDS:
        return Literal(ORDINAL_WORDS[edition.lower()])
    return Literal(edition)


def merge(graphs: Iterable[Graph]) -> Graph:
    """Union: entity IRIs are deterministic, so the same thing is one node."""
    merged = new_graph()
    for graph in graphs:
        merged += graph
    return merged


__all__ = ["new_graph", "bind_prefixes", "document_triples", "document_statements", "document_ntriples", "nt_term", "ntriples", "add_extraction", "merge", "ID"]
