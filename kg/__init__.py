"""coop-kg: news about international cooperation in, a knowledge graph out.

The Python API under the `kg` command:

    import kg
    graph = kg.build(["examples/"])               # rdflib.Graph
    result = kg.query(graph, "partners-of", params={"entity": "Brunei"})
    kg.write_graph(graph, "out/graph.ttl")

    kg.build(["articles/"], store="corpus.db")     # into the persistent store, one graph per document
    store = kg.Store.open("corpus.db")
    result = kg.query(store, "partners-of", params={"entity": "Brunei"})
    answer = kg.answer(store, "partners-of", params={"entity": "Brunei"})   # pyoxigraph's terms, no rdflib
    print(kg.format_result(answer, "csv"))
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .query import GraphLoadError, QueryError, canned_queries, format_result, load_graph, resolve_query, rows
from .query import answer as _answer
from .query import query as _run_query
from .sparql import Answer
from .store import Store, StoreError

if TYPE_CHECKING:  # the pipeline imports spaCy: only when text is processed; rdflib when a Graph is
    from rdflib import Graph
    from rdflib.query import Result

    from .pipeline import BuildReport, StoreBuild

__version__ = "0.1.0"


def __getattr__(name: str):
    # kg.export is made of rdflib's serialisers: imported when asked for, not by every `kg` command
    if name == "SERIALIZATIONS":
        from .export import SERIALIZATIONS

        return SERIALIZATIONS
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def build(paths, model: str | None = None, report: BuildReport | None = None, progress: bool = False,
          store: Store | Path | str | None = None, min_confidence: float = 0.0,
          jobs: int = 1) -> Graph | StoreBuild:
    """The knowledge graph of documents (files or folders) as an rdflib Graph; or, given a
    `store` (an open Store or its directory), the documents added to it, unchanged ones
    skipped and changed ones replaced, and a kg.pipeline.StoreBuild saying what was done.
    `report` (a kg.pipeline.BuildReport) collects the files that could not be used; relations
    whose confidence (the relation model's score) is below `min_confidence` are left out;
    `jobs` worker processes extract (the same graph whatever their number)."""
    from functools import partial

    from . import pipeline  # spaCy loads only when text is processed

    source = partial(pipeline.parallel_extractions, jobs=jobs)
    if store is not None:
        return pipeline.build_store(paths, store, model=model, report=report, progress=progress,
                                    source=source, min_confidence=min_confidence)
    return pipeline.build(paths, model=model, report=report, progress=progress, source=source,
                          min_confidence=min_confidence)


def query(graph: Graph | Store, query_or_name: str, params: dict[str, str] | None = None,
          allow_service: frozenset[str] = frozenset()) -> Result:
    """Run a canned query (by name), an .rq file, or SPARQL text on a graph or a Store;
    SERVICE may call only the endpoints in `allow_service` ("*": any), none by default."""
    name, text = resolve_query(query_or_name)
    return _run_query(graph, text, params=params, name=name, allow_service=frozenset(allow_service))


def answer(graph: Graph | Store, query_or_name: str, params: dict[str, str] | None = None,
           allow_service: frozenset[str] = frozenset()) -> Answer | Result:
    """`query`, with a store's answer in pyoxigraph's terms (a kg.sparql.Answer, made without
    importing rdflib); `format_result` and `rows` take it as they take a Result."""
    name, text = resolve_query(query_or_name)
    return _answer(graph, text, params=params, name=name, allow_service=frozenset(allow_service))


def write_graph(graph: Graph, path: Path | str, fmt: str | None = None) -> Path:
    """Serialise atomically; the format comes from the suffix unless given (JSON-LD with the
    coop-kg context); an unknown suffix is refused (kg.export.ExportError)."""
    from .export import write_graph as _write

    return _write(graph, Path(path), fmt)


__all__ = ["build", "query", "answer", "Answer", "Store", "StoreError", "rows", "format_result", "load_graph",
           "write_graph", "canned_queries", "QueryError", "GraphLoadError"]
