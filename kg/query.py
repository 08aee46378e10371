"""SPARQL over the graph: canned queries from queries/, checked parameters, reading graph
files, result formats. Running on Oxigraph and binding values is kg.sparql's, below the store."""
from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .prefixes import PREFIX_IRIS, sparql_prefixes  # noqa: F401  (part of this module's interface)
from .sparql import (Answer, QueryError, RemoteCallRefused, bind_value, mentions_service,  # noqa: F401
                     query_variables, refuse_remote_calls, remote_calls, run_oxigraph, valid_iri,
                     with_values)
from .store import Store

# rdflib is imported where a Graph is queried or read: a query on a store is answered in
# pyoxigraph's terms and written out without it (see kg.sparql.Answer)
if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.query import Result

FORMATS = ("table", "csv", "tsv", "json", "turtle")
_RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig",
                ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml"}


class GraphLoadError(ValueError):
    """A graph file that cannot be read; the message names the file, and the line where known."""


@dataclass(frozen=True)
class CannedQuery:
    name: str
    path: Path
    text: str

    @property
    def title(self) -> str:
        return _header_field(self.text, "title") or self.name

    @property
    def description(self) -> str:
        return _header_field(self.text, "question") or ""

    @property
    def parameters(self) -> list[str]:
        return required_parameters(self.text)


def required_parameters(sparql: str) -> list[str]:
    """The parameters a query's header says it needs ("# parameters: a, b — ..."); none for
    "none (optionally ...)" and for a query without the header."""
    declared = (_header_field(sparql, "parameters") or "none").split("\u2014")[0].strip()
    if declared.lower().startswith("none"):
        return []
    return [name.strip() for name in declared.split(",") if name.strip()]


def entity_parameters(sparql: str) -> bool:
    """Does the header say the parameters name entities (by label or IRI)? Then a value that
    names no entity is a mistake to report, not a literal to match."""
    declared = _header_field(sparql, "parameters") or ""
    return "label" in declared and "IRI" in declared


def queries_dir() -> Path:
    """queries/ as installed with the package (the repository's queries/ in a development install).
    Found through the package's own path, not importlib.resources: that import alone costs a few
    milliseconds of every `kg query`."""
    from importlib.util import find_spec

    return Path(next(iter(find_spec("kg.queries").submodule_search_locations)))


def canned_queries() -> dict[str, CannedQuery]:
    """The .rq files of queries/ by name; read again only when a file changes (a long-running
    server sees edits, and a query run in a loop does not read 14 files each time)."""
    folder = queries_dir()
    with os.scandir(folder) as entries:
        files = [(e.name, e.stat()) for e in entries if e.name.endswith(".rq") and e.is_file()]
    stamp = tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in files))
    return dict(_read_canned(str(folder), stamp))


@lru_cache(maxsize=4)
def _read_canned(folder: str, stamp: tuple) -> tuple[tuple[str, CannedQuery], ...]:
    paths = (Path(folder) / name for name, _, _ in stamp)
    return tuple((p.stem, CannedQuery(p.stem, p, p.read_text(encoding="utf-8"))) for p in paths)


def resolve_query(query: str) -> tuple[str, str]:
    """(name, SPARQL text) for an .rq file path, the name of a canned query, or SPARQL text."""
    candidate = Path(query)
    if query.endswith(".rq") or (len(query) < 300 and "\n" not in query and candidate.is_file()):
        if not candidate.is_file():
            raise QueryError(f"{query}: no such query file")
        return str(candidate), candidate.read_text(encoding="utf-8")
    canned = canned_queries()
    if query in canned:
        return query, canned[query].text
    if re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", query, re.IGNORECASE):
        return "query", query
    from difflib import get_close_matches  # only when a name is wrong

    close = get_close_matches(query, list(canned), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise QueryError(
        f"{query!r} is not a query file, a canned query, or SPARQL text; {hint}"
        f"the canned queries: {', '.join(canned) or 'none installed'}"
    )


def prepare(text: str, name: str = "query"):
    """Parse SPARQL once; a syntax error names the query, the line and column."""
    # rdflib builds its SPARQL grammar as it is imported (~0.1 s): only for queries on a
    # Graph, not on a store, which Oxigraph parses
    from pyparsing import ParseException
    from rdflib.plugins.sparql import prepareQuery

    from .namespace import PREFIXES

    try:
        return prepareQuery(text, initNs=PREFIXES)
    except ParseException as err:
        raise QueryError(f"{name}: SPARQL syntax error at line {err.lineno}, column {err.col}: "
                         f"{err.msg}\n  {err.line}\n  {' ' * (err.col - 1)}^") from err
    except Exception as err:  # rdflib raises plain exceptions for some algebra errors
        raise QueryError(f"{name}: invalid SPARQL: {err}") from err


def query(graph, sparql: str, params: dict[str, str] | None = None, name: str = "query",
          allow_service: frozenset[str] = frozenset()) -> Result:
    """Run SPARQL on a graph or a kg.store.Store; `params` bind variables by value (never
    pasted into the text). SERVICE may call only the endpoints in `allow_service` ("*": any);
    by default a query reads local data and nothing else."""
    found = answer(graph, sparql, params, name, allow_service)
    return found.to_result() if isinstance(found, Answer) else found


def answer(graph, sparql: str, params: dict[str, str] | None = None, name: str = "query",
           allow_service: frozenset[str] = frozenset()) -> Answer | Result:
    """`query`, with a store's answer as Oxigraph gives it (a kg.sparql.Answer, made without
    rdflib; format_result writes it as it does a Result); a Graph's is an rdflib Result."""
    check_params(sparql, params or {}, name)
    missing = [p for p in required_parameters(sparql) if p not in (params or {})]
    if missing:
        raise QueryError(f"{name}: needs " + " ".join(f"--param {p}=VALUE" for p in missing)
                         + f" ({_header_field(sparql, 'parameters')})")
    if entity_parameters(sparql):
        for key, value in (params or {}).items():
            _check_entity_named(graph, name, key, value)
    if isinstance(graph, Store):
        return graph.answer(sparql, params=params, name=name, allow_service=allow_service)
    prepared = prepare(sparql, name)
    refuse_remote_calls(prepared.algebra, allow_service, name)
    bindings = {key: bind_value(graph, value) for key, value in (params or {}).items()}
    return graph.query(prepared, initBindings=bindings)


def _check_entity_named(graph, name: str, key: str, value: str) -> None:
    """Refuse a label that names no entity, with the nearest labels there are: otherwise a
    misspelt name runs and answers nothing without a word."""
    if re.match(r"^https?://", value) or re.match(r"^[A-Za-z][\w-]*:[^\s/]", value):
        return  # an IRI: it may well have no label
    if isinstance(graph, Store):
        if graph.find_iri_by_label(value) is not None:
            return
        labels = [row[0].value for row in graph.answer("SELECT DISTINCT ?l WHERE { ?s rdfs:label ?l }").rows]
    else:
        from rdflib import Literal
        from rdflib.namespace import RDFS

        if not isinstance(bind_value(graph, value), Literal):
            return
        labels = sorted({str(label) for label in graph.objects(None, RDFS.label)})
    from difflib import get_close_matches  # only when a name is not found

    close = get_close_matches(value, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise QueryError(f"{name}: parameter {key}: no entity is called {value!r}{hint}")


def check_params(sparql: str, params: dict[str, str], name: str = "query") -> None:
    """Refuse, before anything runs, a parameter the query has no variable for (a misspelt
    name would otherwise be ignored) and an IRI that is not one (the same for a graph and a
    store)."""
    variables = query_variables(sparql)
    for key, value in params.items():
        if key not in variables:
            known = ", ".join(f"?{v}" for v in sorted(variables)) or "none"
            raise QueryError(f"{name}: parameter {key!r}: the query has no variable ?{key} "
                             f"(its variables: {known})")
        if re.match(r"^https?://", value) and not valid_iri(value):
            raise QueryError(f"{name}: parameter {key}: {value!r} is not a valid IRI (spaces, quotes "
                             "and <>{}|^`\\ must be percent-encoded)")


def load_graph(paths: list[Path | str] | Path | str) -> Graph:
    """Read RDF files (format from the suffix) into one graph, naming the bad file and line."""
    from rdflib import Dataset, Graph

    from .rdf import bind_prefixes
    from .reference import add_reference

    if isinstance(paths, (str, Path)):
        paths = [paths]
    graph = Graph()
    bind_prefixes(graph)
    for path in map(Path, paths):
        if not path.is_file():
            raise GraphLoadError(f"{path}: no such graph file")
        fmt = _RDF_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise GraphLoadError(f"{path}: unknown RDF format {path.suffix!r}; use one of "
                                 + ", ".join(sorted(_RDF_FORMATS)))
        try:
            # quads (TriG, N-Quads, JSON-LD with named graphs) are read as their union
            dataset = Dataset()
            if fmt == "json-ld":
                # never fetch a remote @context: the file must stand on its own
                dataset.parse(data=_self_contained_jsonld(path), format=fmt, publicID=path.resolve().as_uri())
            else:
                dataset.parse(path, format=fmt)
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
        except GraphLoadError:
            raise
        except Exception as err:
            raise GraphLoadError(f"{path}: not valid {fmt}: {_parse_problem(err, path, fmt)}") from err
    add_reference(graph)  # a Turtle file holds what the texts state; queries see what a store has
    return graph


def _self_contained_jsonld(path: Path) -> str:
    """The text of a JSON-LD file whose contexts are all inline. rdflib would fetch a context
    given by reference (a URL, or a file name) whatever it is told, so such a file is refused
    before rdflib sees it."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise GraphLoadError(f"{path}: not valid JSON-LD: line {err.lineno}, column {err.colno}: {err.msg}") from None

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            raise GraphLoadError(f"{path}: JSON-LD {key} {item!r} not loaded: coop-kg "
                                                 "fetches nothing; put the context inline")
                walk(value)

    walk(data)
    return text


def format_result(result: Result | Answer, fmt: str = "table") -> str:
    """The W3C result formats (csv, tsv, json), Turtle for graphs, or a text table; of an rdflib
    Result or of a store's Answer, written alike."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        from .rdf import bind_prefixes

        graph = (result.to_result() if isinstance(result, Answer) else result).graph
        bind_prefixes(graph)
        return graph.serialize(format="turtle")
    if result.type == "ASK":
        asked = result.boolean if isinstance(result, Answer) else bool(result.askAnswer)
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": asked})
        return "true" if asked else "false"
    if isinstance(result, Answer):
        names, table, cell = result.vars, result.rows, _OxigraphCell
    else:
        names, table, cell = [str(v) for v in result.vars], result, _RdflibCell
    if fmt == "json":
        if not isinstance(result, Answer):
            return result.serialize(format="json").decode("utf-8")
        return _json(names, table)
    if fmt == "csv":
        return _csv(names, table, cell)
    if fmt == "tsv":
        return _tsv(names, table, cell)
    return _table(names, table, cell)


def rows(result: Result | Answer) -> list[dict[str, str]]:
    """SELECT results as plain dicts of strings (unbound variables left out)."""
    if isinstance(result, Answer):
        return [{n: _OxigraphCell.text(c) for n, c in zip(result.vars, row) if c is not None}
                for row in result.rows]
    names = [str(v) for v in result.vars]
    return [{n: str(row[i]) for i, n in enumerate(names) if row[i] is not None} for row in result]


class _RdflibCell:
    """How each format writes an rdflib term."""

    @staticmethod
    def text(cell) -> str:  # CSV: the IRI, the literal's text, _:id
        from rdflib import BNode

        return f"_:{cell}" if isinstance(cell, BNode) else str(cell)

    @staticmethod
    def n3(cell) -> str:  # TSV: Turtle/N-Triples syntax
        return cell.n3()

    @staticmethod
    def plain(cell) -> str:  # a table: the text alone
        return str(cell)

    @staticmethod
    def iri(cell) -> str | None:
        from rdflib import URIRef

        return str(cell) if isinstance(cell, URIRef) else None


class _OxigraphCell:
    """How each format writes a pyoxigraph term (the same text as for the rdflib term)."""

    @staticmethod
    def text(cell) -> str:
        return f"_:{cell.value}" if isinstance(cell, ox.BlankNode) else cell.value

    @staticmethod
    def n3(cell) -> str:
        return str(cell)

    @staticmethod
    def plain(cell) -> str:
        return cell.value

    @staticmethod
    def iri(cell) -> str | None:
        return cell.value if isinstance(cell, ox.NamedNode) else None


def _table(names: list[str], table, cell) -> str:
    from rich.console import Console
    from rich.table import Table

    shown = Table(show_lines=False)
    for name in names:
        shown.add_column(name, overflow="fold")
    count = 0
    for row in table:
        shown.add_row(*[_short(c, cell) for c in row])
        count += 1
    buffer = io.StringIO()
    Console(file=buffer, width=160, force_terminal=False, color_system=None).print(shown)
    return buffer.getvalue() + f"{count} row{'s' if count != 1 else ''}\n"


def _csv(names: list[str], table, cell) -> str:
    """SPARQL 1.1 CSV, as rdflib writes it: written here, because rdflib's writer comes with its
    whole SPARQL engine, whose import took most of a `kg query --store` command's time."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in table:
        writer.writerow(["" if c is None else cell.text(c) for c in row])
    return buffer.getvalue()


def _tsv(names: list[str], table, cell) -> str:
    """SPARQL 1.1 TSV: a header of ?variables, then terms in Turtle/N-Triples syntax."""
    lines = ["\t".join(f"?{v}" for v in names)]
    for row in table:
        lines.append("\t".join("" if c is None else cell.n3(c) for c in row))
    return "\n".join(lines) + "\n"


_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _json(names: list[str], table: list[tuple]) -> str:
    """SPARQL 1.1 JSON of pyoxigraph terms, as rdflib writes it for the same rdflib terms."""
    def term(cell) -> dict[str, str]:
        if isinstance(cell, ox.NamedNode):
            return {"type": "uri", "value": cell.value}
        if isinstance(cell, ox.BlankNode):
            return {"type": "bnode", "value": cell.value}
        written = {"type": "literal", "value": cell.value}
        if cell.language:
            written["xml:lang"] = cell.language
        elif cell.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
            written["datatype"] = cell.datatype.value
        return written

    bindings = [{n: term(c) for n, c in zip(names, row) if c is not None} for row in table]
    return json.dumps({"results": {"bindings": bindings}, "head": {"vars": names}},
                      allow_nan=False, ensure_ascii=False)


def _short(value, cell) -> str:
    """A table cell: IRIs in coop-kg's namespaces prefixed, other terms as their text."""
    if value is None:
        return ""
    iri = cell.iri(value)
    if iri is None:
        return cell.plain(value)
    for prefix, namespace in PREFIX_IRIS.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _header_field(text: str, field: str) -> str | None:
    match = re.search(rf"^#\s*{field}\s*:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else None


def _parse_problem(err: Exception, path: Path, fmt: str) -> str:
    """Where and what: the line and the reason, whichever parser failed."""
    why = getattr(err, "_why", None)  # rdflib's Turtle/TriG parser (BadSyntax)
    if why is not None:
        text = err._str.decode("utf-8", errors="replace")
        near = text[err._i:err._i + 40].split("\n")[0]
        return f"line {err.lines + 1}: {why}, at {near!r}"
    if fmt in ("nt", "nquads"):  # the line-based parsers do not say which line
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            try:
                from rdflib import Dataset

                Dataset().parse(data=line, format=fmt)
            except Exception as line_err:
                return f"line {number}: {_first_line(line_err)}"
    return _first_line(err)


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


__all__ = ["query", "answer", "load_graph", "format_result", "resolve_query", "canned_queries", "rows",
           "QueryError", "GraphLoadError"]
