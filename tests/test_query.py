import json
import sys

import pytest

import kg
from kg.query import GraphLoadError, QueryError, canned_queries, format_result, load_graph, rows
from kg.rdf import document_triples

TEXT = ("The Andean Technology Transfer Center signed a cooperation agreement with Chile and Bolivia. "
        "Peru cooperates with Ecuador.")


@pytest.fixture(scope="module")
def graph(extract):
    return document_triples(extract(TEXT, name="andes.txt"))


def test_canned_queries_are_installed_with_titles():
    queries = canned_queries()
    assert "partners-of" in queries
    for canned in queries.values():
        assert canned.title != canned.name, f"{canned.path} has no '# title:' header"


@pytest.mark.parametrize("entity, expected", [
    ("Chile", {"Andean Technology Transfer Center"}),
    ("Andean Technology Transfer Center", {"Chile", "Bolivia"}),
    ("https://w3id.org/coop-kg/id/country/EC", {"Peru"}),
])
def test_partners_of_works_from_either_side(graph, entity, expected):
    result = kg.query(graph, "partners-of", params={"entity": entity})
    assert {r["partnerLabel"] for r in rows(result)} == expected


def test_parameter_values_are_bound_not_pasted(graph):
    hostile = 'Chile" } UNION { ?partner ?p ?partnerLabel } #'
    # a canned query's entity parameter names no entity: refused, nothing runs
    with pytest.raises(QueryError, match="no entity is called"):
        kg.query(graph, "partners-of", params={"entity": hostile})
    # a query of one's own binds the same value as a literal, never as text
    own = "SELECT ?partner WHERE { ?partner rdfs:label ?entity }"
    assert rows(kg.query(graph, own, params={"entity": hostile})) == []


@pytest.mark.parametrize("query, params, message", [
    ("partners-of", {}, "needs --param entity=VALUE"),
    ("cooperation-between", {"a": "Chile"}, "needs --param b=VALUE"),
    ("partners-of", {"entity": "Chiel"}, "no entity is called 'Chiel'; did you mean 'Chile'"),
    ("partners-off", {"entity": "Chile"}, "did you mean 'partners-of'"),
])
def test_parameter_mistakes_are_refused_with_a_hint(graph, query, params, message):
    with pytest.raises(QueryError) as raised:
        kg.query(graph, query, params=params)
    assert message in str(raised.value)


@pytest.mark.parametrize("fmt, check", [
    ("json", lambda text: json.loads(text)["head"]["vars"] == ["partner", "partnerLabel"]),
    ("csv", lambda text: text.splitlines()[0].strip() == "partner,partnerLabel"),
    ("tsv", lambda text: text.splitlines()[0] == "?partner\t?partnerLabel" and "<https://" in text),
    ("table", lambda text: "partnerLabel" in text and "1 row" in text),
])
def test_result_formats(graph, fmt, check):
    result = kg.query(graph, "partners-of", params={"entity": "Chile"})
    assert check(format_result(result, fmt))


def test_construct_gives_turtle(graph):
    text = format_result(kg.query(graph, "CONSTRUCT { ?a coop:cooperatesWith ?b } WHERE { ?a coop:cooperatesWith ?b }"))
    assert "coop:cooperatesWith" in text


def test_syntax_error_names_query_and_position(graph):
    with pytest.raises(QueryError, match=r"query: SPARQL syntax error at line 1, column \d+"):
        kg.query(graph, "SELECT ?x WHERE { ?x ?y }")


def test_unknown_query_name_lists_the_canned_ones():
    with pytest.raises(QueryError, match="partners-of"):
        kg.query(kg.load_graph([]) if False else None, "no-such-query")


def test_malformed_turtle_names_file_and_line(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n")
    with pytest.raises(GraphLoadError, match=r"bad.ttl: not valid turtle"):
        load_graph(path)


def test_jsonld_with_remote_context_is_not_fetched(tmp_path):
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://example.org/context.jsonld", "@id": "http://example.org/a", "name": "x"}')
    with pytest.raises(GraphLoadError, match="remote.jsonld"):
        load_graph(path)


def test_canned_queries_are_read_again_when_a_file_changes(tmp_path, monkeypatch):
    # the module, not the function kg.query that the package exports under the same name
    monkeypatch.setattr(sys.modules["kg.query"], "queries_dir", lambda: tmp_path)
    (tmp_path / "one.rq").write_text("# title: One\nSELECT ?a WHERE { ?a ?b ?c }\n", encoding="utf-8")
    assert set(canned_queries()) == {"one"}
    (tmp_path / "one.rq").write_text("# title: One, edited\nASK { ?a ?b ?c }\n", encoding="utf-8")
    (tmp_path / "two.rq").write_text("# title: Two\nASK { ?a ?b ?c }\n", encoding="utf-8")
    queries = canned_queries()
    assert set(queries) == {"one", "two"}
    assert queries["one"].title == "One, edited"


def test_csv_is_written_as_rdflib_writes_it():
    from rdflib import BNode, Graph, Literal, URIRef

    data = Graph()
    data.add((URIRef("https://example.org/a"), URIRef("https://example.org/says"), Literal('one, "two"\nthree')))
    data.add((BNode("b1"), URIRef("https://example.org/says"), Literal(4)))
    data.add((URIRef("https://example.org/c"), URIRef("https://example.org/says"), Literal("vier", lang="de")))
    result = kg.query(data, "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?none FILTER(false) } } ORDER BY ?o")
    assert format_result(result, "csv") == result.serialize(format="csv").decode("utf-8")


def test_the_cli_starts_without_rdflibs_sparql_engine():
    """rdflib builds its SPARQL grammar as it is imported, a third of a `kg query --store`
    command's time; only a query on a Graph needs it."""
    import subprocess

    code = "import sys, kg, kg.cli; print(sorted(m for m in sys.modules if m.startswith('rdflib.plugins.sparql')))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


SAID = "https://example.org/says"


def test_a_store_answer_is_written_as_the_same_result_from_a_graph():
    """kg query --store writes pyoxigraph's terms as they come: the same text as the rdflib
    Result of the same data gives, in every format."""
    import pyoxigraph as ox
    from rdflib import Graph, Literal, URIRef

    from kg.store import Store

    data = Graph()
    data.add((URIRef("https://example.org/a"), URIRef(SAID), Literal('one, "two" \\ three')))
    data.add((URIRef("https://example.org/b"), URIRef(SAID), Literal(4)))
    data.add((URIRef("https://example.org/c"), URIRef(SAID), Literal("vier", lang="de")))
    data.add((URIRef("https://example.org/d"), URIRef(SAID), Literal("0.25", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal"))))
    data.add((URIRef("https://w3id.org/coop-kg/id/country/NL"), URIRef(SAID), URIRef("https://w3id.org/coop-kg/ontology#Country")))
    sparql = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <https://example.org/none> ?none } } ORDER BY ?s"
    with Store.in_memory() as store:
        store.oxigraph.extend(ox.parse(data.serialize(format="nt"), ox.RdfFormat.N_QUADS))
        answer = kg.answer(store, sparql)
        assert isinstance(answer, kg.Answer)
        result = kg.query(data, sparql)
        for fmt in ("csv", "tsv", "table"):
            assert format_result(answer, fmt) == format_result(result, fmt), fmt
        assert json.loads(format_result(answer, "json")) == json.loads(format_result(result, "json"))
        assert rows(answer) == rows(result) == rows(kg.query(store, sparql))
        asked = kg.answer(store, "ASK { ?s ?p 4 }")
        assert format_result(asked, "json") == format_result(kg.query(data, "ASK { ?s ?p 4 }"), "json")


def test_tsv_of_a_store_keeps_a_row_on_a_line():
    import pyoxigraph as ox

    from kg.store import Store

    with Store.in_memory() as store:
        store.oxigraph.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode(SAID),
                                   ox.Literal("two\nlines"), ox.DefaultGraph()))
        written = format_result(kg.answer(store, "SELECT ?o WHERE { ?s ?p ?o }"), "tsv")
    assert written == '?o\n"two\\nlines"\n'


def test_kg_query_on_a_store_runs_without_rdflib(extract, tmp_path):
    """A query on a store is answered and written out in pyoxigraph's terms: rdflib, whose
    import was most of the command's start-up, is not imported at all (nor rich, but for a table,
    nor pydantic, which typer 0.29 and later import at start-up)."""
    import subprocess

    from kg.store import Store

    with Store.open(tmp_path / "store") as store:
        store.ingest(extract(TEXT, name="andes.txt"))
    code = ("import sys\nfrom kg.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'rich', 'pydantic'}), file=sys.stderr)")
    for fmt in ("csv", "json", "tsv"):
        done = subprocess.run([sys.executable, "-c", code, "query", "partners-of", "--store", str(tmp_path / "store"),
                               "--param", "entity=Chile", "-f", fmt], capture_output=True, text=True, check=True)
        assert "Andean Technology Transfer Center" in done.stdout
        assert done.stderr.strip().splitlines()[-1] == "[]", fmt
    misspelt = subprocess.run([sys.executable, "-c", code, "query", "partners-of", "--store", str(tmp_path / "store"),
                               "--param", "entity=Chlie"], capture_output=True, text=True)
    assert "no entity is called 'Chlie'; did you mean 'Chile'?" in misspelt.stderr
