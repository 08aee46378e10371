"""Countries: former states, abbreviations before nouns, countries inside names, states after
cities, people with place names, bracketed acronyms after places. Sentences written here."""
import pytest

from kg.nlp.gazetteer import Gazetteer, gazetteer


def countries(extraction) -> dict[str, str]:
    """isoCode -> entity key of every Country extracted."""
    return {e.attributes.get("isoCode"): e.key for e in extraction.entities.values() if e.cls == "Country"}


@pytest.mark.parametrize("name, key, iso", [
    ("Soviet Union", "country/SUHH", "SU"),
    ("USSR", "country/SUHH", "SU"),
    ("East Germany", "country/DDDE", "DD"),
    ("Yugoslavia", "country/YUCS", "YU"),
    ("Czechoslovakia", "country/CSHH", "CS"),
    ("Zaire", "country/ZRCD", "ZR"),
    ("West Germany", "country/DE", "DE"),  # the Federal Republic kept its code
    ("Korea", "country/KR", "KR"),
])
def test_gazetteer_knows_former_countries(name, key, iso):
    entry = gazetteer().lookup(name)
    assert entry is not None and (entry.key, entry.cls, entry.iso) == (key, "Country", iso)


def test_a_current_country_keeps_its_names():
    assert gazetteer().lookup("Yemen").key == "country/YE"  # not the former South Yemen
    assert gazetteer().lookup("Viet-Nam") is None or gazetteer().lookup("Viet-Nam").key == "country/VN"


@pytest.mark.parametrize("text, expected", [
    ("Delegates of the Soviet Union and Yugoslavia met the Norland Grain Board.", {"SU", "YU"}),
    ("West Germany and East Germany signed a transit accord.", {"DE", "DD"}),
    ("The Andean Water Council sent engineers to Czechoslovakia.", {"CS"}),
])
def test_former_countries_are_countries(extract, text, expected):
    assert set(countries(extract(text))) == expected


@pytest.mark.parametrize("text, iso", [
    ("The U.S. Harbor Council sold notes to the Andean Water Council.", "US"),
    ("U.S. officials met the Norland Grain Board on Monday.", "US"),
    ("Sales in the U.S. Housing Sector fell.", "US"),
    ("Prices in the U.K. Wool Trade rose sharply.", "GB"),
    ("The U.S.-Peru talks on copper ended.", "US"),
    ("The U.S.-Peru talks on copper ended.", "PE"),
])
def test_abbreviated_country_before_a_noun_is_the_country(extract, text, iso):
    assert iso in countries(extract(text))


def test_a_body_named_after_an_abbreviated_country_keeps_its_name(extract):
    extraction = extract("The U.S. Harbor Council sold notes to the Andean Water Council.")
    labels = {e.label for e in extraction.entities.values() if e.cls != "Country"}
    assert "U.S. Harbor Council" in labels


@pytest.mark.parametrize("text", [
    "Sales in the U.S. Housing Sector fell.",
    "Prices in the U.K. Wool Trade rose sharply.",
])
def test_no_name_is_made_of_a_country_and_a_common_noun(extract, text):
    labels = {e.label for e in extract(text).entities.values()}
    assert not any(label.startswith(("U.S. ", "U.K. ")) for label in labels), labels


@pytest.mark.parametrize("text, iso", [
    ("Ministers opened the Kenya Round of farm talks in Geneva.", "KE"),
    ("Creditors of the Ghana Club agreed to reschedule the loans.", "GH"),
])
def test_a_country_inside_another_name_is_no_mention(extract, text, iso):
    assert iso not in countries(extract(text))


@pytest.mark.parametrize("text, country, state", [
    ("The Norland Grain Board is based in Augusta, Georgia, and in Lima.", "GE", "place/US-GA"),
])
def test_state_after_its_city_is_no_country(extract, text, country, state):
    extraction = extract(text)
    assert country not in countries(extraction)
    assert state in extraction.entities


def test_a_country_after_its_own_city_stays_a_country(extract):
    assert "GE" in countries(extract("The Norland Grain Board opened an office in Tbilisi, Georgia."))


@pytest.mark.parametrize("text, surname, place_key", [
    ("Finance Minister Anton Baker met the Norland Grain Board. Baker said talks went well.",
     "Baker", "place/UM-81"),
    ("Vice President Bush met the Norland Grain Board on Monday.", "Bush", "place/geonames-358600"),
    # a town's name that the recogniser reads as a person's, with nothing else to go on
    ("The court heard that Ortega had met Lincoln twice before the vote.", "Lincoln", "place/geonames-2644487"),
])
def test_a_person_reading_wins_over_a_place(extract, text, surname, place_key):
    extraction = extract(text)
    assert place_key not in extraction.entities
    people = {e.label for e in extraction.entities.values() if e.cls == "Person"}
    assert any(label.endswith(surname) for label in people), people


@pytest.mark.parametrize("text, full, acronym, place_key", [
    ("She joined the Development Bank in Malta (DBiM) last year.", "Development Bank in Malta", "DBiM", "country/MT"),
    ("He chairs the Credit House of Chile (CHoC) in Santiago.", "Credit House of Chile", "CHoC", "country/CL"),
])
def test_bracketed_acronym_goes_to_the_whole_name(extract, text, full, acronym, place_key):
    extraction = extract(text)
    place = extraction.entities.get(place_key)
    assert place is None or acronym not in place.aliases
    owner = [e for e in extraction.entities.values() if acronym in e.aliases or e.attributes.get("acronym") == acronym]
    assert [e.label for e in owner] == [full]


@pytest.mark.parametrize("text, iso", [
    ("Grants went to St. Lucia and Grenada.", "LC"),
    ("The St Lucia delegation arrived.", "LC"),
    ("The US and Norland signed the accord.", "US"),
])
def test_countries_by_their_short_written_forms(extract, text, iso):
    assert iso in countries(extract(text))


@pytest.mark.parametrize("word, iso", [
    ("Kenyan", "KE"), ("Japanese", "JP"), ("Brazilian", "BR"), ("Kuwaiti", "KW"),  # from the name
    ("Lao", "LA"), ("Dutch", "NL"), ("Norwegian", "NO"),  # irregular
    ("Western", None), ("African", None), ("Dominican", None),  # no one country
    ("Meeting", None), ("Kenya", None),
])
def test_adjectives_of_countries(word, iso):
    entry = gazetteer().country_of_adjective(word)
    assert (entry.iso if entry else None) == iso


# -- the cache of the built gazetteer -------------------------------------------------------------

@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own; the gazetteer of this process is made again from it."""
    monkeypatch.setenv("COOP_KG_CACHE", str(tmp_path / "cache"))
    gazetteer.cache_clear()
    yield tmp_path / "cache"
    gazetteer.cache_clear()


def lookups(gaz) -> list:
    return [(gaz.lookup(name), gaz.small_place(name)) for name in
            ("Korea", "Soviet Union", "Bogota", "St. Lucia", "Guangxi", "Africa", "Augusta")] + [
        gaz.state_of_city("Georgia", "Augusta"), gaz.country_of_adjective("Kenyan")]


def test_the_gazetteer_read_from_its_cache_is_the_one_built(cache):
    built = Gazetteer()
    first = gazetteer()  # builds it and writes the cache
    files = list(cache.glob("gazetteer-*.json"))
    assert len(files) == 1
    gazetteer.cache_clear()
    read = gazetteer()
    assert read is not first
    for table in ("by_name", "by_key", "small", "city_countries", "subdivisions"):
        assert getattr(read, table) == getattr(built, table), table
    assert lookups(read) == lookups(built)


@pytest.mark.parametrize("damage", [
    "",  # empty
    "{\"entries\": [",  # cut short
    "{\"entries\": []}",  # parts missing
    "[1, 2, 3]",  # not the shape
])
def test_a_damaged_cache_is_built_again(cache, damage):
    gazetteer()
    [path] = cache.glob("gazetteer-*.json")
    path.write_text(damage, encoding="utf-8")
    gazetteer.cache_clear()
    assert lookups(gazetteer()) == lookups(Gazetteer())
    assert path.read_text(encoding="utf-8") != damage  # and written anew


def test_a_cache_that_cannot_be_written_is_done_without(cache):
    cache.parent.joinpath("cache").write_text("a file where the folder should be")
    assert gazetteer().lookup("Korea").key == "country/KR"


def test_a_cache_of_another_version_is_removed(cache):
    cache.mkdir(parents=True)
    stale = cache / "gazetteer-0000000000000000.json"
    stale.write_text("{}")
    gazetteer()
    assert not stale.exists() and len(list(cache.glob("gazetteer-*.json"))) == 1
