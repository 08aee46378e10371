"""Each relation construction the rules propose, on sentences written here.

The rules' proposals are tested alone: the learned model weighs them with the other evidence
(tests/test_relation_model.py tests its decisions)."""
import pytest

from conftest import relation_labels


@pytest.fixture
def extract(extract):
    from kg.nlp import load_pipeline

    component = load_pipeline(None).get_pipe("coop_relations")  # the pipeline extract_text uses
    model, component.model = component.model, None
    yield extract
    component.model = model

CASES = [
    # a place named after the kind of place it is in another: "Y's capital, X"
    ("Kenya's capital, Nairobi, hosted the talks.", {("Nairobi", "locatedIn", "Kenya")}),
    ("Kenya's largest city, Nairobi, hosted the talks.", {("Nairobi", "locatedIn", "Kenya")}),
    # event place, and the place's place
    ("The 4th Andean Water Forum was held in Cusco, Peru, on May 3, 2024.",
     {("4th Andean Water Forum", "heldIn", "Cusco"), ("Cusco", "locatedIn", "Peru")}),
    # under the framework of
    ("The Andean Startup Camp, a youth event under the framework of the Pacific Innovation Expo, opened today.",
     {("Andean Startup Camp", "partOf", "Pacific Innovation Expo")}),
    # hosted / organized / implemented by, passive, coordinated agents
    ("The Andean Water Forum was organized by the Peruvian Water Authority and the Nile Basin Initiative.",
     {("Andean Water Forum", "organizedBy", "Peruvian Water Authority"), ("Andean Water Forum", "organizedBy", "Nile Basin Initiative")}),
    ("The Coastal Resilience Programme is implemented by the Kenya Marine Institute.",
     {("Coastal Resilience Programme", "organizedBy", "Kenya Marine Institute")}),
    # with the support of
    ("With the support of the Nordic Development Fund, Ghana launched the Volta Solar Initiative.",
     {("Nordic Development Fund", "supports", "Volta Solar Initiative"), ("Ghana", "established", "Volta Solar Initiative")}),
    ("The Volta Solar Initiative is funded by the Nordic Development Fund.",
     {("Nordic Development Fund", "supports", "Volta Solar Initiative")}),
    # X builds / launches / establishes / sets up Y
    ("The Kenya Marine Institute set up the Mombasa Ocean Laboratory in 2019.",
     {("Kenya Marine Institute", "established", "Mombasa Ocean Laboratory")}),
    ('Siemens builds a "Green Wave" laboratory for Ghana.',
     {("Siemens", "established", "Green Wave laboratory"), ("Green Wave laboratory", "serves", "Ghana")}),
    # cooperation: agreements / mechanisms with A and B; coordinated lists distribute
    ("Chile signed a cooperation agreement with Peru, Bolivia and Ecuador.",
     {("Chile", "cooperatesWith", "Peru"), ("Chile", "cooperatesWith", "Bolivia"), ("Chile", "cooperatesWith", "Ecuador")}),
    ("The Andean Technology Council has set up joint working groups with Colombia and Argentina.",
     {("Andean Technology Council", "cooperatesWith", "Colombia"), ("Andean Technology Council", "cooperatesWith", "Argentina")}),
    # possessives
    ("The Lima Data Hub became Ecuador's digital partner.", {("Lima Data Hub", "cooperatesWith", "Ecuador")}),
    ("Kenya's Ministry of Energy and Petroleum signed the plan.", {("Ministry of Energy and Petroleum", "partOf", "Kenya")}),
    # members
    ("The council works with six Savannah Union countries (including Ghana and Kenya).",
     {("Ghana", "memberOf", "Savannah Union"), ("Kenya", "memberOf", "Savannah Union")}),
    ("Peru, a member of the Andean Community, joined the Pacific Alliance.",
     {("Peru", "memberOf", "Andean Community")}),
    ("Maria Lopez, director of the Andean Water Council, opened the session.",
     {("Maria Lopez", "memberOf", "Andean Water Council")}),
    # a post in "the department": the department last named, not merely the last body
    ("The forum was hosted by the Cusco Department of Tourism and the Andean Hotel Institute. "
     "Prices rose, said Juan Perez, deputy director of the department.",
     {("Juan Perez", "memberOf", "Cusco Department of Tourism")}),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_construction(extract, text, expected):
    found = relation_labels(extract(text))
    assert expected <= found, f"missing {expected - found}; found {found}"


def test_symmetric_relation_is_stated_once_with_all_its_evidence(extract):
    from rdflib.namespace import RDF

    from kg.namespace import COOP
    from kg.rdf import document_triples

    extraction = extract("Chile signed an agreement with Peru. Peru signed an agreement with Chile.")
    statements = [r for r in extraction.relations if r.predicate == "cooperatesWith"]
    assert len({(r.subject, r.object) for r in statements}) == 1  # one direction only
    assert len({r.evidence.sentence for r in statements}) == 2  # both sentences kept as evidence
    graph = document_triples(extraction)
    assert len(list(graph.subject_objects(COOP.cooperatesWith))) == 1
    assert len(list(graph.subjects(RDF.predicate, COOP.cooperatesWith))) == 2


def test_every_relation_has_evidence(extract):
    text = "The 4th Andean Water Forum was held in Cusco, Peru. Chile signed an agreement with Peru."
    extraction = extract(text)
    assert extraction.relations
    for relation in extraction.relations:
        evidence = relation.evidence
        assert evidence.rule and 0 < evidence.confidence <= 1
        assert evidence.sentence in text
        assert 0 <= evidence.start < evidence.end <= len(text)


@pytest.mark.parametrize("text, unwanted", [
    # a dateline is where the story was filed, not who acted
    ("TOKYO, June 1 - The Kansai Port Authority signed a contract with the Osaka Shipping Board.",
     ("Tokyo", "cooperatesWith", "Osaka Shipping Board")),
    # a list of places is not a chain of locations
    ("Exports went to Kenya, Uganda, and Rwanda.", ("Kenya", "locatedIn", "Uganda")),
    # a possessive that modifies a later noun says nothing about the name after it
    ("The court read Portugal's NORDEC accession treaty.", ("NORDEC", "partOf", "Portugal")),
    # a person's post is in a body, not in another person
    ("Maria Lopez, deputy of minister Juan Perez, spoke.", ("Maria Lopez", "memberOf", "Juan Perez")),
    # nor in a body the next sentence names
    ("Prices rose, said Juan Perez, a senior economist.\n\nThe Andean Hotel Institute opened a school.",
     ("Juan Perez", "memberOf", "Andean Hotel Institute")),
])
def test_constructions_that_are_not_relations(extract, text, unwanted):
    assert unwanted not in relation_labels(extract(text))


@pytest.mark.parametrize("text, expected", [
    ("Kenya and Finland signed a memorandum of understanding on solar research.", ("Kenya", "cooperatesWith", "Finland")),
    ("The Andean Development Bank will provide $50 million for the Lima Metro Project.",
     ("Andean Development Bank", "supports", "Lima Metro Project")),
    ("Indonesia became a member of the Pacific Development Bank in 2024.", ("Indonesia", "memberOf", "Pacific Development Bank")),
    ("The Kenya Woodland Service and the Nordic Forest Agency will co-fund 20 joint projects.",
     ("Kenya Woodland Service", "cooperatesWith", "Nordic Forest Agency")),
    ("The Andean Environment Programme partnered with the Kenya Woodland Service to restore mangroves.",
     ("Andean Environment Programme", "cooperatesWith", "Kenya Woodland Service")),
    ("The China-Pakistan Economic Corridor was launched in 2015 by China and Pakistan.",
     ("Pakistan", "established", "China-Pakistan Economic Corridor")),
])
def test_joint_signatories_and_money(extract, text, expected):
    assert expected in relation_labels(extract(text))


@pytest.mark.parametrize("text, expected", [
    ("The Ministry of Water of Peru signed a cooperation agreement with the Chile Water Institute.",
     ("Ministry of Water of Peru", "partOf", "Peru")),
    ("He studied at the University of Nairobi.", ("University of Nairobi", "locatedIn", "Nairobi")),
    ("The Andes-Pacific Cooperation (APC) mechanism was launched by Chile and Peru in 2016.",
     ("Chile", "established", "Andes-Pacific Cooperation")),
])
def test_places_inside_names_and_type_nouns_after_acronyms(extract, text, expected):
    assert expected in relation_labels(extract(text))


def test_every_relation_points_at_words_of_its_sentence(extract):
    text = "The Andean Water Forum opened in Lima.\n\nThe Republic of Peru, led by President Ana Ruiz, is the next co-chair of the forum."
    extraction = extract(text)
    assert extraction.relations
    for relation in extraction.relations:
        evidence = relation.evidence
        assert 0 <= evidence.start < evidence.end <= len(text), relation
        assert text[evidence.start:evidence.end].strip() in evidence.sentence or evidence.sentence in text[evidence.start:evidence.end]


def test_rules_are_data_each_named():
    from kg.nlp.candidates import PREDICATES
    from kg.nlp.relations import RULES, rules
    loaded = rules()
    names = [frame.rule for frame in loaded["frames"]] + list(loaded["phrases"])
    assert len(names) == len(set(names)), "every rule has its own name"
    assert all("/" in name and name.split("/")[0] in PREDICATES for name in names)
    assert "establish" in loaded["words"] and RULES.suffix == ".json"


@pytest.mark.parametrize("text, expected", [
    # a verb frame with its particle: "set up" establishes, "set" alone does not
    ("The Andean Water Council set up the Lima Soil Laboratory.",
     ("Andean Water Council", "established", "Lima Soil Laboratory")),
    # a passive verb frame: the agent organizes the event
    ("The Oskaro Science Forum was organized by the Andean Water Council.",
     ("Oskaro Science Forum", "organizedBy", "Andean Water Council")),
])
def test_verb_frames_from_the_rule_file(nlp, text, expected):
    from kg.nlp.names import SPAN_KEY

    doc = nlp(text)
    proposed = nlp.get_pipe("coop_relations").rule_relations(doc, list(doc.spans[SPAN_KEY]))
    assert expected in {(r.subject.text, r.predicate, r.object.text) for r in proposed}


@pytest.mark.parametrize("seed", range(6))
def test_names_within_a_stretch_are_those_a_pass_over_all_names_finds(seed):
    """kg.nlp.candidates.SpanIndex finds by bisection what a pass over every name of the text
    would find, in the same order: spans in the text's order (as the recogniser gives them),
    shuffled, nested or overlapping."""
    import random

    import spacy
    from spacy.tokens import Span

    from kg.nlp.candidates import SpanIndex

    rng = random.Random(seed)
    doc = spacy.blank("en")(" ".join(f"word{i}" for i in range(120)))
    if seed < 3:  # apart, in order
        starts = sorted(rng.sample(range(0, 120, 4), 15))
        spans = [Span(doc, s, s + rng.randint(1, 3), label="Country") for s in starts]
    else:  # any order, some inside or across others
        spans = [Span(doc, s, min(120, s + rng.randint(1, 8)), label="Country")
                 for s in (rng.randrange(120) for _ in range(25))]
    index = SpanIndex(spans)
    assert list(index) == spans
    for _ in range(200):
        start = rng.randrange(121)
        end = rng.randrange(start, 121)
        assert index.within(start, end) == [s for s in spans if start <= s.start and s.end <= end]
        count = rng.randint(1, 6)
        assert index.ending_by(start, count) == [s for s in spans if s.end <= start][-count:]
