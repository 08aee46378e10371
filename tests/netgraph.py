"""Small entity graphs written directly as triples, for the network and page tests."""
from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from kg.namespace import COOP, ID, assertion_iri, document_iri
from kg.rdf import new_graph


def iri(key: str) -> str:
    return str(ID[key])


def entity_graph(entities, relations, title: str = "Test bulletin") -> Graph:
    """entities: (key, class, label, [other names]); relations: (subject key, predicate,
    object key, sentence). Every entity and relation comes from one document called `title`."""
    graph = new_graph()
    doc = document_iri(title)
    graph.add((doc, RDF.type, COOP.Document))
    graph.add((doc, RDFS.label, Literal(title)))
    for key, cls, label, aliases in entities:
        node = ID[key]
        graph.add((node, RDF.type, getattr(COOP, cls)))
        graph.add((node, RDFS.label, Literal(label)))
        for alias in aliases:
            graph.add((node, SKOS.altLabel, Literal(alias)))
        graph.add((node, COOP.mentionedIn, doc))
    for s, predicate, o, sentence in relations:
        p = getattr(COOP, predicate)
        graph.add((ID[s], p, ID[o]))
        assertion = assertion_iri(title, s, predicate, o)
        graph.add((assertion, RDF.type, COOP.Assertion))
        graph.add((assertion, RDF.subject, ID[s]))
        graph.add((assertion, RDF.predicate, p))
        graph.add((assertion, RDF.object, ID[o]))
        graph.add((assertion, PROV.wasDerivedFrom, doc))
        graph.add((assertion, COOP.sentence, Literal(sentence)))
    return graph


# a small cooperation network: two countries, a ministry, a lab, a forum and its city, plus
# an unrelated pair (a second component)
ENTITIES = [
    ("kenya", "Country", "Kenya", ["Republic of Kenya"]),
    ("finland", "Country", "Finland", ["Suomi"]),
    ("ministry", "GovernmentAgency", "Ministry of Energy", ["MoE"]),
    ("lab", "Facility", "Solar Laboratory", []),
    ("forum", "Event", "Green Trade Forum", []),
    ("nairobi", "City", "Nairobi", []),
    ("fund", "Fund", "Water Fund", []),
    ("ghana", "Country", "Ghana", []),
]
RELATIONS = [
    ("kenya", "cooperatesWith", "finland", "Kenya and Finland agreed to cooperate on energy."),
    ("ministry", "partOf", "kenya", "The Ministry of Energy of Kenya signed."),
    ("ministry", "established", "lab", "The Ministry of Energy opened a solar laboratory."),
    ("finland", "supports", "lab", "Finland funds the solar laboratory."),
    ("lab", "locatedIn", "nairobi", "The laboratory is in Nairobi."),
    ("forum", "heldIn", "nairobi", "The Green Trade Forum was held in Nairobi."),
    ("kenya", "participatesIn", "forum", "Kenya took part in the forum."),
    ("fund", "serves", "ghana", "The Water Fund serves Ghana."),
]


def sample_graph() -> Graph:
    return entity_graph(ENTITIES, RELATIONS)


# markup in every text a document can bring: labels, other names, sentences, document titles
PAYLOADS = [
    "<script>window.__injected = 1</script>",
    "<img src=x onerror=\"window.__injected = 2\">",
    "</script><script>window.__injected = 3</script>",
    "<svg onload=\"window.__injected = 4\"></svg>",
    "\"><b id=\"injected\">bold</b><!--",
]


def hostile_graph(payload: str) -> Graph:
    return entity_graph(
        [("evil", "Organization", f"Agency {payload}", [f"alias {payload}"]),
         ("kenya", "Country", "Kenya", []),
         ("other", "Program", payload, [])],
        [("evil", "cooperatesWith", "kenya", f"The agency {payload} works with Kenya."),
         ("other", "serves", "kenya", payload)],
        title=f"Bulletin {payload}",
    )


# entities that no relation names: the page hides them until asked
LONELY = [
    ("orchid", "Organization", "Orchid Valley Cooperative", []),
    ("tundra", "Organization", "Tundra Research Board", ["TRB"]),
]


def lonely_graph() -> Graph:
    """The sample network and two isolated entities."""
    return entity_graph(ENTITIES + LONELY, RELATIONS)


def crowd_graph(size: int, seed: int = 3, isolated: int = 0, prefix: str = "c") -> Graph:
    """`size` related entities with invented names in a scale-free pattern (each new one related
    to one or two earlier ones), and `isolated` more with no relation."""
    import random

    rng = random.Random(seed)
    classes = ["Organization", "Country", "Place", "Event", "Program", "Facility", "Person"]
    predicates = ["cooperatesWith", "supports", "partOf", "memberOf", "locatedIn"]
    entities = [(f"{prefix}{i}", rng.choice(classes), f"Crowd Member {prefix}{i}", [])
                for i in range(size + isolated)]
    relations, targets = [], []
    for i in range(size):
        for other in ({rng.choice(targets) for _ in range(rng.choice((1, 2)))} if targets else ()):
            relations.append((f"{prefix}{i}", rng.choice(predicates), other, f"Member {i} and {other}."))
            targets.append(other)
        targets.append(f"{prefix}{i}")
    return entity_graph(entities, relations)
