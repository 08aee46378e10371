"""SPARQL below the store: terms between rdflib and Oxigraph, parameters bound as values,
queries run on Oxigraph with their answers in pyoxigraph's terms or as rdflib Results, and calls to other endpoints
(SERVICE, LOAD) refused unless allowed.

Parameters reach every engine the same way, as a VALUES block that `with_values` writes
first in the WHERE clause, terms checked and escaped: pyoxigraph's `substitutions=` binds only
variables the query projects (SEP-0007), and the canned queries take parameters they do not
project (cooperation-between's ?a and ?b); a remote endpoint takes text alone anyway.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .prefixes import COMMON_PREFIX_IRIS, PREFIX_IRIS, sparql_prefixes

# rdflib is imported where its terms are made, not here: a query on the store answers in
# pyoxigraph's terms (`Answer`), and importing rdflib took most of a `kg query --store`
# command's start-up
if TYPE_CHECKING:
    from rdflib import Graph, Literal, URIRef
    from rdflib.query import Result

_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = COMMON_PREFIX_IRIS["xsd"] + "string"


class QueryError(ValueError):
    """A query that cannot be found or parsed; the message names it and says why."""


class RemoteCallRefused(QueryError):
    """A query that would call another endpoint (SERVICE) or fetch a document (LOAD) that the
    caller has not allowed."""


def to_oxigraph(term):
    """An rdflib term as the pyoxigraph term of the same value."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or _XSD_STRING)))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term of the same value (None stays None)."""
    if term is None:
        return None
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.Triple):
        raise TypeError("RDF-star triple terms are not supported")
    raise TypeError(f"not an RDF term: {term!r}")


def bind_value(graph: Graph, value: str) -> URIRef | Literal:
    """A parameter as given on the command line: an IRI (full or prefixed), or a label that
    names an entity in the graph, or else a plain literal."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS, SKOS

    from .namespace import PREFIXES

    if re.match(r"^https?://", value):
        return URIRef(value)
    if re.match(r"^[A-Za-z][\w-]*:[^\s/]", value):
        prefix, _, local = value.partition(":")
        if prefix in PREFIXES:
            return PREFIXES[prefix][local]
    if hasattr(graph, "find_by_label"):  # a kg.store.Store
        found = graph.find_by_label(value)
        return found if found is not None else Literal(value)
    wanted = value.strip().lower()
    for prop in (RDFS.label, SKOS.altLabel):
        for subject, label in graph.subject_objects(prop):
            if isinstance(subject, URIRef) and str(label).lower() == wanted:
                return subject
    return Literal(value)


def query_variables(sparql: str) -> set[str]:
    """The names of the variables a query mentions (outside strings, IRIs and comments)."""
    return {m.group("var")[1:] for m in _VARIABLES.finditer(sparql) if m.lastgroup == "var"}


_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def valid_iri(text: str) -> bool:
    """Whether an IRI has none of the characters an IRI may not hold unencoded."""
    return not _BAD_IRI.search(text)


def check_bindings(bindings: dict[str, URIRef | Literal]) -> None:
    """Refuse a parameter whose name is no variable name, or whose value is not an IRI or a
    literal (rdflib's or pyoxigraph's), or an IRI that is not one, before any engine sees it."""
    for key, term in bindings.items():
        if not _VARIABLE.match(key):
            raise QueryError(f"parameter {key!r} is not a variable name")
        if isinstance(term, (ox.NamedNode, ox.Literal)):  # pyoxigraph checked the IRI as it made it
            continue
        from rdflib import Literal, URIRef

        if not isinstance(term, (URIRef, Literal)):
            raise QueryError(f"parameter {key}: {term!r} is not an IRI or a literal")
        if isinstance(term, URIRef) and not valid_iri(str(term)):
            raise QueryError(f"parameter {key}: {str(term)!r} is not a valid IRI")


def with_values(sparql: str, bindings: dict[str, URIRef | Literal]) -> str:
    """The query with a VALUES block binding each variable to one term, placed first in the
    WHERE clause (where it means what rdflib's initBindings mean, aggregates included).

    This is how parameters reach Oxigraph and remote endpoints (see the module's docstring):
    the terms are written in their N-Triples form, IRIs checked and literals
    escaped, so a value can never change the query around it."""
    if not bindings:
        return sparql
    check_bindings(bindings)
    names = [f"?{key}" for key in bindings]
    # pyoxigraph's terms print in N-Triples syntax, rdflib's through n3()
    terms = [str(term) if isinstance(term, (ox.NamedNode, ox.Literal)) else term.n3()
             for term in bindings.values()]
    at = _where_brace(sparql)
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    return sparql[:at + 1] + block + sparql[at + 1:]


_SKIP = (r"#[^\n]*"                                   # comment
         r"|'''.*?'''|\"\"\".*?\"\"\""                # long strings
         r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""  # strings
         r"|<[^<>\"{}|^`\\\x00-\x20]*>")              # IRIs
_TOKENS = re.compile(rf"(?P<skip>{_SKIP})|(?P<where>\bWHERE\b)"
                     r"|(?P<form>\b(?:SELECT|ASK|CONSTRUCT|DESCRIBE)\b)|(?P<brace>\{)",
                     re.IGNORECASE | re.DOTALL)


def _where_brace(sparql: str) -> int:
    """The offset of the "{" that opens the query's WHERE clause (comments, strings and IRIs
    skipped)."""
    form = None
    for match in _TOKENS.finditer(sparql):
        if match.lastgroup == "form" and form is None:
            form = match.group().upper()
        elif match.lastgroup == "where":
            form = "WHERE"
        elif match.lastgroup == "brace" and form in ("WHERE", "SELECT", "ASK"):
            return match.start()
    raise QueryError("parameters need a query with a WHERE clause")


def remote_calls(algebra) -> list[tuple[str, URIRef]]:
    """("SERVICE", endpoint) and ("LOAD", document) for each call a parsed query or update
    would make to another server."""
    from rdflib.plugins.sparql.algebra import traverse

    found = []

    def visit(node):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found.append(("SERVICE", node.term))
        elif getattr(node, "name", None) == "Load":
            found.append(("LOAD", node.iri))

    for part in algebra if isinstance(algebra, list) else [algebra]:
        traverse(part, visitPre=visit)
    return found


def refuse_remote_calls(algebra, allow: frozenset[str], name: str | None = None) -> None:
    """Raise RemoteCallRefused for a SERVICE (or LOAD) whose IRI is not in `allow` ("*": any)."""
    for kind, iri in remote_calls(algebra):
        if "*" not in allow and str(iri) not in allow:
            raise RemoteCallRefused(f"{name + ': ' if name else ''}{kind} {iri.n3()} refused: no calls "
                                    "to other endpoints or remote documents unless allowed "
                                    "(--allow-service URL)")


_SERVICE = re.compile(rf"(?P<skip>{_SKIP})|(?P<service>\bSERVICE\b)", re.IGNORECASE | re.DOTALL)
_VARIABLES = re.compile(rf"(?P<skip>{_SKIP})|(?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)", re.DOTALL)


def mentions_service(sparql: str) -> bool:
    """Whether the word SERVICE occurs outside strings, IRIs and comments (a quick test before
    the full parse)."""
    return any(m.lastgroup == "service" for m in _SERVICE.finditer(sparql))


def run_oxigraph(store, sparql: str, bindings: dict | None = None, name: str = "query",
                 allow_service: frozenset[str] = frozenset(), union: bool = False) -> Result:
    """`answer_oxigraph` as an rdflib Result, so formatting is the same as for a Graph."""
    return answer_oxigraph(store, sparql, bindings, name, allow_service, union).to_result()


def answer_oxigraph(store, sparql: str, bindings: dict | None = None, name: str = "query",
                    allow_service: frozenset[str] = frozenset(), union: bool = False) -> Answer:
    """Run SPARQL on a pyoxigraph.Store (its default graph, or with `union` the union of its
    named graphs); the answer in pyoxigraph's terms. `bindings` bind variables to terms as a
    checked VALUES block (see with_values). SERVICE is refused unless its endpoint is in
    `allow_service` (Oxigraph would call it)."""
    if mentions_service(sparql) and "*" not in allow_service:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            algebra = translateQuery(parseQuery(sparql), initNs=sparql_prefixes()).algebra
        except Exception as err:
            raise QueryError(f"{name}: invalid SPARQL: {_first_line(err)}") from err
        refuse_remote_calls(algebra, allow_service, name)
    text = with_values(sparql, bindings or {})
    try:
        answer = store.query(text, prefixes=sparql_prefixes(), use_default_graph_as_union=union)
    except SyntaxError as err:
        # said at its place in the text the user wrote, not in the text with parameters bound
        raise QueryError(f"{name}: {position_in_user_text(syntax_error_message(str(err)), sparql, text)}") from err
    if isinstance(answer, ox.QueryBoolean):
        return Answer("ASK", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        # a row read as a tuple, not cell by cell by name: a lookup by name costs more than the cell
        return Answer("SELECT", vars=[v.value for v in answer.variables], rows=[tuple(row) for row in answer])
    return Answer("CONSTRUCT", triples=list(answer))


@dataclass
class Answer:
    """A query's answer as Oxigraph gives it: for SELECT the variables' names and the rows (a
    pyoxigraph term or None for each variable), for ASK the boolean, for CONSTRUCT and DESCRIBE
    the triples. kg.query.format_result writes it as it is; `to_result` makes the rdflib
    Result that a query on a Graph gives."""

    type: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool = False
    triples: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows) if self.type == "SELECT" else len(self.triples) if self.type != "ASK" else 1

    def to_result(self) -> Result:
        from rdflib import Graph, Variable
        from rdflib.query import Result

        from .rdf import bind_prefixes

        result = Result(self.type)
        convert = _TermConverter()
        if self.type == "ASK":
            result.askAnswer = self.boolean
        elif self.type == "SELECT":
            result.vars = [Variable(v) for v in self.vars]
            result.bindings = [{var: convert(term) for var, term in zip(result.vars, row) if term is not None}
                               for row in self.rows]
        else:
            graph = Graph()
            bind_prefixes(graph)
            for triple in self.triples:
                graph.add((convert(triple.subject), convert(triple.predicate), convert(triple.object)))
            result.graph = graph
        return result


class _TermConverter(dict):
    """pyoxigraph terms to rdflib terms, each distinct term converted once per answer: entities,
    predicates and classes recur from row to row, and an rdflib typed Literal costs microseconds
    to build."""

    def __call__(self, term):
        converted = self.get(term)
        if converted is None:
            converted = self[term] = to_rdflib(term)
        return converted


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


__all__ = ["QueryError", "RemoteCallRefused", "to_oxigraph", "to_rdflib", "bind_value", "check_bindings", "valid_iri", "with_values",
           "query_variables", "mentions_service", "remote_calls", "refuse_remote_calls", "run_oxigraph",
           "answer_oxigraph", "Answer"]


_OXIGRAPH_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_POSITION = re.compile(r"at line (\d+), column (\d+)")
_CHARACTER_RANGES = re.compile(r",? \[[^\[\]]*\.\.=[^\[\]]*\]")


def syntax_error_message(message: str) -> str:
    """Oxigraph's "error at 3:14: expected ..." said as rdflib's errors are said here: "SPARQL
    syntax error at line 3, column 14: expected ..." (columns in characters, from 1)."""
    message = " ".join(message.split())  # one line
    if match := _OXIGRAPH_POSITION.match(message):
        # the ranges of characters a name may hold are listed in full: noise to a reader
        detail = _CHARACTER_RANGES.sub("", message[match.end():])
        return f"SPARQL syntax error at line {match[1]}, column {match[2]}: {detail}"
    return f"SPARQL syntax error: {message}"


def position_in_user_text(message: str, written: str, sent: str) -> str:
    """An error message about `sent` (the query as run: `written` with a block of text inserted,
    the VALUES that binds parameters) with its line and column moved back into `written`, the
    text the user sees; a position inside the inserted block is given as where it was inserted."""
    match = _POSITION.search(message)
    extra = len(sent) - len(written)
    if match is None or extra <= 0:
        return message
    line, column = int(match[1]), int(match[2])
    lines = sent.split("\n")
    offset = sum(len(text) + 1 for text in lines[:line - 1]) + column - 1
    # where the block begins: the texts agree before it and after it
    inserted = min(len(os.path.commonprefix([written, sent])),
                   len(written) - len(os.path.commonprefix([written[::-1], sent[::-1]])))
    if offset >= inserted + extra:
        offset -= extra
    elif offset > inserted:
        offset = inserted
    before = written[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return f"{message[:match.start()]}at line {line}, column {column}{message[match.end():]}"
