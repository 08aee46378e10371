import json
import os
import signal
import subprocess
import sys
import time

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.namespace import COOP, ID, document_iri
from kg.query import QueryError, format_result, rows
from kg.rdf import document_triples, merge
from kg.store import Store, StoreError

ONE = "Chile signed a cooperation agreement with Peru. The Andean Water Forum was held in Lima, Peru.\n"
TWO = "Bolivia signed a cooperation agreement with Chile.\n"
TWO_CHANGED = "Bolivia signed a cooperation agreement with Ecuador.\n"
CHILE = ID["country/CL"]

runner = CliRunner()


@pytest.fixture()
def store(tmp_path, extract):
    with Store.open(tmp_path / "db") as opened:
        opened.ingest(extract(ONE, name="one.txt"))
        opened.ingest(extract(TWO, name="two.txt"))
        yield opened


def partners(source, entity: str) -> set[str]:
    return {r["partnerLabel"] for r in rows(kg.query(source, "partners-of", params={"entity": entity}))}


def test_each_document_is_its_own_named_graph_and_entities_merge(store):
    assert store.named_graphs() == [document_iri("one.txt"), document_iri("two.txt")]
    assert [d.name for d in store.documents()] == ["one.txt", "two.txt"]
    # Chile is stated in both documents, one node in the union
    assert partners(store, "Chile") == {"Peru", "Bolivia"}
    graphs_with_chile = {q[3] for q in store.quads() if q[0] == CHILE and q[1] == RDF.type}
    assert graphs_with_chile == {document_iri("one.txt"), document_iri("two.txt")}


def test_same_content_is_skipped_changed_content_replaced(store, extract):
    assert store.ingest(extract(TWO, name="two.txt")) == "unchanged"
    assert store.ingest(extract(TWO_CHANGED, name="two.txt")) == "replaced"
    assert partners(store, "Bolivia") == {"Ecuador"}
    assert partners(store, "Chile") == {"Peru"}
    assert store.ingest(extract("Ghana signed a cooperation agreement with Denmark.\n", name="three.txt")) == "added"


def test_a_batch_says_for_each_document_what_one_by_one_would(store, extract):
    three = extract("Ghana signed a cooperation agreement with Denmark.\n", name="three.txt")
    batch = [extract(TWO, name="two.txt"), extract(TWO_CHANGED, name="two.txt"), three,
             extract(ONE, name="one.txt")]
    assert store.ingest_many(batch) == ["unchanged", "replaced", "added", "unchanged"]
    assert partners(store, "Bolivia") == {"Ecuador"}
    assert partners(store, "Chile") == {"Peru"}
    assert partners(store, "Ghana") == {"Denmark"}
    with Store.in_memory() as fresh:
        for extraction in batch:
            fresh.ingest(extraction)
        assert set(map(str, fresh.oxigraph)) == set(map(str, store.oxigraph))  # the same quads, the merge too


def test_a_batch_lands_whole_or_not_at_all(store, extract, monkeypatch):
    import kg.rdf

    made = kg.rdf.document_ntriples
    broken = f"<{CHILE}> <{RDF.type}> <https://w3id.org/coop-kg/id/not an IRI> .\n"

    def statements(extraction):  # the last document of the batch cannot be written
        found = made(extraction)
        return found + broken if extraction.document.name == "four.txt" else found

    monkeypatch.setattr(kg.rdf, "document_ntriples", statements)
    before = set(map(str, store.oxigraph))
    batch = [extract(TWO_CHANGED, name="two.txt"),
             extract("Ghana signed a cooperation agreement with Denmark.\n", name="three.txt"),
             extract("Kenya signed a cooperation agreement with Norway.\n", name="four.txt")]
    with pytest.raises(SyntaxError):
        store.ingest_many(batch)
    assert set(map(str, store.oxigraph)) == before  # neither the replacement nor the new documents
    with pytest.raises(SyntaxError):
        store.ingest_many(batch[1:])  # new documents only: written another way, as whole
    assert set(map(str, store.oxigraph)) == before
    monkeypatch.undo()
    assert store.ingest_many(batch) == ["replaced", "added", "added"]
    assert len(store.named_graphs()) == 4


@pytest.mark.parametrize("how", ["two.txt", str(document_iri("two.txt"))])
def test_remove_takes_out_one_document_only(store, how):
    assert store.remove(how) == document_iri("two.txt")
    assert not store.has("two.txt")
    assert partners(store, "Chile") == {"Peru"}
    assert "Bolivia" not in {r["l"] for r in rows(store.query("SELECT ?l WHERE { ?x rdfs:label ?l }"))}
    with pytest.raises(StoreError, match="no such document"):
        store.remove("two.txt")


def test_removing_several_documents_is_all_or_nothing(store):
    with pytest.raises(StoreError, match="absent.txt: no such document"):
        store.remove_all(["two.txt", "absent.txt"])
    assert store.has("two.txt")  # nothing was taken out
    assert store.remove_all(["one.txt", "two.txt"]) == [document_iri("one.txt"), document_iri("two.txt")]
    assert len(store) == 0  # what both stated went with the second one


def test_store_answers_like_the_graph(store, extract):
    graph = merge([document_triples(extract(ONE, name="one.txt")), document_triples(extract(TWO, name="two.txt"))])
    for entity in ("Chile", "Peru", str(CHILE)):
        assert partners(store, entity) == partners(graph, entity)
    for source in (store, graph):  # a name the data does not have: refused alike
        with pytest.raises(QueryError, match="no entity is called 'Norland'"):
            partners(source, "Norland")
    ask = store.query("ASK { ?a coop:cooperatesWith ?b }")
    assert ask.askAnswer is True
    construct = store.query("CONSTRUCT { ?a coop:cooperatesWith ?b } WHERE { ?a coop:cooperatesWith ?b }")
    assert (CHILE, COOP.cooperatesWith, ID["country/PE"]) in construct.graph
    assert "coop:cooperatesWith" in format_result(construct)
    for fmt in ("json", "csv", "tsv", "table"):
        assert "Peru" in format_result(kg.query(store, "partners-of", params={"entity": "Chile"}), fmt)


@pytest.mark.parametrize("hostile", ['Chile" } UNION { ?partner ?p ?partnerLabel } #',
                                     "http://x> } UNION { ?partner ?p ?partnerLabel } #"])
def test_store_parameters_cannot_change_the_query(store, hostile):
    try:
        assert rows(kg.query(store, "partners-of", params={"entity": hostile})) == []
    except QueryError as error:
        assert "not a valid IRI" in str(error) or "no entity is called" in str(error)


@pytest.mark.parametrize("params", [None, {"entity": "Chile"}])
def test_a_syntax_error_is_placed_in_the_text_the_user_wrote(store, params):
    # the bound parameter is written into the query as it runs: the position stays the user's,
    # just past the closing brace, where the triple's object is found missing
    text = "SELECT ?x WHERE { ?entity ?p ?x . ?x ?y }"
    with pytest.raises(QueryError, match=rf"^query: SPARQL syntax error at line 1, column {len(text) + 1}: "):
        kg.query(store, text, params=params)


def test_store_persists_and_opens_read_only(tmp_path, extract):
    with Store.open(tmp_path / "db") as store:
        store.ingest(extract(TWO, name="two.txt"))
    with Store.open(tmp_path / "db", read_only=True) as store:
        assert partners(store, "Bolivia") == {"Chile"}
        with pytest.raises(StoreError, match="read-only"):
            store.remove("two.txt")
    with pytest.raises(StoreError, match="no such store"):
        Store.open(tmp_path / "missing", read_only=True)


@pytest.mark.parametrize("suffix, named_graphs", [(".trig", True), (".nq", True), (".jsonld", True),
                                                  (".ttl", False), (".nt", False)])
def test_export_keeps_every_triple(store, tmp_path, suffix, named_graphs):
    path = store.export(tmp_path / f"out{suffix}")
    union = store.to_graph()
    if named_graphs:
        dataset = Dataset()
        dataset.parse(path)
        names = {g.identifier for g in dataset.graphs() if len(g)}
        assert {document_iri("one.txt"), document_iri("two.txt")} <= names
        loaded = Graph()
        for s, p, o, _ in dataset.quads():
            loaded.add((s, p, o))
    else:
        loaded = Graph().parse(path)
    assert set(loaded) == set(union)


def test_jsonld_export_uses_the_coop_context(store, tmp_path):
    data = json.loads(store.export(tmp_path / "out.jsonld").read_text())
    context = data["@context"]
    assert context["coop"] == str(COOP._NS) and context["id"] == str(ID)
    assert "cooperatesWith" in json.dumps(data)


def test_cli_build_store_incrementally_query_remove_export(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "one.txt").write_text(ONE)
    (corpus / "two.txt").write_text(TWO)
    db = str(tmp_path / "db")
    first = runner.invoke(app, ["build", str(corpus), "--store", db])
    assert first.exit_code == 0, first.output
    assert "2 added" in first.output
    again = runner.invoke(app, ["build", str(corpus), "--store", db])
    assert "2 unchanged" in again.output and "added" not in again.output
    (corpus / "two.txt").write_text(TWO_CHANGED)
    changed = runner.invoke(app, ["build", str(corpus), "--store", db])
    assert "1 replaced" in changed.output and "1 unchanged" in changed.output
    answer = runner.invoke(app, ["query", "partners-of", "--store", db, "--param", "entity=Bolivia", "-f", "csv"])
    assert answer.exit_code == 0 and "Ecuador" in answer.output and "Chile" not in answer.output
    assert runner.invoke(app, ["remove", "two.txt", "--store", db]).exit_code == 0
    assert runner.invoke(app, ["remove", "two.txt", "--store", db]).exit_code == 1
    out = tmp_path / "all.trig"
    assert runner.invoke(app, ["export", "--store", db, "--output", str(out)]).exit_code == 0
    dataset = Dataset().parse(out)
    assert {g.identifier for g in dataset.graphs() if len(g)} == {document_iri("one.txt")}
    converted = tmp_path / "all.nt"
    assert runner.invoke(app, ["export", "--graph", str(out), "--output", str(converted)]).exit_code == 0
    assert (CHILE, COOP.cooperatesWith, ID["country/PE"]) in Graph().parse(converted)


WRITER = """
import sys
from rdflib import Graph, Literal, URIRef
from kg.namespace import COOP, document_iri
from kg.store import Store
store = Store.open(sys.argv[1])
for i in range(100000):
    doc = document_iri(f"doc{i}.txt")
    graph = Graph()
    graph.add((doc, COOP.sha256, Literal(str(i))))
    for j in range(200):
        graph.add((doc, COOP.sentence, Literal(f"sentence {j} of document {i}")))
    store.put_graph(doc, graph)
    print(i, flush=True)
"""


def test_a_killed_build_leaves_every_committed_document_whole(tmp_path):
    db = tmp_path / "db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        committed = -1
        while committed < 20 and time.monotonic() < deadline:
            committed = int(writer.stdout.readline() or -1)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=10)
    assert committed >= 20
    with Store.open(db, read_only=True) as store:
        graphs = store.named_graphs()
        assert len(graphs) > committed
        for graph in graphs:
            count = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", params={"g": str(graph)})
            assert int(rows(count)[0]["n"]) == 201, graph


def test_default_graph_is_the_merge_of_the_documents_each_triple_once(tmp_path):
    import pyoxigraph as ox
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from kg.store import Store

    shared = (URIRef("https://w3id.org/coop-kg/id/country/CL"), RDFS.label, Literal("Chile"))
    only_a = (URIRef("https://w3id.org/coop-kg/id/country/PE"), RDFS.label, Literal("Peru"))
    a, b = Graph(), Graph()
    a.add(shared), a.add(only_a), b.add(shared)
    store = Store.open(tmp_path / "db")
    store.put_graph("https://w3id.org/coop-kg/id/doc/a", a)
    store.put_graph("https://w3id.org/coop-kg/id/doc/b", b)

    def default_graph():
        return {(q.subject.value, q.object.value) for q in
                store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())}

    assert default_graph() == {(str(shared[0]), "Chile"), (str(only_a[0]), "Peru")}
    assert len(store) == 3  # the document graphs' quads
    store.remove("https://w3id.org/coop-kg/id/doc/a")
    assert default_graph() == {(str(shared[0]), "Chile")}  # still stated by b
    store.put_graph("https://w3id.org/coop-kg/id/doc/b", Graph())
    assert default_graph() == set()


def _table_bytes(path) -> int:
    total = 0
    for table in path.glob("*.sst"):
        try:
            total += table.stat().st_size
        except FileNotFoundError:  # merged away by a background compaction meanwhile
            pass
    return total


@pytest.mark.parametrize("flush_bytes, flushed", [(1, True), (Store.FLUSH_BYTES, False)])
def test_writes_reach_the_table_files_every_flush_bytes(tmp_path, extract, flush_bytes, flushed):
    # what keeps a long build's memory flat: RocksDB's write buffers are emptied into table files
    # as the build goes, not only when the store is closed
    path = tmp_path / "db"
    with Store.open(path, flush_bytes=flush_bytes) as store:
        before = _table_bytes(path)
        for number, text in enumerate((ONE, TWO, TWO_CHANGED)):
            store.ingest(extract(text, name=f"doc{number}.txt"))
        after = _table_bytes(path)
        # three small documents make a few kB of tables once flushed (compaction may merge them)
        assert (after > before + 2000) is flushed, (before, after)
    with Store.open(path, read_only=True) as reopened:
        assert len(reopened.documents()) == 3


def test_store_rows_hold_the_same_rdflib_terms_as_the_graph(tmp_path, extract):
    text = ("The Andean Water Forum was held in Lima, Peru on 12 May 2023. "
            "Over 1,200 experts from 10 countries attended the forum.\n")
    extraction = extract(text, name="forum.txt")
    sparql = ("SELECT ?s ?p ?o ?lang WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) "
              "OPTIONAL { ?s coop:noSuchProperty ?lang } }")
    with Store.open(tmp_path / "db") as store:
        store.ingest(extraction)
        from_store = {tuple(row) for row in store.query(sparql)}
    from_graph = {tuple(row) for row in kg.query(document_triples(extraction), sparql)}
    assert from_store == from_graph
    typed = {row[2].datatype for row in from_store if getattr(row[2], "datatype", None)}
    assert len(typed) >= 2, typed  # dates and numbers, not only plain strings


@pytest.mark.parametrize("reopen_bytes, held, reopens", [(1, False, 2), (1, True, 0), (0, False, 0)])
def test_a_long_build_reopens_the_database_unless_someone_holds_it(tmp_path, extract, reopen_bytes, held,
                                                                     reopens):
    path = tmp_path / "db"
    with Store.open(path, reopen_bytes=reopen_bytes) as store:
        holder = store.oxigraph if held else None  # code that took Store.oxigraph keeps a working store
        for number, text in enumerate((ONE, TWO)):
            store.ingest(extract(text, name=f"doc{number}.txt"))
        # RocksDB starts a new LOG, keeping the last as LOG.old.*, each time the database opens
        assert len(list(path.glob("LOG.old.*"))) == reopens
        assert partners(store, "Chile") == {"Peru", "Bolivia"}
        if holder is not None:
            assert holder is store.oxigraph and len(holder) > 0
    with Store.open(path, read_only=True) as reopened:
        assert len(reopened.documents()) == 2


SECOND_WRITER = """
import sys
from kg.store import Store, StoreError
try:
    Store.open(sys.argv[1]).close()
except StoreError as err:
    print(err)
    sys.exit(3)
"""


def test_a_second_writer_is_refused_even_while_the_database_reopens(tmp_path, extract):
    """Issue 17, item 5: the store let go of its lock while RocksDB was reopened in a long
    build; a second writer took it then, and the first build died."""
    attempts = []

    class Watched(Store):
        def _connect(self):  # the moment RocksDB is closed, before it opens again
            attempts.append(subprocess.run([sys.executable, "-c", SECOND_WRITER, str(self.path)],
                                           capture_output=True, text=True, timeout=60))
            return super()._connect()

    with Watched.open(tmp_path / "db", reopen_bytes=1) as store:
        store.ingest(extract(ONE, name="one.txt"))
        store.ingest(extract(TWO, name="two.txt"))  # the first build goes on after the reopen
    assert attempts, "the database was not reopened"
    for attempt in attempts:
        assert attempt.returncode == 3 and "in use by another writer" in attempt.stdout, attempt
    with Store.open(tmp_path / "db", read_only=True) as reopened:
        assert len(reopened.documents()) == 2


def test_a_store_in_use_is_one_clear_line(tmp_path):
    with Store.open(tmp_path / "db"):
        result = runner.invoke(app, ["remove", "x.txt", "--store", str(tmp_path / "db")])
    assert result.exit_code == 1 and "in use by another writer" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_store_built_before_document_names_changed_must_be_rebuilt(tmp_path):
    import pyoxigraph as ox

    old = ox.Store(str(tmp_path / "old"))  # a store as an older coop-kg left it: no format mark
    old.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.NamedNode("http://c"),
                    ox.NamedNode(str(ID["doc/a-txt"]))))
    del old
    for read_only in (False, True):
        with pytest.raises(StoreError, match="older coop-kg.*rebuild"):
            Store.open(tmp_path / "old", read_only=read_only)
    result = runner.invoke(app, ["query", "SELECT * WHERE { ?s ?p ?o }", "--store", str(tmp_path / "old")])
    assert result.exit_code == 2 and "rebuild" in result.output and "Traceback" not in result.output


def test_two_folders_with_different_names_build_into_one_store(tmp_path):
    """Item 7 end to end: building a/ then b/ replaced 東京.txt by 北京.txt (both doc/txt)."""
    for folder, name in (("a", "東京.txt"), ("b", "北京.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(ONE if folder == "a" else TWO)
    db = str(tmp_path / "db")
    assert "1 added" in runner.invoke(app, ["build", str(tmp_path / "a"), "--store", db]).output
    second = runner.invoke(app, ["build", str(tmp_path / "b"), "--store", db])
    assert "1 added" in second.output and "replaced" not in second.output
    with Store.open(db, read_only=True) as store:
        assert {d.name for d in store.documents()} == {"東京.txt", "北京.txt"}
