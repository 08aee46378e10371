"""The embedded store: a persistent Oxigraph database for a growing corpus.

Each document's triples live in their own named graph, the document's IRI
(kg.namespace.document_iri), so a document can be replaced or removed without touching the
others; entities have the same IRI in every document. The default graph is kept as the merge
of the document graphs, each triple once, in the same transaction as every change: queries
run on it directly instead of on Oxigraph's union of named graphs, which repeats a triple once
per document that states it and makes joins over shared entities grow with the corpus.

The facts that come from reference data rather than from a text (a region part of its
country, an edition part of its series: kg.reference) live in named graphs of their own,
id:reference/..., merged into the default graph like the documents' and brought in line with
the documents in the same transaction as every change: the facts of new entities are added;
when a document taken out or replaced was the only one to name a region or an edition, they
are made anew from the documents that remain.

Every change is one transaction, of one document or of a batch of them (`ingest_many`): a
build killed midway leaves every document it committed complete and readable, and none
half-written.

    store = Store.open("corpus.db")
    store.ingest(extraction)            # "added", "replaced" or "unchanged"
    store.ingest_many(extractions)      # the same for each, in one transaction
    store.query("SELECT ...")           # an rdflib Result, like kg.query on a Graph
    store.remove("article.txt")
    store.export("corpus.trig")
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import pyoxigraph as ox

from .atomic import atomic_write_text
from .prefixes import COMMON_PREFIX_IRIS, DOCUMENT_IRI_PREFIX, PREFIX_IRIS
from .sparql import Answer, QueryError, answer_oxigraph, bind_value, to_rdflib, valid_iri

# rdflib (and kg.namespace, kg.rdf, kg.export, made of its terms) is imported where a method
# makes or takes rdflib terms: opening a store and querying it need none of it, and importing
# rdflib took most of a `kg query --store` command's start-up
if TYPE_CHECKING:
    from rdflib import Dataset, Graph, URIRef
    from rdflib.query import Result

    from .model import Document, Extraction
    from .reference import Inputs

_RDFS = COMMON_PREFIX_IRIS["rdfs"]
_SKOS = COMMON_PREFIX_IRIS["skos"]


_DOCUMENT_GRAPHS = DOCUMENT_IRI_PREFIX


class StoreError(ValueError):
    """A store that cannot be opened or a document that is not in it; the message says which."""


@dataclass(frozen=True)
class StoredDocument:
    iri: str
    name: str
    title: str
    sha256: str


class Store:
    """A directory holding an Oxigraph (RocksDB) database of per-document named graphs."""

    # Oxigraph gives each of RocksDB's 12 column families a 128 MB write buffer and sets no
    # overall cap, so a long build kept everything written since opening in memory: RSS grew by
    # ~77 MB per 1,000 documents. Flushing after 4 MB of writes: +30 MB over 10,000 documents
    # (16 MB: +53 MB), at no measurable cost in time.
    FLUSH_BYTES = 4 * 2**20
    # What RocksDB keeps for as long as a database is open (readers of its table files, block
    # cache; pyoxigraph has no setting for them) still grew by 5-15 MB per 1,000 documents;
    # reopening the database after this many bytes of writes gives most of it back, for ~0.1 s
    # each time (0: never, as for a store that other threads read meanwhile).
    REOPEN_BYTES = 8 * 2**20

    def __init__(self, store: ox.Store, path: Path | None = None, read_only: bool = False,
                 flush_bytes: int = FLUSH_BYTES, reopen_bytes: int = REOPEN_BYTES) -> None:
        self._store = store
        self.path = path
        self.read_only = read_only
        self.flush_bytes = flush_bytes
        self.reopen_bytes = reopen_bytes
        self._unflushed = 0
        self._since_reopen = 0
        self._lock: _WriterLock | None = None

    # -- opening ------------------------------------------------------------------------------
    # what a store holds depends on how documents are named (kg.namespace.document_iri): a
    # store made with other names would mix two names for one document, so it is refused
    FORMAT = "2"
    FORMAT_FILE = "coop-kg.format"
    LOCK_FILE = "coop-kg.lock"

    @classmethod
    def open(cls, path: Path | str, read_only: bool = False, flush_bytes: int = FLUSH_BYTES,
             reopen_bytes: int = REOPEN_BYTES) -> "Store":
        """Open (or, unless read_only, create) the store in directory `path`; writes are flushed
        to disk every `flush_bytes` (and on close), and the database reopened every
        `reopen_bytes`. A writer holds the store's lock until it closes: another writer is
        refused, even while the database is being reopened."""
        path = Path(path)
        if read_only and not path.is_dir():
            raise StoreError(f"{path}: no such store")
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: not a directory")
        lock = None if read_only else _WriterLock(path)
        try:
            _check_format(path, cls.FORMAT_FILE, cls.FORMAT)
            try:
                store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
            except (OSError, RuntimeError) as err:  # RocksDB's errors come as either
                raise StoreError(_store_problem(path, err)) from err
            if not read_only and not (path / cls.FORMAT_FILE).exists():
                atomic_write_text(path / cls.FORMAT_FILE, cls.FORMAT + "\n")
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        opened = cls(store, path, read_only, flush_bytes, reopen_bytes)
        opened._lock = lock
        return opened

    @classmethod
    def in_memory(cls) -> "Store":
        return cls(ox.Store())

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph.Store, for work this API does not cover."""
        return self._store

    def close(self) -> None:
        """Flush and release the database (and its lock); closing twice is harmless."""
        if getattr(self, "_store", None) is None:
            return
        try:
            if not self.read_only:
                with self._writing():
                    self._store.flush()
        finally:
            self._store = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- documents ----------------------------------------------------------------------------
    def has(self, doc: str | URIRef, sha256: str | None = None) -> bool:
        """Whether the document (name or IRI) is stored; with `sha256`, with that very content."""
        graph = ox.NamedNode(str(self.document(doc)))
        if sha256 is None:
            return self._store.contains_named_graph(graph)
        quads = self._store.quads_for_pattern(None, ox.NamedNode(PREFIX_IRIS["coop"] + "sha256"),
                                              ox.Literal(sha256), graph)
        return next(iter(quads), None) is not None

    def ingest(self, extraction: Extraction) -> str:
        """Store one document's extraction: "unchanged" when the same content is already there,
        "replaced" when an older version was, else "added"."""
        return self.ingest_many([extraction])[0]

    def ingest_many(self, extractions: Iterable[Extraction]) -> list[str]:
        """Store a batch of documents' extractions in one transaction, and say for each what
        `ingest` would: a kill leaves the whole batch stored or none of it. One transaction per
        document made a build's writes cost ~4x what loading the same quads at once does."""
        from .namespace import document_iri
        from .rdf import document_ntriples

        statuses: list[str] = []
        graphs: dict[str, str] = {}  # document IRI -> its triples as N-Triples, for this transaction
        replacing: list[str] = []
        for extraction in extractions:
            document = extraction.document
            iri = str(document_iri(document.name))
            if iri in graphs:  # the same document twice: the first one is stored first
                self._put_graphs(graphs, replacing)
                graphs, replacing = {}, []
            if self.unchanged(document):
                statuses.append("unchanged")
                continue
            existed = self.has(iri)
            if existed:
                replacing.append(iri)
            graphs[iri] = document_ntriples(extraction)
            statuses.append("replaced" if existed else "added")
        self._put_graphs(graphs, replacing)
        return statuses

    def unchanged(self, document: Document) -> bool:
        """Whether this very document (its name and content) is stored: a lookup by its IRI,
        in constant time, that a build makes before any language processing."""
        from .namespace import document_iri

        return self.has(document_iri(document.name), document.sha256)

    add_extraction = ingest

    def put_graph(self, name: str | URIRef, graph: Graph) -> None:
        """Replace named graph `name` by `graph`, in one transaction."""
        self._put_graphs({str(name): graph}, [str(name)])

    def _put_graphs(self, graphs: dict[str, str | Iterable[tuple]], replacing: list[str]) -> None:
        """Named graphs (name -> N-Triples text, or rdflib triples) stored, the reference graphs
        and the merged default graph brought in line, in one transaction; those in `replacing`
        may be in the store already and are replaced."""
        if not graphs:
            return
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        from .rdf import ntriples
        from .reference import reference_graphs

        graphs = {name: triples if isinstance(triples, str) else list(triples) for name, triples in graphs.items()}
        added = _inputs_of(graphs.values())
        if not self._reference_is_current() or self._inputs_lost(set(replacing)):
            # what the replaced documents gave may be gone: the reference graphs made anew
            current = reference_graphs(self._stored_inputs(excluding=set(replacing)) | added)
            replacing = replacing + [name.value for name in self._reference_graph_names()]
        else:  # nothing lost: the reference facts of the new entities join the others
            current = reference_graphs(added)
        graphs.update({str(name): triples for name, triples in current.items()})
        data = {name: triples if isinstance(triples, str) else ntriples(triples) for name, triples in graphs.items()}
        size = 2 * sum(len(text) for text in data.values())
        with self._writing():
            if replacing:  # taking out and putting in: only a SPARQL Update does both at once
                dropped = "".join(f"{_forget(ox.NamedNode(name))} ;\nDROP SILENT GRAPH <{name}> ;\n"
                                  for name in replacing)
                named = "".join(f"GRAPH <{name}> {{\n{text}}}\n" for name, text in data.items())
                self._store.update(f"{dropped}INSERT DATA {{\n{named}{''.join(data.values())}}}")
            else:  # new documents only: loaded as N-Quads, which parse faster than an update
                named = "".join(text.replace(" .\n", f" <{name}> .\n") for name, text in data.items())
                self._store.load(named + "".join(data.values()), format=ox.RdfFormat.N_QUADS)
            self._written(size)

    # -- reference graphs (kg.reference) -----------------------------------------------------
    def _reference_graph_names(self) -> list[ox.NamedNode]:
        from .reference import REFERENCE_GRAPHS

        return [name for name in map(ox.NamedNode, map(str, REFERENCE_GRAPHS))
                if self._store.contains_named_graph(name)]

    def _reference_is_current(self) -> bool:
        """Whether the stored ISO 3166-2 graph (if any) comes from the pycountry installed now."""
        from rdflib.namespace import OWL

        from .reference import ISO_3166_2, pycountry_version

        graph = ox.NamedNode(str(ISO_3166_2))
        if not self._store.contains_named_graph(graph):
            return True
        made_by = ox.Literal(f"pycountry {pycountry_version()}")
        return next(iter(self._store.quads_for_pattern(graph, ox.NamedNode(str(OWL.versionInfo)), made_by, graph)),
                    None) is not None

    def _inputs_lost(self, graphs: set[str]) -> bool:
        """Whether taking the document graphs `graphs` out loses something the reference facts
        are made from (a region's code, an edition's class or label) that no other document
        states; when nothing is lost, the reference facts stay as they are. Index lookups on
        what those documents state, not a pass over the store."""
        from rdflib.namespace import RDF, RDFS

        from .namespace import COOP

        iso_code, edition = ox.NamedNode(str(COOP.isoCode)), ox.NamedNode(str(COOP.edition))
        described = (ox.NamedNode(str(COOP.edition)), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDFS.label)))
        for name in graphs:
            graph = ox.NamedNode(name)
            inputs = [quad for quad in self._store.quads_for_pattern(None, iso_code, None, graph)
                      if "-" in quad.object.value]
            for quad in self._store.quads_for_pattern(None, edition, None, graph):
                inputs += [q for p in described for q in self._store.quads_for_pattern(quad.subject, p, None, graph)]
            for quad in inputs:
                stated = self._store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
                if not any(isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in graphs
                           and q.graph_name.value.startswith(_DOCUMENT_GRAPHS) for q in stated):
                    return True
        return False

    def _stored_inputs(self, excluding: set[str] = frozenset()) -> Inputs:
        """What the reference facts are made from, in the document graphs but those `excluding`."""
        from rdflib.namespace import RDF, RDFS

        from .namespace import COOP
        from .reference import inputs_of

        result = self._store.query(
            "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g {"
            " { ?s coop:isoCode ?o FILTER(CONTAINS(STR(?o), \"-\")) BIND(coop:isoCode AS ?p) }"
            " UNION { ?s coop:edition ?edition ; ?p ?o FILTER(?p IN (coop:edition, rdf:type, rdfs:label)) } }"
            f" FILTER(STRSTARTS(STR(?g), \"{_DOCUMENT_GRAPHS}\")) }}",
            prefixes={"coop": str(COOP._NS), "rdfs": str(RDFS), "rdf": str(RDF)})
        return inputs_of((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"]))
                         for row in result if row["g"].value not in excluding)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write to the database: a full disk or a damaged database becomes a StoreError
        saying so in one line (the transaction under way is not committed)."""
        try:
            yield
        except (OSError, RuntimeError) as err:
            raise StoreError(_store_problem(self.path, err)) from err

    def _written(self, size: int) -> None:
        self._unflushed += size
        self._since_reopen += size
        if 0 < self.reopen_bytes <= self._since_reopen and self._reopen():
            self._unflushed = self._since_reopen = 0
        elif self._unflushed >= self.flush_bytes:
            self._store.flush()
            self._unflushed = 0

    def _reopen(self) -> bool:
        """Close and open the database again (flushed first); not for a store in memory, nor
        while anyone else holds the pyoxigraph store (`Store.oxigraph`)."""
        if self.path is None or sys.getrefcount(self._store) > 2:  # ours, and getrefcount's own
            return False
        self._store.flush()
        # the last reference: RocksDB closes here and releases its own lock; the writer's lock
        # (_WriterLock) is kept, so no other writer can take the store meanwhile
        self._store = None
        self._store = self._connect()
        return True

    def _connect(self) -> ox.Store:
        """The database opened again for writing (by _reopen)."""
        return ox.Store(str(self.path))

    def update(self, sparql_update: str, prefixes: dict[str, str] | None = None) -> None:
        """A user's SPARQL Update, then the merged default graph brought in line with the
        document graphs, in one transaction (a full pass: updates are rare, queries are not)."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        with self._writing():
            self._store.update(
                f"{sparql_update} ;\n"
                "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;\n"
                "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                prefixes=prefixes)
            self._written(len(sparql_update))

    def remove(self, doc: str | URIRef) -> URIRef:
        """Take a document (its IRI, file name or source path) out; returns its IRI."""
        return self.remove_all([doc])[0]

    def remove_all(self, docs: list[str | URIRef]) -> list[URIRef]:
        """Take documents out in one transaction: all of them, or none when one is not in the
        store (the error names it); returns their IRIs."""
        from .rdf import ntriples
        from .reference import reference_graphs

        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        iris = [self.document(doc) for doc in docs]
        for doc, iri in zip(docs, iris):
            if not self._store.contains_named_graph(ox.NamedNode(str(iri))):
                raise StoreError(f"{doc}: no such document in the store")
        targets = [ox.NamedNode(str(iri)) for iri in dict.fromkeys(iris)]
        current: dict = {}
        if self._inputs_lost({target.value for target in targets}):
            # the reference facts made anew without the documents taken out, in the same transaction
            current = reference_graphs(self._stored_inputs(excluding={target.value for target in targets}))
            targets += self._reference_graph_names()
        inserted = "".join(f"GRAPH <{name}> {{\n{text}}}\n{text}" for name, text in
                           ((name, ntriples(triples)) for name, triples in current.items()))
        with self._writing():
            self._store.update(" ;\n".join(f"{_forget(target)} ;\nDROP GRAPH {target}" for target in targets)
                               + (f" ;\nINSERT DATA {{\n{inserted}}}" if inserted else ""))
        return iris

    def document(self, doc: str | URIRef) -> URIRef:
        """The IRI of a document given by IRI, file name or source path."""
        from rdflib import URIRef

        from .namespace import document_iri

        text = str(doc)
        if text.startswith(PREFIX_IRIS["id"]):
            return URIRef(text)
        for name in (text, Path(text).name):  # how documents are named (kg.namespace)
            iri = document_iri(name)
            if self._store.contains_named_graph(ox.NamedNode(str(iri))):
                return iri
        for stored in self.documents():
            if text in (stored.name, Path(stored.name).name):
                return URIRef(stored.iri)
        return iri

    def documents(self) -> list[StoredDocument]:
        result = self._store.query(
            "SELECT ?g ?name ?title ?sha WHERE { GRAPH ?g { ?g a coop:Document ; coop:sha256 ?sha . "
            "OPTIONAL { ?g coop:sourcePath ?name } OPTIONAL { ?g rdfs:label ?title } } } ORDER BY ?g",
            prefixes={"coop": PREFIX_IRIS["coop"], "rdfs": _RDFS})
        return [StoredDocument(row["g"].value, _value(row["name"]), _value(row["title"]), row["sha"].value)
                for row in result]

    def named_graphs(self) -> list[URIRef]:
        from rdflib import URIRef

        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        """The number of quads in the named graphs: the documents' and the reference graphs."""
        default = sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return len(self._store) - default

    # -- reading ------------------------------------------------------------------------------
    def query(self, sparql: str, params: dict[str, str] | None = None, name: str = "query",
              allow_service: frozenset[str] = frozenset()) -> Result:
        """SPARQL over the union of the document graphs; `params` and `allow_service` as in
        kg.query."""
        bindings = {key: bind_value(self, value) for key, value in (params or {}).items()}
        return answer_oxigraph(self._store, sparql, bindings, name=name, allow_service=allow_service).to_result()

    def answer(self, sparql: str, params: dict[str, str] | None = None, name: str = "query",
               allow_service: frozenset[str] = frozenset()) -> Answer:
        """`query`, with the answer in pyoxigraph's terms (a kg.sparql.Answer), made without
        rdflib: what `kg query --store` writes out."""
        bindings = {key: self.bind_term(key, value) for key, value in (params or {}).items()}
        return answer_oxigraph(self._store, sparql, bindings, name=name, allow_service=allow_service)

    def bind_term(self, key: str, value: str) -> ox.NamedNode | ox.Literal:
        """kg.sparql.bind_value in pyoxigraph's terms: an IRI (full or prefixed), an entity
        that the label names, or else a plain literal."""
        iri = None
        if re.match(r"^https?://", value):
            iri = value
        elif re.match(r"^[A-Za-z][\w-]*:[^\s/]", value) and value.partition(":")[0] in PREFIX_IRIS:
            prefix, _, local = value.partition(":")
            iri = PREFIX_IRIS[prefix] + local
        else:
            iri = self.find_iri_by_label(value)
            if iri is None:
                return ox.Literal(value)
        if not valid_iri(iri):
            raise QueryError(f"parameter {key}: {iri!r} is not a valid IRI")
        return ox.NamedNode(iri)

    def find_by_label(self, wanted: str) -> URIRef | None:
        """An entity whose rdfs:label or skos:altLabel is `wanted` (case-insensitive)."""
        from rdflib import URIRef

        found = self.find_iri_by_label(wanted)
        return URIRef(found) if found is not None else None

    def find_iri_by_label(self, wanted: str) -> str | None:
        """`find_by_label`, the IRI as a string."""
        # the name as written first: an index lookup, not a scan of every label
        for prop in (_RDFS + "label", _SKOS + "altLabel"):
            exact = self._store.quads_for_pattern(None, ox.NamedNode(prop), ox.Literal(wanted.strip()),
                                                  ox.DefaultGraph())
            found = sorted(q.subject.value for q in exact if isinstance(q.subject, ox.NamedNode))
            if found:
                return found[0]
        result = self._store.query(
            "SELECT ?s ?wanted WHERE { ?s rdfs:label|skos:altLabel ?l . "
            "FILTER(isIRI(?s) && LCASE(STR(?l)) = ?wanted) } ORDER BY ?s LIMIT 1",
            prefixes={"rdfs": _RDFS, "skos": _SKOS},
            substitutions={ox.Variable("wanted"): ox.Literal(wanted.strip().lower())})
        for row in result:
            return row["s"].value
        return None

    def quads(self) -> Iterator[tuple]:
        """The quads of the document graphs (the merged default graph is derived from them)."""
        for quad in self._store.quads_for_pattern(None, None, None, None):
            if not isinstance(quad.graph_name, ox.NamedNode):
                continue
            yield (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object),
                   to_rdflib(quad.graph_name) if isinstance(quad.graph_name, ox.NamedNode) else None)

    def to_graph(self) -> Graph:
        """The union of the document graphs as one rdflib Graph."""
        from rdflib import Graph

        from .rdf import bind_prefixes

        graph = Graph()
        bind_prefixes(graph)
        for s, p, o, _ in self.quads():
            graph.add((s, p, o))
        return graph

    def to_dataset(self) -> Dataset:
        """The store as an rdflib Dataset, one named graph per document."""
        from rdflib import Dataset

        from .rdf import bind_prefixes

        dataset = Dataset()
        bind_prefixes(dataset)
        for s, p, o, g in self.quads():
            dataset.add((s, p, o, g) if g is not None else (s, p, o))
        return dataset

    def export(self, path: Path | str, fmt: str | None = None) -> Path:
        """Write the store to a file: .nq and .trig keep the document graphs, .ttl, .nt and
        .jsonld (with the coop-kg context) give their union."""
        from .export import write_store

        return write_store(self, Path(path), fmt)


class _WriterLock:
    """An exclusive lock on a store for one writer, held from opening to closing (an advisory
    lock on a file in the store's folder, released by the system if the process dies)."""

    def __init__(self, path: Path) -> None:
        import fcntl

        try:
            path.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path / Store.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreError(f"{path}: cannot create the store: {err.strerror or err}") from err
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            raise StoreError(f"{path}: the store is in use by another writer (a build, kg remove or "
                             "kg serve); wait for it to finish or stop it, then try again") from None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def _check_format(path: Path, format_file: str, expected: str) -> None:
    """Refuse a store written by a coop-kg that named documents differently."""
    marker = path / format_file
    if marker.exists():
        found = marker.read_text(encoding="utf-8").strip()
        if found != expected:
            raise StoreError(f"{path}: store format {found}, this coop-kg reads format {expected}; "
                             "rebuild it: kg build FOLDER --store NEW-STORE")
    elif (path / "CURRENT").exists():  # a database already, made before formats were marked
        raise StoreError(f"{path}: this store was built by an older coop-kg, which named documents "
                         "differently (two could share a name); rebuild it: kg build FOLDER --store NEW-STORE")


def _store_problem(path: Path | None, err: Exception) -> str:
    """One line saying why the database could not be opened or written, and what to do."""
    text = str(err)
    if "lock" in text.lower():
        return f"{path}: the store is in use by another process (a build or kg serve); wait for it or stop it"
    if "No space left" in text or "quota" in text.lower():
        return (f"{path}: the disk is full; free some space and run the build again (the documents "
                "committed so far are kept)")
    if "Corruption" in text or "MANIFEST" in text or "CURRENT" in text:
        return (f"{path}: the store is damaged ({text.splitlines()[0][:200]}); "
                "rebuild it: kg build FOLDER --store NEW-STORE")
    return f"{path}: store error: {text.splitlines()[0][:300] if text else type(err).__name__}"


def _inputs_of(graphs: Iterable[str | list[tuple]]) -> Inputs:
    """What reference facts are made from (kg.reference.inputs_of) in graphs given as rdflib
    triples or as N-Triples text; a text without a region's code or an edition gives nothing,
    and is not parsed."""
    from .reference import INPUT_PREDICATES, inputs_of

    wanted = {str(p) for p in INPUT_PREDICATES}

    def triples() -> Iterator[tuple]:
        for graph in graphs:
            if not isinstance(graph, str):
                yield from graph
            elif "isoCode>" in graph or "edition>" in graph:
                for triple in ox.parse(_input_lines(graph), format=ox.RdfFormat.N_TRIPLES):
                    if triple.predicate.value in wanted:
                        yield to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)
    return inputs_of(triples())


_ISO_CODE = f" <{PREFIX_IRIS['coop']}isoCode> "
_EDITION = f" <{PREFIX_IRIS['coop']}edition> "


def _input_lines(text: str) -> str:
    """The lines of a document's N-Triples that inputs_of may read: every coop:isoCode, and
    every line of an entity with a coop:edition. Parsing the whole text into rdflib terms for
    them was a sixth of a build's store writes."""
    lines = text.splitlines(keepends=True)
    numbered = {line.partition(" ")[0] for line in lines if _EDITION in line}
    return "".join(line for line in lines if _ISO_CODE in line or line.partition(" ")[0] in numbered)


def _forget(graph: ox.NamedNode) -> str:
    """SPARQL Update taking out of the merged default graph the triples that only `graph` states."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != {graph}) }} }}")


def _value(term) -> str:
    return term.value if term is not None else ""


__all__ = ["Store", "StoreError", "StoredDocument"]
