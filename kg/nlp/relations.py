"""The `coop_relations` spaCy component: relations between names.

Rules propose relations: each reads the dependency parse around a trigger (a verb such as
"held" or "launched", a phrase such as "under the framework of", a possessive, an
apposition) and relates the name spans that `coop_names` found; coordinated names ("A, B and
C") distribute over the relation. Then the learned model (kg.nlp.learned, trained by
tools/train_relations.py) scores every candidate pair of names (kg.nlp.candidates), with the
rules' proposals among its evidence, and keeps what scores at the configured threshold. Every
relation keeps the rule that made it (`learned/PREDICATE` when the model alone found it), its
score as confidence, and its evidence span. Results are `doc._.coop_relations`, a list of
`RelationCandidate`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from .candidates import DOCUMENT_MODEL, DOCUMENT_PREDICATE, candidates, document_candidates
from .gazetteer import gazetteer
from .learned import RelationModel
from ..classes import TOP_CLASS
from .lexicon import PERSON_ROLES, TYPE_NOUNS_AFTER_NAME, canonical_noun, head_class
from .names import SPAN_KEY, head_token

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

RULES = Path(__file__).parent / "data" / "relation_rules.json"
# the score from which a document-level candidate (kg.nlp.candidates.document_candidates) is
# kept. No sentence states such a pair, and news annotates few of them: lower, the pairs kept
# cost precision on news (cross-validated); higher, most of what they add to encyclopaedic
# text (Re-DocRED) is lost. The README gives the figures from 0.5 to 0.8.
DOCUMENT_THRESHOLD = 0.65


@dataclass(frozen=True)
class VerbFrame:
    """One named rule over a verb (see kg/nlp/data/relation_rules.json)."""

    rule: str
    verbs: frozenset[str]  # lemmas, "lemma particle" entries, or empty for every verb
    structure: str = ""  # a construction of RelationExtractor that reads the verb itself
    predicate: str = ""
    arguments: str = ""
    subject: str = "agent"  # which of the two names is the relation's subject: agent or theme
    preps: frozenset[str] = frozenset()
    when: tuple[dict, ...] = ()
    confidence: float = 0.75
    requires_money: bool = False
    xcomp_fallback: bool = False

    def admits(self, agent: Span, theme: Span) -> bool:
        """Do the two names have the classes one of the frame's alternatives asks for?"""
        return not self.when or any(satisfies(condition, {"agent": agent, "theme": theme}) for condition in self.when)


@dataclass(frozen=True)
class NamePair:
    """One named rule over two names that follow each other (see relation_rules.json)."""

    rule: str
    predicate: str
    between: frozenset[str]
    subject: str  # first or second
    confidence: float
    conditions: dict  # on both, whatever the alternative
    when: tuple[dict, ...] = ()


def satisfies(condition: dict, names: dict[str, Span], check=None) -> bool:
    """Does a rule's condition hold for its names? Keys are a role ("theme", "first"...) for
    its top class, ROLE_label and ROLE_not_label for its exact class, and "check" for a named
    test of the parse that `check(name)` runs."""
    for key, wanted in condition.items():
        if key == "check":
            if check is None or not check(wanted):
                return False
            continue
        role, _, kind = key.partition("_")
        label = names[role].label_
        if (kind == "" and TOP_CLASS.get(label) not in wanted) or (kind == "label" and label not in wanted) \
                or (kind == "not_label" and label in wanted):
            return False
    return True


@lru_cache(maxsize=1)
def rules() -> dict:
    """The rule file: word lists (as sets), phrase patterns, verb frames and particles."""
    data = json.loads(RULES.read_text(encoding="utf-8"))
    words = {name: frozenset(values) for name, values in data["word_lists"].items()}
    frames = []
    for entry in data["verb_frames"]:
        entry = dict(entry)
        verbs = entry.pop("verbs")
        frames.append(VerbFrame(verbs=frozenset() if verbs == "any" else words[verbs],
                                preps=frozenset(entry.pop("preps", [])),
                                when=tuple(entry.pop("when", [])), **entry))
    pairs = []
    for entry in data["name_pairs"]:
        entry = dict(entry)
        fixed = {k: entry.pop(k) for k in list(entry) if k.startswith(("first", "second", "check"))}
        pairs.append(NamePair(between=frozenset(entry.pop("between")), conditions=fixed,
                              when=tuple(entry.pop("when", [])), **entry))
    return {"words": words, "phrases": data["phrases"], "frames": tuple(frames), "name_pairs": tuple(pairs),
            "particle_required": data["particle_required"]}


def _words(name: str) -> frozenset[str]:
    return rules()["words"][name]


ESTABLISH_VERBS = _words("establish")
COOPERATION_NOUNS = _words("cooperation_nouns")
PARTNER_NOUNS = _words("partner_nouns")
COOPERATION_VERBS = _words("cooperate")
GROUP_MEMBER_NOUNS = _words("group_member_nouns")
PEOPLE_NOUNS = _words("people_nouns")
PARENT_HEADS = _words("parent_heads")
MEMBER_NOUNS = _words("member_nouns")


@Language.factory("coop_relations", default_config={"min_confidence": 0.0, "threshold": 0.8, "rule_threshold": 0.2,
                                                    "learned": True},
                   assigns=["doc._.coop_relations"], requires=["doc.spans", "token.dep", "token.lemma"])
def make_relation_extractor(nlp: Language, name: str, min_confidence: float, threshold: float,
                            rule_threshold: float, learned: bool) -> "RelationExtractor":
    return RelationExtractor(nlp, min_confidence, threshold, RelationModel.load() if learned else None, rule_threshold)


class RelationExtractor:
    """Rules propose relations; the learned model (when shipped) decides over every candidate
    pair of names, with the rules' firings among its evidence. `threshold` is the model score
    from which a relation is kept, `rule_threshold` the score from which one a rule proposed
    is kept; `min_confidence` drops whatever scores below it at the end."""

    def __init__(self, nlp: Language, min_confidence: float = 0.0, threshold: float = 0.8,
                 model: RelationModel | None = None, rule_threshold: float = 0.2) -> None:
        self.min_confidence = min_confidence
        self.threshold = threshold
        self.rule_threshold = rule_threshold
        self.model = model
        self.phrases = Matcher(nlp.vocab)
        for rule, patterns in rules()["phrases"].items():
            self.phrases.add(rule, patterns)

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans[SPAN_KEY])
        found = self.rule_relations(doc, spans)
        if self.model is not None:
            found = decide(self.model, doc, spans, found, self.threshold, self.rule_threshold)
        doc._.coop_relations = [rel for rel in found if rel.confidence >= self.min_confidence]
        return doc

    def rule_relations(self, doc: Doc, spans: list[Span]) -> list[RelationCandidate]:
        """What the rules find, each relation once."""
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
            if (rel.subject._.coop_dateline or rel.object._.coop_dateline) and rel.rule != "locatedIn/comma":
                continue
            key = (rel.subject.start, rel.subject.end, rel.predicate, rel.object.start, rel.object.end)
            same = (rel.subject.start, rel.subject.end) == (rel.object.start, rel.object.end)
            if same or key in seen:
                continue
            seen.add(key)
            result.append(rel)
        return result

    # -- helpers over the parse --------------------------------------------------------
    def span_of(self, token: Token | None) -> Span | None:
        return self.at.get(token.i) if token is not None else None

    def conjuncts(self, token: Token) -> list[Span]:
        """The names of a token and of everything coordinated with it ("A, B and C")."""
        result: list[Span] = []
        for t in self._coordinated(token):
            for span in self._names_for(t):
                if span not in result:
                    result.append(span)
        return result

    def _coordinated(self, token: Token) -> list[Token]:
        """A token and its conjuncts, also where the parser took a listed name for an
        apposition ("A (ACR), the B (BCR) and C")."""
        span = self.span_of(token)
        found = list(span) if span is not None else [token]
        stack = list(found)
        while stack and len(found) < 60:
            current = stack.pop()
            for child in current.children:
                if child in found:
                    continue
                if child.dep_ == "conj" or (child.dep_ == "appos" and self.span_of(child) is not None):
                    found.append(child)
                    stack.append(child)
        return sorted(found, key=lambda t: t.i)

    def _names_for(self, token: Token) -> list[Span]:
        """What a noun stands for: its own name; the name of a "the X scheme" phrase; the
        members listed in "six Savannah Union countries (including A and B)"; the group in "SU
        members"; the name a "body that ..." is in apposition to."""
        span = self.span_of(token)
        if span is not None:
            return [span]
        if token.pos_ not in {"NOUN", "PRON"}:
            return []
        listed = self._included(token)
        if listed:
            return listed
        for child in token.children:
            named = self.span_of(child)
            adjacent = named is not None and (named.end == token.i or (  # "the X (XM) mechanism"
                token.i == named.end + 3 and token.doc[named.end].text == "("))
            if not adjacent or child.dep_ not in {"compound", "nmod", "amod", "appos"}:
                continue
            if token.lemma_ in TYPE_NOUNS_AFTER_NAME:
                return [named]  # "the X scheme"
            if token.lemma_ in GROUP_MEMBER_NOUNS and TOP_CLASS.get(named.label_) == "Organization":
                return [named]  # "AU members"
            if TOP_CLASS.get(head_class(token.lemma_) or "") == "Organization" and TOP_CLASS.get(named.label_) == "Organization":
                return [named]  # "the PCTU secretariat"
        if token.dep_ == "appos":
            head = self.span_of(token.head)
            if head is not None:
                return [head]  # "X, a body that ..."
        if token.lemma_ in PARTNER_NOUNS | GROUP_MEMBER_NOUNS:
            for prep in token.children:  # "partners in eight African countries: A, B and C"
                if prep.dep_ == "prep" and prep.lower_ in {"in", "from"}:
                    for pobj in prep.children:
                        if pobj.dep_ == "pobj" and pobj.pos_ == "NOUN":
                            found = self._names_for(pobj)
                            if found:
                                return found
        if token.lemma_ in PEOPLE_NOUNS:
            # "science ministers from Chile and Peru": the people stand for where they are from
            for prep in token.children:
                if prep.dep_ == "prep" and prep.lower_ in {"from", "of"}:
                    return self.pobj_names(prep)
        if token.pos_ == "PRON" or (token.dep_ in {"nsubj", "nsubjpass"} and _is_definite(token)):
            return self._coreferent(token)
        return []

    def _included(self, token: Token) -> list[Span]:
        """ "countries (including Ghana and Togo)": the names listed in the bracket."""
        doc = token.doc
        i = token.i + 1
        bracket = i + 1 < len(doc) and doc[i].text == "(" and doc[i + 1].lower_ in {"including", "includes", "namely", "such"}
        colon = i < len(doc) and doc[i].text == ":" and token.tag_ == "NNS"
        if bracket or colon:
            names = []
            for k in range(i + (2 if bracket else 1), min(len(doc), i + 40)):
                if doc[k].text in {")", ";", "."}:
                    break
                span = self.span_of(doc[k])
                if span is not None and span not in names:
                    names.append(span)
            return names
        return []

    def subject_of(self, verb: Token, depth: int = 0) -> list[Span]:
        """Who did it: the subject, through relative clauses ("X, which ..."), participles
        ("Funded by A, X was ..."), coordinated and embedded verbs."""
        for child in verb.children:
            if child.dep_ in {"nsubj", "nsubjpass"}:
                if child.tag_ in {"WDT", "WP"}:
                    return self._relative_antecedent(verb)
                subjects = self.conjuncts(child)
                for sub in child.children:  # "A, together with B, launched ..."
                    if sub.dep_ == "advmod" and sub.lower_ in {"together", "along"}:
                        for prep in sub.children:
                            subjects += self.pobj_names(prep)
                    if sub.dep_ == "prep" and sub.lower_ == "with" and any(t.lower_ in {"together", "along"} for t in child.children):
                        subjects += self.pobj_names(sub)
                return subjects
        if depth > 4:
            return []
        if verb.dep_ in {"acl", "relcl"} and verb.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return self.conjuncts(verb.head)
        if verb.dep_ in {"conj", "xcomp", "advcl", "pcomp", "ccomp", "dep"} and verb.head.pos_ in {"VERB", "AUX"}:
            return self.subject_of(verb.head, depth + 1)
        if verb.dep_ in {"pcomp", "pobj"} and verb.head.dep_ == "prep":
            return self.subject_of(verb.head.head, depth + 1)
        if depth == 0:
            # a parse that lost the subject ("The forum was co-sponsored by ..."): the
            # nearest subject before the verb in its sentence
            for token in reversed(list(verb.sent[: verb.i - verb.sent.start])):
                if token.dep_ in {"nsubj", "nsubjpass"}:
                    return self.conjuncts(token)
        return []

    def _relative_antecedent(self, verb: Token) -> list[Span]:
        while verb.dep_ == "conj" and verb.head != verb:
            verb = verb.head
        if verb.dep_ == "relcl":
            return self.conjuncts(verb.head)
        return []

    def object_of(self, verb: Token) -> list[Span]:
        for child in verb.children:
            if child.dep_ in {"dobj", "obj", "attr", "oprd"}:
                if child.tag_ in {"WDT", "WP"}:
                    return self._relative_antecedent(verb)
                return self.conjuncts(child)
        return []

    def agents_of(self, verb: Token) -> list[Span]:
        for child in verb.children:
            if child.dep_ == "agent":
                for pobj in child.children:
                    if pobj.dep_ == "pobj":
                        return self.conjuncts(pobj)
        return []

    def _coreferent(self, token: Token) -> list[Span]:
        """ "the forum": the latest name with that head noun's class; "it": the subject of the
        previous sentence, or the latest name that can act."""
        doc = token.doc
        if token.lower_ in {"which", "that", "who", "whom"}:
            return []
        before = [s for s in doc.spans[SPAN_KEY] if s.end <= token.i]
        if token.pos_ == "NOUN":
            wanted = head_class(token.lemma_) or ("Event" if token.lemma_ in {"event", "meeting"} else None)
            if wanted is None:
                return []
            recent = list(reversed(before[-15:]))
            # "the department": the latest name whose head is that noun, before any other body
            for span in recent:
                head = head_token(span)
                if head is not None and canonical_noun(head.lemma_) == canonical_noun(token.lemma_):
                    return [span]
            for span in recent:
                if TOP_CLASS.get(span.label_) == TOP_CLASS.get(wanted):
                    return [span]
            return []
        if token.lower_ in {"it", "its"}:
            sent = token.sent
            for t in sent:
                if t.i >= token.i:
                    break
                if t.dep_ in {"nsubj", "nsubjpass"}:
                    span = self.span_of(t)
                    if span is not None and span.label_ not in PLACES | {"Person"}:
                        return [span]
            if sent.start > 0:
                previous = doc[sent.start - 1].sent
                for t in previous:
                    if t.dep_ in {"nsubj", "nsubjpass"}:
                        span = self.span_of(t)
                        if span is not None and span.label_ not in PLACES | {"Person"}:
                            return [span]
                        break
            for span in reversed([s for s in before if s.end <= sent.start][-8:]):
                if span.label_ not in PLACES | {"Person"}:
                    return [span]
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
                for s in self._governing_names(doc[start], sent):
                    if TOP_CLASS.get(s.label_) not in {"Event", "Program", "Organization", "Facility"}:
                        continue
                    for o in objects[:1]:
                        yield RelationCandidate(s, "partOf", o, rule, 0.8, sent)
            elif predicate == "supports":
                # "with the support of A and B, X kept Y running": A and B support Y
                for s in objects:
                    for o in self._supported(doc[start], exclude=objects):
                        yield RelationCandidate(s, "supports", o, rule, 0.65, sent)
            elif predicate == "heldIn":
                verb = doc[start]
                events = [s for s in self.subject_of(verb) if TOP_CLASS.get(s.label_) == "Event"]
                places = [o for o in objects if o.label_ in PLACES]
                for e in events:
                    for p in places[:1]:
                        yield RelationCandidate(e, "heldIn", p, rule, 0.85, sent)
            elif predicate == "memberOf":
                # "six AU countries (including Ghana and Kenya)"
                group = self._group_before(doc, start)
                if group is not None:
                    for m in self._next_names(doc, end, sent, stop=")"):
                        if m.label_ in {"Country"} or TOP_CLASS.get(m.label_) == "Organization":
                            yield RelationCandidate(m, "memberOf", group, rule, 0.75, sent)

    def _supported(self, trigger: Token, exclude: list[Span]) -> list[Span]:
        """What a "with the support of" phrase supports: the object of the verb it modifies
        (or of that verb's small clause), else its subject."""
        verb = trigger.head
        while verb.pos_ not in {"VERB", "AUX"} and verb.head != verb:
            verb = verb.head
        things = self.object_of(verb)
        if not things:
            for child in verb.children:
                if child.dep_ in {"xcomp", "ccomp"}:
                    things = self.object_of(child) or [s for c in child.children if c.dep_ == "nsubj" for s in self.conjuncts(c)]
        things = [t for t in things if t not in exclude and TOP_CLASS.get(t.label_) in {"Program", "Event", "Facility", "Organization"}]
        return things or [t for t in self.subject_of(verb) if t not in exclude and TOP_CLASS.get(t.label_) in {"Program", "Event", "Facility"}]

    def _from_verbs(self, doc: Doc) -> Iterator[RelationCandidate]:
        """Every verb through the verb frames of the rule file, in their order."""
        frames = rules()["frames"]
        particle_required = rules()["particle_required"]
        for token in doc:
            if token.pos_ not in {"VERB", "AUX"} and token.tag_ not in {"VBN", "VBD", "VBG"}:
                continue
            lemma = token.lemma_.lower()
            children = list(token.children)  # walked once: each walk makes every child anew
            particles = {c.lower_ for c in children if c.dep_ == "prt"}
            if lemma in particle_required and particle_required[lemma] not in particles:
                continue
            # "set up", "take part": a verb with its particle or object
            keys = {lemma} | {f"{lemma} {c.lower_}" for c in children if c.dep_ in {"prt", "dobj"}}
            passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in children) or (
                token.tag_ == "VBN" and bool(self.agents_of(token)))
            for frame in frames:
                if frame.verbs and not keys & frame.verbs:
                    continue
                if frame.structure:
                    yield from getattr(self, f"_{frame.structure}")(token, passive, frame.rule)
                else:
                    yield from self._frame(token, passive, frame)

    def _frame(self, verb: Token, passive: bool, frame: VerbFrame) -> Iterator[RelationCandidate]:
        """The relations of one verb frame: its two names found as `arguments` says."""
        if frame.requires_money and not any(c.ent_type_ == "MONEY" for c in verb.subtree):
            return
        if frame.arguments == "agent-theme":
            pairs = list(self._agent_thing(verb, passive))
            if not pairs and frame.xcomp_fallback and verb.dep_ == "xcomp":  # "X kept the programme running"
                pairs = [(a, t) for a in self.subject_of(verb.head) for t in self.object_of(verb.head)]
        elif frame.arguments == "subject-object-or-prep":
            themes = self.object_of(verb) or [s for c in verb.children if c.dep_ == "prep" for s in self.pobj_names(c)]
            pairs = [(a, t) for a in self.subject_of(verb) for t in themes]
        elif frame.arguments == "subject-prep":
            themes = [s for c in verb.children if c.dep_ in {"prep", "dative"} and c.lower_ in frame.preps
                      for s in self.pobj_names(c)]
            pairs = [(a, t) for t in themes for a in self.subject_of(verb) if a != t]
        else:
            raise ValueError(f"{RULES}: rule {frame.rule}: unknown arguments {frame.arguments!r}")
        for agent, theme in pairs:
            if frame.admits(agent, theme):
                subject, obj = (agent, theme) if frame.subject == "agent" else (theme, agent)
                yield RelationCandidate(subject, frame.predicate, obj, frame.rule, frame.confidence, verb.sent)

    def _where(self, verb: Token, passive: bool, rule: str) -> Iterator[RelationCandidate]:
        """ "set up by A in Cusco", "organized by A in Kunming": where the thing is."""
        things = self.subject_of(verb) if passive else self.object_of(verb)
        places: list[Span] = []
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "in":
                places += self.pobj_names(child)
            if child.dep_ == "agent":
                for pobj in child.children:
                    for t in [pobj, *pobj.conjuncts]:
                        for prep in t.children:
                            if prep.dep_ == "prep" and prep.lower_ == "in":
                                places += self.pobj_names(prep)
        for thing in things:
            for place in places:
                if place.label_ not in PLACES or place == thing:
                    continue
                if TOP_CLASS.get(thing.label_) == "Event":
                    yield RelationCandidate(thing, "heldIn", place, rule, 0.7, verb.sent)
                elif TOP_CLASS.get(thing.label_) in {"Organization", "Facility"}:
                    yield RelationCandidate(thing, "locatedIn", place, rule, 0.7, verb.sent)

    def _under_programme(self, verb: Token, passive: bool, rule: str) -> Iterator[RelationCandidate]:
        """ "Under the X scheme, A and B have run study groups": X is run by A and B."""
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "under":
                for programme in self.pobj_names(child):
                    if TOP_CLASS.get(programme.label_) == "Program":
                        for agent in self.subject_of(verb):
                            if agent != programme:
                                yield RelationCandidate(programme, "organizedBy", agent, rule, 0.7, verb.sent)

    def _members_or_parts(self, verb: Token, passive: bool, rule: str) -> Iterator[RelationCandidate]:
        """ "Indonesia became a member of Y", "A is a participant in Y"."""
        for attr in verb.children:
            if attr.dep_ == "attr" and attr.lemma_ in {"member", "part", "signatory", "participant"}:
                for prep in attr.children:
                    if prep.dep_ == "prep" and prep.lower_ in {"of", "in"}:
                        for group in self.pobj_names(prep):
                            predicate = "memberOf" if attr.lemma_ in {"member", "signatory"} else (
                                "participatesIn" if TOP_CLASS.get(group.label_) in {"Event", "Program"} else "memberOf")
                            for member in self.subject_of(verb):
                                if member != group:
                                    yield RelationCandidate(member, predicate, group, f"{predicate}/copula", 0.8, verb.sent)

    def _agent_thing(self, verb: Token, passive: bool) -> Iterator[tuple[Span, Span]]:
        if passive:
            agents = self.agents_of(verb)
            things = self.subject_of(verb)
        else:
            agents = self.subject_of(verb)
            things = self.object_of(verb)
            # "which NWRA launched together with MIST": partners in the act
            for child in verb.children:
                if child.dep_ == "advmod" and child.lower_ in {"together", "jointly"}:
                    for prep in child.children:
                        agents = agents + self.pobj_names(prep)
                if child.dep_ == "prep" and child.lower_ == "with" and any(t.lower_ == "together" for t in verb.children):
                    agents = agents + self.pobj_names(child)
        for agent in agents:
            for thing in things:
                if agent != thing:
                    yield agent, thing

    def _cooperation(self, verb: Token, passive: bool, rule: str) -> Iterator[RelationCandidate]:
        """ "X signed memoranda of understanding with A, B and C", "X cooperates with Y"."""
        if not (verb.lemma_.lower() in COOPERATION_VERBS or _done_jointly(verb) or any(
                c.dep_ in {"dobj", "obj"} and c.lemma_ in COOPERATION_NOUNS for c in verb.children)):
            return
        subjects = self.subject_of(verb)
        partners: list[Span] = []
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in {"with", "between"}:
                partners += self.pobj_names(child)
            if child.dep_ in {"dobj", "obj"} and not any(c.dep_ == "poss" for c in child.children):
                partners += self._with_partners(child)  # "Japan's cooperation with X" is Japan's
        if partners:
            # "signed an MoU with A, B and C" parsed with B as a second object of "signed"
            for child in verb.children:
                if child.dep_ in {"dobj", "obj"} and self.span_of(child) is not None and child.i > partners[0].start:
                    partners += [p for p in self.conjuncts(child) if p not in partners]
        for s in subjects:
            for p in partners:
                if s != p and TOP_CLASS.get(s.label_) in {"Organization", "Country", "Place", "Person", "Program"}:
                    yield RelationCandidate(s, "cooperatesWith", p, rule, 0.8, verb.sent)
        joint = verb.lemma_.lower() in COOPERATION_VERBS or _done_jointly(verb)
        if not partners and len(subjects) > 1 and joint:
            # "Kenya and Finland signed a memorandum": the signatories are partners of each other
            for i, a in enumerate(subjects):
                for b in subjects[i + 1:]:
                    yield RelationCandidate(a, "cooperatesWith", b, "cooperatesWith/joint-subject", 0.75, verb.sent)

    def _with_partners(self, noun: Token) -> list[Span]:
        """Names in a "with ..." phrase inside a noun phrase, not crossing into another clause."""
        partners: list[Span] = []
        stack = [noun]
        while stack:
            token = stack.pop()
            for child in token.children:
                if child.pos_ in {"VERB", "AUX"} or child.dep_ in {"relcl", "acl", "advcl"}:
                    continue
                if child.dep_ == "prep" and child.lower_ == "with":
                    partners += self.pobj_names(child)
                elif child.dep_ in {"prep", "pobj", "conj", "compound", "amod"}:
                    stack.append(child)
        return partners

    def _from_nouns(self, doc: Doc) -> Iterator[RelationCandidate]:
        """ "mechanisms with A and B", "cooperation between A and B", "Indonesia's partner"."""
        for token in doc:
            if token.dep_ == "prep" and token.lower_ == "between":
                anchor = token.head
                for _ in range(3):
                    if anchor.lower_ in COOPERATION_NOUNS or anchor.lemma_ in COOPERATION_NOUNS:
                        break
                    anchor = anchor.head
                else:
                    continue
                names = self.pobj_names(token)
                for a, b in zip(names, names[1:]):
                    yield RelationCandidate(a, "cooperatesWith", b, "cooperatesWith/between", 0.8, token.sent)
            if token.lower_ in COOPERATION_NOUNS and token.pos_ == "NOUN":
                for prep in token.children:
                    if prep.dep_ == "prep" and prep.lower_ == "with":
                        for s in self._owner_of_noun(token):
                            for p in self.pobj_names(prep):
                                if s != p:
                                    yield RelationCandidate(s, "cooperatesWith", p, "cooperatesWith/noun-with", 0.7, token.sent)
            if token.lower_ in PARTNER_NOUNS:
                possessors = [self.span_of(c) for c in token.children if c.dep_ == "poss"]
                possessors += [self.span_of(c) for c in token.subtree if c.dep_ == "poss" and c.head.head == token]
                for p in possessors:
                    for s in self._owner_of_noun(token, possessor=False):
                        if p is not None and s != p:
                            yield RelationCandidate(s, "cooperatesWith", p, "cooperatesWith/partner", 0.7, token.sent)

    def _owner_of_noun(self, noun: Token, possessor: bool = True) -> list[Span]:
        """Whose agreement: its possessor ("Japan's cooperation with ..."), else the subject of
        the verb the noun phrase hangs on ("X set up mechanisms with ...")."""
        for child in noun.children:
            if possessor and child.dep_ == "poss":
                owners = self._names_for(child)
                if owners:
                    return owners
        head = noun
        for _ in range(8):
            if head.pos_ in {"VERB", "AUX"} or head.head == head:
                break
            head = head.head
        if head.pos_ in {"VERB", "AUX"}:
            return self.subject_of(head)
        return []

    def _from_names(self, doc: Doc, spans: list[Span]) -> Iterator[RelationCandidate]:
        """Relations written into the way names stand together."""
        for a, b in zip(spans, spans[1:]):
            text = doc[a.end:b.start].text.strip()
            names = {"first": a, "second": b}
            checks = {
                "not-in-list": lambda: not self._in_list(doc, a, b),  # "Lima, Peru", not "Lima, Cusco, Puno"
                "first-modifies-second": lambda: a.root.head.i in range(b.start, b.end),  # "Peru's Ministry"
                "next-word-in-first": lambda: doc[a.end].head.i in range(a.start, a.end),  # "the X Center in Peru"
            }
            for pair in rules()["name_pairs"]:
                if text not in pair.between:
                    continue
                if satisfies(pair.conditions, names, lambda name: checks[name]()) and (not pair.when or any(
                        satisfies(alternative, names, lambda name: checks[name]()) for alternative in pair.when)):
                    subject, obj = (a, b) if pair.subject == "first" else (b, a)
                    yield RelationCandidate(subject, pair.predicate, obj, pair.rule, pair.confidence, doc[a.start:b.end])
        gaz = gazetteer()
        for span in spans:
            tokens = list(span)
            # "Department of Water of Hubei Province": the place a body belongs to
            for k, token in enumerate(tokens[1:-1], start=1):
                if token.text == "of" and TOP_CLASS.get(span.label_) == "Organization":
                    rest = doc[tokens[k + 1].i:span.end]
                    if gaz.lookup(rest.text):
                        # a government's body belongs to its place; a university is only there
                        if span.label_ == "GovernmentAgency" or _head_lower(span) in {"government", "council", "assembly"}:
                            yield RelationCandidate(span, "partOf", rest, "partOf/of-place", 0.8, span)
                        else:
                            yield RelationCandidate(span, "locatedIn", rest, "locatedIn/of-place", 0.7, span)
            # "Kenya Marine Research Agency": a government body named after its country
            if span.label_ == "GovernmentAgency" and len(span) > 2 and doc[span.start + 1].text not in {"-", "\u2013"}:
                country = gaz.country(span[0].text)
                if country is not None:
                    yield RelationCandidate(span, "partOf", span[0:1], "partOf/country-name", 0.7, span)
            # "the NWRA Lima Innovation Center": a unit named after its parent's acronym
            first = span[0]
            if len(span) > 2 and first.is_upper and len(first) > 1 and doc[span.start + 1].text not in {"-", "\u2013"} \
                    and _head_lower(span) in PARENT_HEADS:
                parent = self._acronym_entity(doc, first.text, span)
                if parent is not None:
                    yield RelationCandidate(span, "partOf", parent, "partOf/prefix", 0.7, span)

    def _in_list(self, doc: Doc, a: Span, b: Span) -> bool:
        """Is "a, b" part of a list "a, b, c and d" rather than "city, region"?"""
        k = b.end
        while k < len(doc) and doc[k].text in {",", "and", "or"}:
            k += 1
        if k > b.end and k < len(doc):
            nxt = self.span_of(doc[k])
            if nxt is not None and nxt.label_ in PLACES:
                return True
        before = doc[a.start - 1] if a.start > 0 else None
        if before is not None and before.text in {",", "and"} and a.start > 1:
            prev = self.span_of(doc[a.start - 2])
            if prev is not None and prev.label_ == a.label_:
                return True
        return False

    def _acronym_entity(self, doc: Doc, text: str, exclude: Span) -> Span | None:
        for span in doc.spans[SPAN_KEY]:
            if span != exclude and span.text == text:
                return span
        return None

    def _from_appositions(self, doc: Doc, spans: list[Span]) -> Iterator[RelationCandidate]:
        """ "Kunming, the capital of Yunnan", "Peru, a member of the Andean Community", "Ana Ruiz, a professor
        at X", "Delta University, also in Egypt", "a Lima-based body"."""
        for span in spans:
            if span.end + 2 >= len(doc) or doc[span.end].text != ",":
                continue
            window = doc[span.end + 1:min(span.sent.end, span.end + 14)]  # never into the next sentence
            lead_words: list[str] = []
            for token in window:
                if self.span_of(token) is not None or token.text in {",", ";", "."}:
                    break
                lead_words.append(token.lower_)
            lead = set(lead_words)
            target = self._target_of(window)
            if target is None:
                continue
            evidence = doc[span.start:target.end]
            if "capital" in lead and span.label_ in PLACES and target.label_ in PLACES:
                yield RelationCandidate(span, "locatedIn", target, "locatedIn/capital", 0.85, evidence)
            elif lead & MEMBER_NOUNS and "of" in lead and target.label_ not in PLACES - {"Country"}:
                yield RelationCandidate(span, "memberOf", target, "memberOf/apposition", 0.8, evidence)
            elif span.label_ == "Person" and lead & PERSON_ROLES and TOP_CLASS.get(target.label_) in {"Organization", "Facility", "Program", "Event"}:
                yield RelationCandidate(span, "memberOf", target, "memberOf/post", 0.8, evidence)
            elif lead <= {"also", "both", "in", "located", "based"} and "in" in lead and target.label_ in PLACES \
                    and TOP_CLASS.get(span.label_) in {"Organization", "Facility"}:
                yield RelationCandidate(span, "locatedIn", target, "locatedIn/apposition", 0.75, evidence)
        for token in doc:
            if token.lower_ == "based" and token.i >= 2 and doc[token.i - 1].text == "-":
                place = self.span_of(doc[token.i - 2])
                if place is None or place.label_ not in PLACES:
                    continue
                noun = token.head
                owners = [self.span_of(noun)] if self.span_of(noun) is not None else (
                    self.conjuncts(noun.head) if noun.dep_ == "appos" else [])
                for owner in owners:
                    if owner != place:
                        yield RelationCandidate(owner, "locatedIn", place, "locatedIn/based", 0.8, token.sent)

    def _target_of(self, window: Span) -> Span | None:
        """The name an apposition is about: the object of its "of"/"at", else its first name."""
        for token in window:
            if token.dep_ == "prep" and token.lower_ in {"of", "at", "in"}:
                names = self.pobj_names(token)
                # "director of the department": the department last named
                names = names or [found for pobj in token.children if pobj.dep_ == "pobj" and _is_definite(pobj)
                                  for found in self._coreferent(pobj)]
                if names:
                    return names[0]
        for token in window:
            span = self.span_of(token)
            if span is not None:
                return span
        return None

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
            if span is not None and not (head.dep_ == "pobj" and head.head.dep_ in {"agent", "prep"}):
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

    def _group_before(self, doc: Doc, paren: int) -> Span | None:
        """ "six AU countries (": the name inside the noun phrase before the bracket."""
        for i in range(paren - 1, max(-1, paren - 5), -1):
            span = self.at.get(i)
            if span is not None and TOP_CLASS.get(span.label_) == "Organization":
                return span
        return None


def decide(model: RelationModel, doc: Doc, spans: list[Span], rule_found: list[RelationCandidate],
           threshold: float = 0.8, rule_threshold: float = 0.2) -> list[RelationCandidate]:
    """The relations the model scores at `threshold` or above among all candidate pairs (at
    `rule_threshold` or above where a rule proposed them), and those of the rules measured
    precise in training; then the document-level locatedIn candidates that the model's
    DOCUMENT_MODEL scores at DOCUMENT_THRESHOLD or above. The model's score is the confidence."""
    by_pair: dict[tuple[int, int, int, int], set[str]] = {}
    by_fact: dict[tuple[int, int, str, int, int], RelationCandidate] = {}
    for rel in rule_found:
        key = (rel.subject.start, rel.subject.end, rel.object.start, rel.object.end)
        by_pair.setdefault(key, set()).add(rel.rule)
        by_fact.setdefault((*key[:2], rel.predicate, *key[2:]), rel)
    result = []
    sentence_candidates = candidates(doc, spans, by_pair)
    scored = model.score_many([candidate.features for candidate in sentence_candidates])
    for candidate, scores in zip(sentence_candidates, scored):
        a, b = candidate.subject, candidate.object
        for predicate in candidate.predicates:
            rule = by_fact.get((a.start, a.end, predicate, b.start, b.end))
            score = scores.get(predicate)
            if score is None:  # a relation no training material annotates: the rules alone
                if rule is not None:
                    result.append(rule)
                continue
            if rule is not None and rule.rule in model.precise_rules:
                result.append(RelationCandidate(a, predicate, b, rule.rule, round(max(score, model.precise_rules[rule.rule]), 3), rule.evidence))
            elif score >= (threshold if rule is None else rule_threshold):
                evidence = rule.evidence if rule is not None else _between(doc, a, b, candidate.evidence)
                result.append(RelationCandidate(a, predicate, b, rule.rule if rule is not None else f"learned/{predicate}",
                                                round(score, 3), evidence))
    if DOCUMENT_MODEL in model.bias:
        located = document_candidates(doc, spans, sentence_candidates)
        for candidate, scores in zip(located, model.score_many([c.features for c in located])):
            score = scores[DOCUMENT_MODEL]
            if score >= DOCUMENT_THRESHOLD:
                result.append(RelationCandidate(candidate.subject, DOCUMENT_PREDICATE, candidate.object,
                                                f"learned/{DOCUMENT_MODEL}", round(score, 3), candidate.evidence))
    return result


def _between(doc: Doc, a: Span, b: Span, sentence: Span) -> Span:
    """The words from one name to the other when both stand in one sentence, else the
    sentence that states the relation."""
    start, end = min(a.start, b.start), max(a.end, b.end)
    return doc[start:end] if a.sent.start == b.sent.start else sentence


def _done_jointly(verb: Token) -> bool:
    """ "co-fund", "co-host": doing it together is cooperating (founding together is not:
    "initiated jointly by A and B" makes A and B founders, as annotators read it)."""
    doc = verb.doc
    prefixed = verb.i >= 2 and doc[verb.i - 1].text == "-" and doc[verb.i - 2].lower_ == "co"
    return (prefixed or verb.lower_.startswith("co-")) and verb.lemma_ not in ESTABLISH_VERBS


def _head_lower(span: Span) -> str:
    head = head_token(span)
    return head.lower_ if head is not None else ""


def _is_definite(token: Token) -> bool:
    """ "the forum", "this programme" (not "a forum", not "the Council's conference")."""
    children = list(token.children)
    return any(c.dep_ == "det" and c.lower_ in {"the", "this", "that"} for c in children) and not any(
        c.dep_ in {"poss", "amod", "nummod", "compound"} for c in children)


def _token_index(doc: Doc, spans: list[Span]) -> dict[int, Span]:
    at: dict[int, Span] = {}
    for span in spans:
        for i in range(span.start, span.end):
            at.setdefault(i, span)
    return at
