"""`kg push`: send a store's document graphs (or a graph file) to another SPARQL server.

Two standard ways, so any SPARQL 1.1 server will do (Oxigraph, Fuseki, GraphDB, Virtuoso...):

- the Graph Store Protocol (`--graph-store URL`): one HTTP PUT of Turtle per named graph, to
  URL?graph=<document IRI>; PUT replaces the graph, so pushing again is safe;
- SPARQL 1.1 Update (`--endpoint URL`): per graph, one request that drops the graph and
  inserts its triples (INSERT DATA), in one update.

The graph names are the document IRIs, exactly as in the store: nothing lands in an invented
default graph (rdflib's SPARQLUpdateStore would use urn:x-rdflib:default). A graph file
without named graphs goes to the server's default graph, or to --target-graph IRI.

With `prune` and the server's query endpoint, a push of a store also deletes there the document
graphs that are no longer in the store (documents taken out with `kg remove`): only graphs
named like coop-kg documents, so other data on the server is never touched.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlencode

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.query import Result

from .namespace import document_iri
from .sparql import to_oxigraph
from .store import Store

# every document graph's IRI starts so (kg.namespace.document_iri)
DOCUMENT_GRAPHS = str(document_iri("x"))[:-1]


class PushError(RuntimeError):
    """A server that refused a graph; the message names the graph, the status and the reason."""


@dataclass(frozen=True)
class Pushed:
    graph: str | None  # None: the default graph
    triples: int
    deleted: bool = False  # pruned: a document graph the store no longer has


def graphs_of(source: Store | Graph, target: str | None = None) -> Iterator[tuple[str | None, bytes, int]]:
    """(graph IRI or None for the default graph, N-Triples, triple count) of what to send."""
    if isinstance(source, Store):
        for name in source.named_graphs():
            quads = source.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(name)))
            triples = [quad.triple for quad in quads]
            yield str(name), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)
    else:
        triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in source]
        yield target, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)


def push(source: Store | Graph, endpoint: str | None = None, graph_store: str | None = None,
         target: str | None = None, timeout: float = 120.0, prune: str | None = None) -> list[Pushed]:
    """Send every graph of `source`; the Graph Store Protocol when `graph_store` is given,
    else SPARQL Update to `endpoint`. With `prune`, the server's SPARQL query endpoint, also
    delete there the document graphs `source` (a Store) does not hold."""
    if not (endpoint or graph_store):
        raise PushError("give a SPARQL Update endpoint or a Graph Store Protocol URL")
    if prune and not isinstance(source, Store):
        raise PushError("pruning needs a store: a graph file does not say which documents were removed")
    # listed before anything is sent, so that a failure to list changes nothing on the server
    stale = sorted(server_document_graphs(prune, timeout) - {str(g) for g in source.named_graphs()}) if prune else []
    if target is not None:
        try:
            ox.NamedNode(target)
        except ValueError as err:
            raise PushError(f"--target-graph {target!r} is not an IRI: {err}") from err
    done = []
    for name, data, count in graphs_of(source, target):
        if graph_store:
            _send(_graph_url(graph_store, name), "PUT", data, "text/turtle", name, timeout)
        else:
            where = f"GRAPH {ox.NamedNode(name)}" if name else "DEFAULT"
            body = data.decode("utf-8")
            inner = f"GRAPH {ox.NamedNode(name)} {{\n{body}\n}}" if name else body
            update = f"DROP SILENT {where} ;\nINSERT DATA {{\n{inner}\n}}"
            _send(endpoint, "POST", update.encode("utf-8"), "application/sparql-update", name, timeout)
        done.append(Pushed(name, count))
    for name in stale:
        if graph_store:
            _send(_graph_url(graph_store, name), "DELETE", None, None, name, timeout)
        else:
            _send(endpoint, "POST", f"DROP SILENT GRAPH {ox.NamedNode(name)}".encode("utf-8"),
                  "application/sparql-update", name, timeout)
        done.append(Pushed(name, 0, deleted=True))
    return done


def server_document_graphs(query_endpoint: str, timeout: float = 120.0) -> set[str]:
    """The named graphs on the server whose IRIs are coop-kg document IRIs."""
    sparql = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), "
              f"{Literal(DOCUMENT_GRAPHS).n3()})) }}")
    what = "listing the server's graphs"
    body = _request(urllib.request.Request(query_endpoint, data=sparql.encode("utf-8"), method="POST", headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}), what, timeout)
    try:
        answer = Result.parse(BytesIO(body), format="json")
    except Exception as error:  # not a SPARQL JSON result: probably not a query endpoint
        raise PushError(f"{what}: {query_endpoint} did not answer with SPARQL results: {error}") from error
    return {str(row[0]) for row in answer if row[0] is not None}


def _graph_url(graph_store: str, name: str | None) -> str:
    """The Graph Store Protocol URL of graph `name` (None: the default graph)."""
    separator = "&" if "?" in graph_store else "?"
    return f"{graph_store}{separator}{urlencode({'graph': name}) if name else 'default'}"


def _send(url: str, method: str, data: bytes | None, media: str | None, name: str | None,
          timeout: float) -> None:
    headers = {"Content-Type": f"{media}; charset=utf-8"} if media else {}
    _request(urllib.request.Request(url, data=data, method=method, headers=headers),
             name or "the default graph", timeout)


def _request(request: urllib.request.Request, what: str, timeout: float) -> bytes:
    """The body of the answer; a refusal or an unreachable server is a PushError naming `what`."""
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        reason = error.read(500).decode("utf-8", errors="replace").strip()
        raise PushError(f"{what}: {url} answered HTTP {error.code}: {reason or error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise PushError(f"{what}: cannot reach {url}: {getattr(error, 'reason', error)}") from error


__all__ = ["push", "Pushed", "PushError", "graphs_of", "server_document_graphs"]
