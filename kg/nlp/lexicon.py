"""General English words that tell what kind of thing a name is.

Only common nouns and function words live here; no proper name of any organization,
event, program or facility does, and none may: the pipeline has to find those.
"""
from __future__ import annotations

from ..text import ORDINAL_WORDS  # noqa: F401  (the words of names read them here)

# The head noun of a name decides its class: "... Technology Transfer Center" is an
# Organization, "10th Forum on ..." an Event. Values are ontology class local names.
HEAD_NOUNS: dict[str, str] = {}


def _heads(cls: str, words: str) -> None:
    for word in words.split():
        HEAD_NOUNS.setdefault(word, cls)  # the first list that names a word decides


_heads("GovernmentAgency", "ministry department agency bureau administration commission "
       "secretariat office directorate inspectorate")
_heads("ResearchOrganization", "university universität college academy "
       "institute institut school")
_heads("Company", "inc inc. ltd ltd. co co. corp corp. plc llc ag gmbh holdings "
       "industries enterprises airlines airways motors")
# The same heads in the languages whose names news often leaves untranslated, where they
# come first ("Empresa Brasileira de ...", "Universiti Andalas").
HEADS_FIRST: set[str] = set()


def _heads_first(cls: str, words: str) -> None:
    _heads(cls, words)
    HEADS_FIRST.update(words.split())


_heads_first("GovernmentAgency", "ministerio ministério ministère ministero agencia agência "
             "agence secretaría comisión comissão")
_heads_first("ResearchOrganization", "universiti universidade università université instituto "
             "istituto universidad")
_heads_first("Company", "empresa compañía companhia compagnie société sociedad sociedade")
_heads_first("Organization", "fundação fundación fondation fondazione banco banque centro "
             "consejo conselho conseil asociación associação organización organização")
_heads("Organization", "alliance center centre network association committee council "
       "foundation government federation union society organization organisation group "
       "consortium coalition chamber board league institution corporation company firm bank "
       "authority cooperative parliament assembly court police army navy party club team "
       "hospital")
_heads("Event", "forum expo exposition summit competition contest camp conference ceremony "
       "meeting week fair exhibition festival dialogue symposium workshop seminar games "
       "congress convention roundtable talks session olympiad show tournament championship "
       "championships cup marathon visit mission roadshow hackathon")
_heads("Program", "program programme plan initiative action mechanism partnership project "
       "scheme fund platform strategy vision agenda roadmap framework treaty agreement pact "
       "accord protocol charter declaration memorandum campaign policy grant fellowship "
       "scholarship award prize corridor goal")
_heads("Facility", "laboratory lab labs laboratories park zone port airport station plant "
       "factory hub base building hall museum stadium bridge dam mine refinery terminal "
       "observatory reactor pipeline railway highway tower facility facilities campus clinic "
       "harbour warehouse depot shipyard mill")
_heads("Place", "province region prefecture county city state municipality district island "
       "islands peninsula valley river sea ocean gulf bay mountain mountains lake desert forest "
       "canyon coast street avenue square")


# Legal forms of companies, written before or after the name ("JSC Norlink", "Norlink
# Ltd"): the name with and without one is one company.
LEGAL_FORMS = set(
    "jsc ojsc pjsc cjsc ao pao ooo llc llp lp ltd limited inc incorporated corp corporation "
    "plc gmbh ag sa s.a nv bv spa s.p.a pty sarl sas kk".split()
)

# Lower-case words that may stand inside a proper name between capitalised words.
NAME_CONNECTORS = {"of", "for", "on", "and", "&", "de", "du", "des", "la", "le", "del", "di",
                   "van", "von", "da", "dos", "das", "y", "et"}
# ...of which these only when the words around them are not separate names of their own.
JOINING_CONJUNCTIONS = {"and", "&", "y", "et"}

# A person's post, as in "Zhang San, director of ...".
PERSON_ROLES = set(
    "director professor engineer minister president chairman chairwoman chairperson chair "
    "ambassador secretary head chief deputy vice official spokesman spokeswoman spokesperson "
    "governor mayor ceo founder researcher scientist manager premier chancellor envoy dean "
    "representative commissioner consul adviser advisor lecturer economist analyst executive "
    "leader member officer coordinator counsellor counselor king queen prince princess "
    "senator lawmaker general colonel captain".split()
)
# Posts named after a field of work: "Minister of Education", "Director for Research".
FIELD_POSTS = set("minister director secretary commissioner professor dean lecturer undersecretary".split())
PERSON_TITLES = {"Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof", "Prof.",
                 "Professor", "Sir", "Madam", "President", "Minister", "Premier", "Ambassador",
                 "Chairman", "Secretary-General"}

# Forms of address written before a person's name, compared without case and final dot.
HONORIFICS = set(
    "mr mrs ms miss mx dr prof professor sir dame lord lady madam mme mlle he h.e excellency "
    "hon honourable honorable rev reverend fr father sister brother sheikh shaikh imam rabbi "
    "dato datuk datin pehin haji hajah pengiran "
    "gen lt col capt maj sgt adm cmdr rep sen gov amb pres".split()
)
# Verbs of saying that open a sentence before the speaker's name: "Said Ana Ruiz: ..."
SAYING_VERBS = {"said", "says", "added", "adds", "noted", "explained", "stressed"}

# Lower-case nouns that turn a preceding name into a thing of that kind:
# 'a "Green Wave" laboratory', 'the X scheme'.
TYPE_NOUNS_AFTER_NAME = {
    word: cls for word, cls in HEAD_NOUNS.items()
    if cls in {"Facility", "Program", "Event"} and word.isalpha()
}



_SPELLINGS = {"centre": "center", "programme": "program"}


def canonical_noun(word: str) -> str:
    """One spelling of a noun: "Centre" and "center" are the same head."""
    word = word.lower()
    return _SPELLINGS.get(word, word)


def head_class(word: str) -> str | None:
    """The class a head noun gives a name, or None; a plural head of events, programmes and
    facilities ("Annual Sessions", "Development Goals") gives the class of its singular
    (not of places and bodies: "Developing States" are no state)."""
    word = word.lower()
    cls = HEAD_NOUNS.get(word)
    if cls is None and len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        singular = HEAD_NOUNS.get(word[:-1])
        cls = singular if singular in {"Event", "Program", "Facility"} else None
    return cls
