"""Writing graphs and stores to files: Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML.

JSON-LD carries the coop-kg context inline, so the file reads with short names
("cooperatesWith", "label") and needs no network to expand. The context is the package's
ontology/context.jsonld when installed, else one made from the prefixes of kg.namespace.
"""
from __future__ import annotations

import itertools
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import atomic_write_bytes, atomic_write_stream
from .prefixes import PREFIX_IRIS, is_reference_graph, sparql_prefixes

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib import Dataset, Graph
# rdflib and kg.reference are imported where an rdflib graph is written: exporting a store
# through Oxigraph needs neither, and importing them was a good part of `kg export --store`

SERIALIZATIONS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld",
                  ".rdf": "xml", ".owl": "xml", ".xml": "xml"}
QUAD_FORMATS = {"nquads", "trig", "json-ld"}


class ExportError(ValueError):
    """An output file whose format is unknown."""


def format_for(path: Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    try:
        return SERIALIZATIONS[path.suffix.lower()]
    except KeyError:
        raise ExportError(f"{path}: unknown RDF format {path.suffix!r}; use one of "
                          + ", ".join(SERIALIZATIONS)) from None


def jsonld_context() -> dict:
    """The JSON-LD @context of the coop-kg vocabulary."""
    try:
        text = resources.files("kg.ontology").joinpath("context.jsonld").read_text(encoding="utf-8")
        context = json.loads(text)
        return context.get("@context", context)
    except (FileNotFoundError, ModuleNotFoundError, json.JSONDecodeError, AttributeError):
        pass
    from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

    context: dict = dict(PREFIX_IRIS)
    context.update({"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "owl": str(OWL),
                    "skos": str(SKOS), "prov": str(PROV)})
    # the ontology's own terms by their bare names, as in "cooperatesWith": {"@id": ...}
    context["@vocab"] = PREFIX_IRIS["coop"]
    context["label"] = str(RDFS.label)
    return context


def serialize(graph: Graph | Dataset, fmt: str) -> bytes:
    from rdflib import Dataset

    from .reference import reference_only, text_graph

    given_dataset = isinstance(graph, Dataset)
    if not given_dataset:
        # what the texts state is the default graph; the reference facts (kg.reference) are
        # named graphs of their own where the format has them, and left out where it has not
        only_reference, reference = reference_only(graph)
        if fmt in _SORTED_BY_OXIGRAPH:
            # straight to N-Triples: copying what the texts state into a graph of its own cost
            # more than writing it
            written = _sorted_by_oxigraph(itertools.filterfalse(only_reference.__contains__, graph), fmt)
            if written is not None:
                return written
        text = graph = text_graph(graph, only_reference)
        if fmt in QUAD_FORMATS:
            graph = Dataset()
            for prefix, namespace in text.namespaces():
                graph.bind(prefix, namespace)
            graph.default_graph += text
            for name, triples in reference.items():
                graph.graph(name).addN((s, p, o, graph.graph(name)) for s, p, o in triples)
    if fmt == "json-ld":
        return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True,
                               encoding="utf-8")
    if fmt in _SORTED_BY_OXIGRAPH and given_dataset:  # a graph's triples were tried above
        written = _sorted_by_oxigraph(graph, fmt)
        if written is not None:
            return written
    return graph.serialize(format=fmt, encoding="utf-8")


# Turtle and N-Triples of an rdflib graph are written by Oxigraph: rdflib's Turtle serialiser
# was 6% of a build's time, Oxigraph's a fifth of that
_SORTED_BY_OXIGRAPH = {"turtle": "TURTLE", "nt": "N_TRIPLES"}
# "id:" left out: Turtle would escape the slashes of every entity IRI's local name (id:place\/x)
_TURTLE_PREFIXES = {prefix: iri for prefix, iri in sparql_prefixes().items() if prefix != "id"}


def _sorted_by_oxigraph(graph: Graph | Iterable[tuple], fmt: str) -> bytes | None:
    """`graph` (or triples) in Turtle or N-Triples, written by Oxigraph from its triples in sorted order, so
    that each subject's statements stand together and the file is the same for the same graph;
    None for a graph Oxigraph will not write (an IRI rdflib accepted and N-Triples does not),
    which rdflib's serialiser writes then."""
    import pyoxigraph as ox

    from .rdf import ntriples

    lines = sorted(set(ntriples(graph).splitlines(keepends=True)))
    try:
        return ox.serialize(ox.parse("".join(lines), format=ox.RdfFormat.N_TRIPLES),
                            format=getattr(ox.RdfFormat, _SORTED_BY_OXIGRAPH[fmt]),
                            prefixes=_TURTLE_PREFIXES if fmt == "turtle" else None)
    except SyntaxError:
        return None


def write_graph(graph: Graph, path: Path | str, fmt: str | None = None) -> Path:
    """Serialise atomically; the format comes from the suffix unless given."""
    path = Path(path)
    if path.is_dir():
        fmt = fmt or "turtle"  # the write below names the real problem: a folder, not a file
    return atomic_write_bytes(path, serialize(graph, format_for(path, fmt)))


_OXIGRAPH_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG", "xml": "RDF_XML"}


def write_store(store, path: Path | str, fmt: str | None = None) -> Path:
    """A kg.store.Store to a file: N-Quads, TriG and JSON-LD keep one graph per document (and
    the reference graphs, kg.reference); Turtle, N-Triples and RDF/XML hold the union of the
    document graphs (each triple once), what the texts state. Oxigraph writes all but
    JSON-LD straight to the file as it reads the store, so memory stays flat however large the
    store is."""
    import pyoxigraph as ox

    path = Path(path)
    fmt = format_for(path, fmt)
    if fmt not in _OXIGRAPH_FORMATS:
        source = store.to_dataset() if fmt in QUAD_FORMATS else store.to_graph()
        return atomic_write_bytes(path, serialize(source, fmt))
    rdf_format = getattr(ox.RdfFormat, _OXIGRAPH_FORMATS[fmt])
    prefixes = sparql_prefixes() if fmt in ("turtle", "trig") else None
    database = store.oxigraph
    # the document graphs; the store's default graph is their merge, derived, not exported
    if fmt == "nquads":
        def write(handle):  # graph by graph: no filter in Python over every quad (0.7x the time)
            for graph in database.named_graphs():
                ox.serialize(database.quads_for_pattern(None, None, None, graph), handle, rdf_format)
    elif fmt in QUAD_FORMATS:  # TriG: one serialiser, so the prefixes are declared once
        quads = (q for q in database.quads_for_pattern(None, None, None, None)
                 if isinstance(q.graph_name, ox.NamedNode))

        def write(handle):
            ox.serialize(quads, handle, rdf_format, prefixes=prefixes)
    elif only_reference := _only_reference(database):
        def write(handle):  # what the documents state: the merged default graph less reference facts
            # the store's quads as they come, tested by the set's own __contains__: no Python
            # frame and no Triple made per quad (a plain generator cost 0.1x of the dump)
            stated = itertools.filterfalse(only_reference.__contains__,
                                           database.quads_for_pattern(None, None, None, ox.DefaultGraph()))
            ox.serialize(stated, handle, rdf_format, prefixes=prefixes)
    else:
        def write(handle):  # the merged default graph is the union, each triple once
            database.dump(handle, rdf_format, from_graph=ox.DefaultGraph(), prefixes=prefixes)
    return atomic_write_stream(path, write)


def _only_reference(database) -> set:
    """The triples of a store's reference graphs that no document graph states, as quads of the
    default graph (pyoxigraph Quads): a format without named graphs leaves them out, as a build's
    graph file does."""
    import pyoxigraph as ox

    found = set()
    for graph in database.named_graphs():
        if isinstance(graph, ox.NamedNode) and is_reference_graph(graph.value):
            for quad in database.quads_for_pattern(None, None, None, graph):
                stated = database.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
                if not any(isinstance(q.graph_name, ox.NamedNode) and not is_reference_graph(q.graph_name.value)
                           for q in stated):
                    found.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
    return found


__all__ = ["write_graph", "write_store", "jsonld_context", "serialize", "SERIALIZATIONS", "ExportError"]
