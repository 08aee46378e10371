"""The `coop_relations` spaCy component: relations between names, from sentence structure.

Each rule reads the dependency parse around a trigger (a verb such as "held" or "launched",
a phrase such as "under the framework of", a possessive, an apposition) and relates the
name spans that `coop_names` found. Coordinated names ("A, B and C") distribute over the
relation. Every relation keeps the rule that made it, a confidence, and its evidence span.
Results are `doc._.coop_relations`, a list of `RelationCandidate`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from .lexicon import PERSON_ROLES, TOP_CLASS
from .names import SPAN_KEY

if not Doc.has_extension("coop_relations"):
    Doc.set_extension("coop_relations", default=[])


@dataclass(frozen=True)
class RelationCandidate:
    subject: Span
    predicate: str
    object: Span
    rule: str
    confidence: float
    evidence: Span  # the words that state it (at most the sentence)


PLACES = {"Country", "Place", "Province", "City", "Region"}
ACTORS = {"Organization", "Country", "Place", "Person", "Province", "City", "Region"}

ESTABLISH_VERBS = {"establish", "found", "launch", "build", "set", "create", "open", "initiate",
                   "propose", "inaugurate", "form", "start", "construct", "unveil", "introduce"}
ORGANIZE_VERBS = {"organize", "organise", "host", "implement", "run", "sponsor", "co-sponsor",
                  "cosponsor", "co-organize", "co-organise", "coorganize", "chair", "convene",
                  "manage", "operate", "coordinate", "administer", "handle", "stage"}
SUPPORT_VERBS = {"fund", "support", "finance", "endorse", "sponsor", "back", "subsidize"}
HOLD_VERBS = {"hold", "take", "wrap", "open", "close", "convene", "kick", "conclude", "start"}
COOPERATION_NOUNS = {"cooperation", "co-operation", "collaboration", "partnership", "agreement",
                     "agreements", "mechanism", "mechanisms", "memorandum", "memoranda", "accord",
                     "pact", "treaty", "deal", "talks", "ties", "relations", "exchange",
                     "exchanges", "group", "groups", "document", "documents", "contract",
                     "contracts", "alliance", "dialogue", "venture", "mou", "mous", "links"}
PARTNER_NOUNS = {"partner", "partners", "ally", "allies"}
MEMBER_NOUNS = {"member", "members"}


@Language.factory("coop_relations", default_config={"min_confidence": 0.0})
def make_relation_extractor(nlp: Language, name: str, min_confidence: float) -> "RelationExtractor":
    return RelationExtractor(nlp, min_confidence)


class RelationExtractor:
    def __init__(self, nlp: Language, min_confidence: float = 0.0) -> None:
        self.min_confidence = min_confidence
        self.phrases = Matcher(nlp.vocab)
        self.phrases.add("partOf/framework", [[{"LOWER": "under"}, {"LOWER": "the"}, {"LOWER": "framework"}, {"LOWER": "of"}],
                                              [{"LOWER": "under"}, {"LOWER": "the"}, {"LOWER": {"IN": ["auspices", "umbrella"]}}, {"LOWER": "of"}],
                                              [{"LOWER": "as"}, {"LOWER": "part"}, {"LOWER": "of"}]])
        self.phrases.add("supports/with-support", [[{"LOWER": "with"}, {"LOWER": {"IN": ["the", "financial"]}, "OP": "*"},
                                                    {"LOWER": {"IN": ["support", "help", "backing", "funding", "money"]}},
                                                    {"LOWER": {"IN": ["of", "from"]}}]])
        self.phrases.add("heldIn/held-in", [[{"LEMMA": {"IN": ["hold", "take", "wrap", "close", "open", "convene", "conclude", "kick"]}},
                                             {"LOWER": {"IN": ["place", "up", "off"]}, "OP": "?"},
                                             {"LOWER": "in"}]])
        self.phrases.add("memberOf/including", [[{"LOWER": "("}, {"LOWER": {"IN": ["including", "includes", "such", "namely", "e.g."]}}]])

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans[SPAN_KEY])
        self.at = _token_index(doc, spans)
        found: list[RelationCandidate] = []
        found += self._from_phrases(doc)
        found += self._from_verbs(doc)
        found += self._from_names(doc, spans)
        found += self._from_appositions(doc, spans)
        found += self._from_nouns(doc)
        seen = set()
        result = []
        for rel in found:
            key = (rel.subject.start, rel.predicate, rel.object.start)
            if rel.subject.start == rel.object.start or key in seen or rel.confidence < self.min_confidence:
                continue
            seen.add(key)
            result.append(rel)
        doc._.coop_relations = result
        return doc

    # -- helpers over the parse --------------------------------------------------------
    def span_of(self, token: Token | None) -> Span | None:
        return self.at.get(token.i) if token is not None else None

    def conjuncts(self, token: Token) -> list[Span]:
        """The names of a token and of everything coordinated with it ("A, B and C")."""
        result = []
        for t in [token, *token.conjuncts]:
            span = self.span_of(t) or self._name_under(t)
            if span is not None and span not in result:
                result.append(span)
        return result

    def _name_under(self, token: Token) -> Span | None:
        """A name inside a phrase: "the Forum on ..." -> the Forum span; "its partners" -> None."""
        for t in token.subtree:
            span = self.span_of(t)
            if span is not None and t.head.i in range(token.left_edge.i, token.right_edge.i + 1):
                if span.start <= token.i < span.end or t.i == token.i or t.head == token and t.dep_ in {"compound", "amod", "nmod", "poss"}:
                    return span
        return None

    def subject_of(self, verb: Token) -> list[Span]:
        """Who did it: nsubj, including through relative clauses and "X, which ... "."""
        for child in verb.children:
            if child.dep_ in {"nsubj", "nsubjpass"}:
                if child.tag_ in {"WDT", "WP"} and verb.dep_ == "relcl":
                    return self.conjuncts(verb.head)
                spans = self.conjuncts(child)
                if spans:
                    return spans
                return self._coreferent(child)
        if verb.dep_ in {"acl", "relcl", "advcl"} and verb.head.pos_ in {"NOUN", "PROPN"}:
            return self.conjuncts(verb.head)
        if verb.dep_ in {"conj", "xcomp"} and verb.head.pos_ in {"VERB", "AUX"}:
            return self.subject_of(verb.head)
        return []

    def object_of(self, verb: Token) -> list[Span]:
        for child in verb.children:
            if child.dep_ in {"dobj", "obj", "attr", "oprd"}:
                if child.tag_ in {"WDT", "WP"} and verb.dep_ == "relcl":
                    return self.conjuncts(verb.head)
                spans = self.conjuncts(child)
                return spans or self._coreferent(child)
        if verb.dep_ == "relcl":
            for child in verb.children:
                if child.tag_ in {"WDT", "WP"} and child.dep_ in {"dobj", "obj"}:
                    return self.conjuncts(verb.head)
        return []

    def agents_of(self, verb: Token) -> list[Span]:
        for child in verb.children:
            if child.dep_ == "agent":
                for pobj in child.children:
                    if pobj.dep_ == "pobj":
                        return self.conjuncts(pobj)
        return []

    def _coreferent(self, token: Token) -> list[Span]:
        """ "the forum", "it", "the event": the latest name of a fitting class before it."""
        if token.pos_ not in {"NOUN", "PRON"} or token.lower_ in {"which", "that", "who"}:
            return []
        wanted = None
        if token.pos_ == "NOUN":
            from .lexicon import head_class
            wanted = head_class(token.lemma_)
            if wanted is None and token.lemma_ in {"event", "meeting"}:
                wanted = "Event"
            if wanted is None:
                return []
        candidates = [s for s in token.doc.spans[SPAN_KEY] if s.end <= token.i]
        for span in reversed(candidates[-12:]):
            if wanted is None or TOP_CLASS.get(span.label_) == TOP_CLASS.get(wanted):
                return [span] if wanted else []
        return []

    def pobj_names(self, prep: Token) -> list[Span]:
        for child in prep.children:
            if child.dep_ == "pobj":
                return self.conjuncts(child)
        return []

    # -- rules -------------------------------------------------------------------------
    def _from_phrases(self, doc: Doc) -> Iterator[RelationCandidate]:
        for match_id, start, end in self.phrases(doc):
            rule = doc.vocab.strings[match_id]
            predicate = rule.split("/")[0]
            sent = doc[start].sent
            prep = doc[end - 1]
            objects = self.pobj_names(prep) or self._next_names(doc, end, sent)
            if predicate == "partOf":
                subjects = self._governing_names(doc[start], sent)
                for s in subjects:
                    for o in objects[:1]:
                        yield RelationCandidate(s, "partOf", o, rule, 0.8, sent)
            elif predicate == "supports":
                # "with the support of A and B, X did Y": A and B support what was done
                supported = self._clause_names(doc[start], sent, exclude=objects)
                for s in objects:
                    for o in supported:
                        if TOP_CLASS.get(o.label_) in {"Program", "Event", "Facility", "Organization"}:
                            yield RelationCandidate(s, "supports", o, rule, 0.6, sent)
            elif predicate == "heldIn":
                verb = doc[start]
                events = [s for s in self.subject_of(verb) if TOP_CLASS.get(s.label_) == "Event"] or \
                    [s for s in self._coreferent_event(doc, start)]
                places = [o for o in objects if o.label_ in PLACES]
                for e in events:
                    for p in places[:1]:
                        yield RelationCandidate(e, "heldIn", p, rule, 0.85, sent)
            elif predicate == "memberOf":
                # "nine ASEAN countries (including Thailand and Cambodia)"
                group = self._group_before(doc, start)
                members = [s for s in self._next_names(doc, end, sent, stop=")")]
                if group is not None:
                    for m in members:
                        if m.label_ in {"Country"} | {"Organization"}:
                            yield RelationCandidate(m, "memberOf", group, rule, 0.75, sent)

    def _from_verbs(self, doc: Doc) -> Iterator[RelationCandidate]:
        for token in doc:
            if token.pos_ not in {"VERB", "AUX"} and token.tag_ not in {"VBN", "VBD", "VBG"}:
                continue
            lemma = token.lemma_.lower()
            sent = token.sent
            passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in token.children) or (
                token.tag_ == "VBN" and token.dep_ in {"acl", "relcl", "advcl", "ROOT", "conj"} and self.agents_of(token))
            phrasal = {c.lower_ for c in token.children if c.dep_ == "prt"}
            if lemma == "set" and "up" not in phrasal:
                continue
            if lemma in ESTABLISH_VERBS:
                yield from self._pairs(token, "established", passive, "established/verb", 0.8,
                                       obj_classes={"Organization", "Program", "Facility", "Event"})
            if lemma in ORGANIZE_VERBS or lemma.replace("-", "") in ORGANIZE_VERBS:
                # "X organized Y" means Y organizedBy X
                for agent, thing in self._agent_thing(token, passive):
                    if TOP_CLASS.get(thing.label_) in {"Event", "Program", "Organization", "Facility"} and agent.label_ in ACTORS | {"Organization", "GovernmentAgency", "ResearchOrganization", "Company", "Program"}:
                        yield RelationCandidate(thing, "organizedBy", agent, "organizedBy/verb", 0.8, sent)
            if lemma in SUPPORT_VERBS:
                for agent, thing in self._agent_thing(token, passive):
                    yield RelationCandidate(agent, "supports", thing, "supports/verb", 0.75, sent)
            if lemma in {"join", "attend", "participate"} or (lemma == "take" and "part" in {c.lower_ for c in token.children}):
                for actor in self.subject_of(token):
                    things = self.object_of(token) or [s for c in token.children if c.dep_ == "prep" for s in self.pobj_names(c)]
                    for thing in things:
                        if TOP_CLASS.get(thing.label_) in {"Event", "Program"}:
                            yield RelationCandidate(actor, "participatesIn", thing, "participatesIn/verb", 0.75, sent)
            if lemma in {"sign", "conclude", "reach", "ink"} or lemma in {"cooperate", "collaborate", "partner", "work"}:
                yield from self._cooperation(token)
            if lemma in {"headquarter", "base", "locate", "situate"}:
                for s in self.subject_of(token):
                    for c in token.children:
                        if c.dep_ == "prep" and c.lower_ in {"in", "at"}:
                            for o in self.pobj_names(c):
                                if o.label_ in PLACES:
                                    yield RelationCandidate(s, "locatedIn", o, "locatedIn/verb", 0.85, sent)

    def _pairs(self, verb: Token, predicate: str, passive: bool, rule: str, confidence: float,
               obj_classes: set[str]) -> Iterator[RelationCandidate]:
        for agent, thing in self._agent_thing(verb, passive):
            if TOP_CLASS.get(thing.label_) in obj_classes and TOP_CLASS.get(agent.label_) in {"Organization", "Country", "Place", "Person", "Program"}:
                yield RelationCandidate(agent, predicate, thing, rule, confidence, verb.sent)

    def _agent_thing(self, verb: Token, passive: bool) -> Iterator[tuple[Span, Span]]:
        if passive:
            agents = self.agents_of(verb)
            things = self.subject_of(verb)
        else:
            agents = self.subject_of(verb)
            things = self.object_of(verb)
            # "which JST launched together with MEXT": partners in the act
            for child in verb.children:
                if child.dep_ == "advmod" and child.lower_ == "together":
                    for prep in child.children:
                        agents = agents + self.pobj_names(prep)
                if child.dep_ == "prep" and child.lower_ == "with" and any(t.lower_ == "together" for t in verb.children):
                    agents = agents + self.pobj_names(child)
        for agent in agents:
            for thing in things:
                if agent != thing:
                    yield agent, thing

    def _cooperation(self, verb: Token) -> Iterator[RelationCandidate]:
        """ "X signed agreements with A and B", "X cooperates with Y"."""
        subjects = self.subject_of(verb)
        partners: list[Span] = []
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in {"with", "between"}:
                partners += self.pobj_names(child)
            if child.dep_ in {"dobj", "obj"}:
                for prep in child.children:
                    if prep.dep_ == "prep" and prep.lower_ in {"with", "on"}:
                        for p in prep.children:
                            if p.dep_ == "pobj":
                                partners += self.conjuncts(p)
                                for pp in p.children:
                                    if pp.dep_ == "prep" and pp.lower_ == "with":
                                        partners += self.pobj_names(pp)
                        if prep.lower_ == "with":
                            partners += self.pobj_names(prep)
        for s in subjects:
            for p in partners:
                if s != p and s.label_ in ACTORS | {"GovernmentAgency", "ResearchOrganization", "Company"}:
                    yield RelationCandidate(s, "cooperatesWith", p, "cooperatesWith/verb", 0.8, verb.sent)

    def _from_nouns(self, doc: Doc) -> Iterator[RelationCandidate]:
        """ "mechanisms with A and B", "cooperation between A and B", "Indonesia's partner"."""
        for token in doc:
            if token.lower_ in COOPERATION_NOUNS and token.pos_ == "NOUN":
                sent = token.sent
                for prep in token.children:
                    if prep.dep_ != "prep":
                        continue
                    if prep.lower_ == "between":
                        names = self.pobj_names(prep)
                        for a, b in zip(names, names[1:]):
                            yield RelationCandidate(a, "cooperatesWith", b, "cooperatesWith/between", 0.8, sent)
                    elif prep.lower_ == "with":
                        partners = self.pobj_names(prep)
                        owner = self._owner_of_noun(token)
                        for s in owner:
                            for p in partners:
                                if s != p:
                                    yield RelationCandidate(s, "cooperatesWith", p, "cooperatesWith/noun-with", 0.7, sent)
            if token.lower_ in PARTNER_NOUNS:
                possessors = [self.span_of(c) for c in token.children if c.dep_ == "poss"]
                possessors += [self.span_of(c) for c in token.subtree if c.dep_ == "poss" and c.head.head == token]
                owner = self._owner_of_noun(token)
                for p in possessors:
                    for s in owner:
                        if p is not None and s != p:
                            yield RelationCandidate(s, "cooperatesWith", p, "cooperatesWith/partner", 0.7, token.sent)

    def _owner_of_noun(self, noun: Token) -> list[Span]:
        """Whose agreement: the subject of the verb the noun hangs on ("X set up mechanisms with")."""
        head = noun
        while head.dep_ in {"conj", "appos", "pobj", "prep", "amod", "compound"} and head.head != head:
            head = head.head
        if head.dep_ in {"dobj", "obj", "attr", "nsubjpass"}:
            verb = head.head
            if head.dep_ == "attr":  # "X becomes Y's partner"
                return self.subject_of(verb)
            return self.subject_of(verb)
        return []

    def _from_names(self, doc: Doc, spans: list[Span]) -> Iterator[RelationCandidate]:
        """Relations written into the way names stand together."""
        for a, b in zip(spans, spans[1:]):
            between = doc[a.end:b.start]
            text = between.text.strip()
            sent = a.sent
            # "Nanning, Guangxi", "Jakarta, Indonesia"
            if text == "," and a.label_ in PLACES and b.label_ in PLACES and a.label_ != "Country":
                after = doc[b.end] if b.end < len(doc) else None
                if not (after is not None and after.text == "," and after.i + 1 < len(doc) and self.span_of(doc[after.i + 1]) is not None
                        and self.span_of(doc[after.i + 1]).label_ == a.label_):
                    yield RelationCandidate(a, "locatedIn", b, "locatedIn/comma", 0.8, doc[a.start:b.end])
            # "Japan's Ministry of ...", "Egypt's Fayoum University"
            if text in {"'s", "\u2019s", "'", "\u2019"} and a.label_ in PLACES:
                top = TOP_CLASS.get(b.label_)
                if b.label_ == "GovernmentAgency" or (top == "Organization" and b.label_ not in {"ResearchOrganization", "Company"}):
                    yield RelationCandidate(b, "partOf", a, "partOf/possessive", 0.8, doc[a.start:b.end])
                elif top in {"Organization", "Facility", "Place"} and b.label_ != "Country":
                    yield RelationCandidate(b, "locatedIn", a, "locatedIn/possessive", 0.75, doc[a.start:b.end])
            # "Laboratory of ... of Wuhan University", "Institute of the Chinese Academy ..."
            if text in {"of", "of the"} and TOP_CLASS.get(a.label_) in {"Organization", "Facility"} \
                    and TOP_CLASS.get(b.label_) == "Organization":
                yield RelationCandidate(a, "partOf", b, "partOf/of-name", 0.8, doc[a.start:b.end])
            # "CATTC Bangkok Innovation Center in Thailand"
            if text == "in" and TOP_CLASS.get(a.label_) in {"Organization", "Facility"} and b.label_ in PLACES:
                yield RelationCandidate(a, "locatedIn", b, "locatedIn/in", 0.7, doc[a.start:b.end])
        for span in spans:
            # "Department of Science and Technology of Guangxi ...": the place a body belongs to
            tokens = list(span)
            for k, token in enumerate(tokens[1:-1], start=1):
                if token.text == "of" and TOP_CLASS.get(span.label_) == "Organization":
                    inner = self.at.get(tokens[k + 1].i)
                    rest = doc[tokens[k + 1].i:span.end]
                    from .gazetteer import gazetteer
                    if gazetteer().lookup(rest.text):
                        yield RelationCandidate(span, "partOf", rest, "partOf/of-place", 0.8, span)
            # "the CATTC Bangkok Innovation Center": a body named after its parent
            first = span[0]
            if len(span) > 2 and first.is_upper and len(first) > 1:
                parent = self._acronym_entity(doc, first.text, span)
                if parent is not None:
                    yield RelationCandidate(span, "partOf", parent, "partOf/prefix", 0.7, span)

    def _acronym_entity(self, doc: Doc, text: str, exclude: Span) -> Span | None:
        for span in doc.spans[SPAN_KEY]:
            if span != exclude and span.text == text:
                return span
        return None

    def _from_appositions(self, doc: Doc, spans: list[Span]) -> Iterator[RelationCandidate]:
        """ "Nanning, the capital of Guangxi", "Brunei, a member of ASEAN", "Xu Lin, a professor at X"."""
        for span in spans:
            if span.end + 2 >= len(doc) or doc[span.end].text != ",":
                continue
            window = doc[span.end + 1:min(len(doc), span.end + 12)]
            words = [t.lower_ for t in window]
            nxt = [s for s in spans if window.start <= s.start < window.end]
            if not nxt:
                continue
            target = nxt[0]
            lead = doc[window.start:target.start]
            lead_words = {t.lower_ for t in lead}
            sent = span.sent
            if "capital" in lead_words and span.label_ in PLACES and target.label_ in PLACES:
                yield RelationCandidate(span, "locatedIn", target, "locatedIn/capital", 0.85, doc[span.start:target.end])
            elif lead_words & MEMBER_NOUNS and "of" in lead_words:
                yield RelationCandidate(span, "memberOf", target, "memberOf/apposition", 0.8, doc[span.start:target.end])
            elif span.label_ == "Person" and lead_words & PERSON_ROLES:
                yield RelationCandidate(span, "memberOf", target, "memberOf/post", 0.8, doc[span.start:target.end])
            elif lead.text.endswith("-based") or any(t.text == "based" for t in lead):
                pass
        # "a Wuhan-based body": X-based
        for token in doc:
            if token.lower_ == "based" and token.i >= 2 and doc[token.i - 1].text == "-":
                place = self.span_of(doc[token.i - 2])
                if place is None or place.label_ not in PLACES:
                    continue
                noun = token.head
                owner = self.span_of(noun) or (self.conjuncts(noun.head) if noun.dep_ == "appos" else [])
                owners = owner if isinstance(owner, list) else [owner]
                for o in owners:
                    if o is not None and o != place:
                        yield RelationCandidate(o, "locatedIn", place, "locatedIn/based", 0.8, token.sent)

    # -- smaller helpers ---------------------------------------------------------------
    def _next_names(self, doc: Doc, start: int, sent: Span, stop: str | None = None) -> list[Span]:
        names = []
        for i in range(start, sent.end):
            if stop and doc[i].text == stop:
                break
            span = self.at.get(i)
            if span is not None and span not in names:
                names.append(span)
            if doc[i].text in {".", ";"} or (not stop and len(names) and doc[i].text not in {",", "and", "&"} and span is None and doc[i].pos_ == "VERB"):
                break
        return names

    def _governing_names(self, token: Token, sent: Span) -> list[Span]:
        """What a modifier phrase ("under the framework of X") is about: the noun it hangs on,
        or the subject of its clause, or the name right before it."""
        head = token.head
        for _ in range(4):
            span = self.span_of(head)
            if span is not None:
                return [span]
            if head.pos_ in {"VERB", "AUX"}:
                subjects = self.subject_of(head)
                if subjects:
                    return subjects
            if head.dep_ == "appos" or head.pos_ == "NOUN":
                head = head.head
                continue
            head = head.head
        before = [s for s in sent.doc.spans[SPAN_KEY] if sent.start <= s.start < token.i]
        return before[-1:]

    def _clause_names(self, token: Token, sent: Span, exclude: Iterable[Span]) -> list[Span]:
        exclude = set(exclude)
        return [s for s in sent.doc.spans[SPAN_KEY] if sent.start <= s.start < sent.end and s not in exclude
                and s.start > token.i]

    def _coreferent_event(self, doc: Doc, before: int) -> list[Span]:
        for span in reversed([s for s in doc.spans[SPAN_KEY] if s.end <= before][-10:]):
            if TOP_CLASS.get(span.label_) == "Event":
                return [span]
        return []

    def _group_before(self, doc: Doc, paren: int) -> Span | None:
        """ "nine ASEAN countries (": the name inside the noun phrase before the bracket."""
        for i in range(paren - 1, max(-1, paren - 5), -1):
            span = self.at.get(i)
            if span is not None and TOP_CLASS.get(span.label_) == "Organization":
                return span
        return None


def _token_index(doc: Doc, spans: list[Span]) -> dict[int, Span]:
    at: dict[int, Span] = {}
    for span in spans:
        for i in range(span.start, span.end):
            at.setdefault(i, span)
    return at
