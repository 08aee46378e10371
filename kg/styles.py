"""How each class of entity is drawn: one colour and shape for the network page (kg.viz) and
the network exports (kg.network's GEXF), so a graph looks the same in a browser and in Gephi."""
from __future__ import annotations

# colour and vis-network shape by class (shapes that draw their label below them; the legend
# draws the same shapes in CSS, kg/templates/network.html)
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "Organization": ("#4e79a7", "dot"),
    "Country": ("#e15759", "diamond"),
    "Place": ("#f28e2b", "triangle"),
    "Event": ("#59a14f", "star"),
    "Program": ("#b07aa1", "square"),
    "Facility": ("#9c755f", "triangleDown"),
    "Person": ("#d4a418", "hexagon"),
}
OTHER_STYLE: tuple[str, str] = ("#bab0ac", "dot")
