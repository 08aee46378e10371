"""Every top class of the ontology has a style of its own."""
from kg.classes import TOP_CLASSES
from kg.styles import CLASS_STYLE, OTHER_STYLE


def test_every_top_class_has_its_own_style():
    assert set(CLASS_STYLE) == set(TOP_CLASSES)
    styles = list(CLASS_STYLE.values()) + [OTHER_STYLE]
    assert len({colour for colour, _ in styles}) == len(styles)
