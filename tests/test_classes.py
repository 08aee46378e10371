"""The class table is what the ontology says, read once."""
from rdflib.namespace import OWL, RDF, RDFS

from kg.classes import PLACE_CLASSES, TOP_CLASS, TOP_CLASS_BY_IRI, TOP_CLASSES, domain_and_range, ontology_graph
from kg.namespace import COOP, RELATIONS


def test_the_seven_top_classes_in_the_ontologys_order():
    assert list(TOP_CLASSES) == ["Organization", "Country", "Place", "Event", "Program", "Facility", "Person"]
    assert all(TOP_CLASS[name] == name for name in TOP_CLASSES)


def test_finer_classes_take_the_top_class_they_are_a_subclass_of():
    assert TOP_CLASS["GovernmentAgency"] == "Organization"
    assert TOP_CLASS["City"] == "Place"
    assert TOP_CLASS["Fund"] == "Program"
    assert "Document" not in TOP_CLASS  # provenance, not a named thing


def test_every_class_of_ours_below_a_top_class_is_in_the_table():
    graph = ontology_graph()
    below_a_top = {str(c).removeprefix(str(COOP._NS)) for c in graph.subjects(RDF.type, OWL.Class)
                   if set(graph.objects(c, RDFS.subClassOf)) & set(TOP_CLASSES.values())}
    assert below_a_top and below_a_top <= set(TOP_CLASS)


def test_place_classes_are_countries_and_places():
    assert PLACE_CLASSES == {"Country", "Place", "Province", "City", "Region"}


def test_classes_by_iri():
    assert TOP_CLASS_BY_IRI[COOP.Company] == "Organization"
    assert TOP_CLASS_BY_IRI[COOP.Country] == "Country"


def test_domain_and_range_of_every_relation():
    table = domain_and_range()
    assert list(table) == list(RELATIONS)
    domain, range_ = table["heldIn"]
    assert domain == {"Event", "Program"} and range_ == {"Place", "Country", "Facility"}


def test_canned_queries_list_the_classes_the_table_has():
    """The canned queries list classes by hand (they run on graphs without the ontology, and
    people read them): every list of one top class's classes is complete, and the table of
    entities-by-class is the class table."""
    import re

    from kg.query import canned_queries

    def local_names(text: str) -> list[str]:
        return re.findall(r"coop:(\w+)", text)

    queries = canned_queries()
    pairs = re.search(r"VALUES \(\?class \?topClass\) \{(.*?)\}", queries["entities-by-class"].text, re.DOTALL)
    names = local_names(pairs.group(1))
    assert dict(zip(names[::2], names[1::2])) == TOP_CLASS
    checked = 0
    for query in queries.values():
        for block in re.findall(r"VALUES \?class \{(.*?)\}", query.text, re.DOTALL):
            classes = set(local_names(block))
            tops = {TOP_CLASS[c] for c in classes}
            assert len(tops) == 1 and classes == {c for c, t in TOP_CLASS.items() if t in tops}, query.name
            checked += 1
    assert checked >= 2
