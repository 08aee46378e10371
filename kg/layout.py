"""Positions of the entities of a large network, computed before the page opens.

The page's own physics (vis-network, in the browser) starts from every entity on one circle and
has the time for a few dozen steps on thousands of entities: the network stays a ring. Here the
layout is done once, in numpy, in a way that reads at that scale:

- each connected component is laid out alone: its 2-core (what remains once the trees hanging
  from it are cut off) by a force layout in which an entity repels the others in proportion to
  the trees it carries, then each tree around its root, leaves in a sunflower disc;
- the largest component goes in the middle, the smaller ones in rows under it (the page puts
  the isolated entities, when they are shown, in rows under those).
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np

from .network import communities

SPACING = 110.0      # canvas units between related entities: the spring length of the page
PAIR_BUDGET = 2e8    # force-layout steps times pairs of entities (about 2 s on one core)
MIN_STEPS, MAX_STEPS = 25, 300
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def network_positions(network: nx.MultiDiGraph, seed: int = 7,
                      groups: list[set[str]] | None = None) -> dict[str, tuple[float, float]]:
    """Canvas positions of the entities that have at least one relation (isolated ones get
    none); the same network always gives the same positions. Each community (`groups`, by
    default kg.network.communities) starts the force layout in a region of its own, so that
    colouring by community shows regions, not confetti."""
    if groups is None:
        groups = communities(network, seed=0)
    group = {node: number for number, members in enumerate(groups) for node in members}
    simple = nx.Graph(network)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    simple.remove_nodes_from([n for n, d in list(simple.degree()) if d == 0])
    parts = [_component_positions(simple.subgraph(c), seed, group)
             for c in sorted(nx.connected_components(simple), key=lambda c: (-len(c), min(c)))]
    return {node: (round(float(x) * SPACING, 1), round(float(y) * SPACING, 1))
            for node, (x, y) in _pack(parts).items()}


def _component_positions(component: nx.Graph, seed: int, group: dict[str, int]) -> dict[str, np.ndarray]:
    """Positions in units of SPACING, centred on 0."""
    core = nx.k_core(component, 2)
    if core.number_of_nodes():
        roots = set(core)
    else:   # a tree: from its most connected entity
        roots = {min(component, key=lambda n: (-component.degree(n), n))}
    # the trees: each entity outside the core hangs from the neighbour that leads to the core
    parent: dict[str, str] = {}
    order = sorted(roots)
    frontier = order
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(component[node]):
                if other not in roots and other not in parent:
                    parent[other] = node
                    following.append(other)
        frontier = following
        order += following
    children: dict[str, list[str]] = {}
    for node in order[len(roots):]:
        children.setdefault(parent[node], []).append(node)
    carried = dict.fromkeys(order, 1)
    for node in reversed(order[len(roots):]):
        carried[parent[node]] += carried[node]
    if core.number_of_nodes():
        position = _force_layout(core, carried, seed, group)
    else:
        position = {order[0]: np.zeros(2)}
    centre = np.mean(list(position.values()), axis=0)
    for node in order:      # parents come before their children
        kids = children.get(node, [])
        if not kids:
            continue
        here = position[node]
        away = here - (position[parent[node]] if node in parent else centre)
        base = math.atan2(away[1], away[0]) if np.hypot(*away) > 1e-9 else 0.0
        if len(kids) <= 6:  # a fan pointing away from where the entity hangs
            step = min(math.pi / 4, 2 * math.pi / len(kids))
            for i, kid in enumerate(kids):
                angle = base + (i - (len(kids) - 1) / 2) * step
                position[kid] = here + 0.8 * np.array([math.cos(angle), math.sin(angle)])
        else:               # a sunflower disc: many leaves in little room
            for i, kid in enumerate(kids, 1):
                angle, radius = base + i * GOLDEN_ANGLE, 0.35 * math.sqrt(i + 1)
                position[kid] = here + radius * np.array([math.cos(angle), math.sin(angle)])
    centre = np.mean(list(position.values()), axis=0)
    return {node: xy - centre for node, xy in position.items()}


def _force_layout(graph: nx.Graph, carried: dict[str, int], seed: int,
                  group: dict[str, int]) -> dict[str, np.ndarray]:
    """Fruchterman-Reingold with masses: attraction d² along each relation, repulsion
    mass_a * mass_b / d between every pair, so an entity carrying many leaves keeps room for
    them. Exact pairs, a bounded number of steps (PAIR_BUDGET)."""
    nodes = sorted(graph)
    count = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    ends = np.array([(index[a], index[b]) for a, b in graph.edges()], dtype=np.int64).reshape(-1, 2)
    mass = np.array([carried[node] for node in nodes], dtype=np.float64)
    rng = np.random.default_rng(seed)
    spread = math.sqrt(count + mass.sum())
    # each community starts in a disc of its own, the discs in a sunflower, largest inside
    weight: dict[int, float] = {}
    for node in nodes:
        weight[group.get(node, -1)] = weight.get(group.get(node, -1), 0.0) + carried[node]
    centre, radius, used = {}, {}, 0.0
    for number in sorted(weight, key=lambda g: (-weight[g], g)):
        radius[number] = math.sqrt(weight[number] / (count + mass.sum())) * spread
        distance = math.sqrt(used) * spread / math.sqrt(count + mass.sum()) * 1.6
        angle = len(centre) * GOLDEN_ANGLE
        centre[number] = (distance * math.cos(angle), distance * math.sin(angle))
        used += weight[number]
    position = rng.uniform(-1, 1, (count, 2))
    for i, node in enumerate(nodes):
        number = group.get(node, -1)
        position[i] = np.array(centre[number]) + position[i] * radius[number]
    steps = int(max(MIN_STEPS, min(MAX_STEPS, PAIR_BUDGET // max(count * count, 1))))
    temperature = math.sqrt(count + mass.sum()) / 3
    cooling = (0.01 / temperature) ** (1 / steps) if temperature > 0.01 else 1.0
    rows = max(1, 2_000_000 // count)   # pairs computed at once: bounded memory
    position = position.astype(np.float32)
    mass = mass.astype(np.float32)
    for _ in range(steps):
        x, y = position[:, 0], position[:, 1]
        push = np.empty_like(position)
        for start in range(0, count, rows):
            block = slice(start, start + rows)
            dx = x[block, None] - x[None, :]
            dy = y[block, None] - y[None, :]
            strength = dx * dx
            strength += dy * dy
            strength += 1e-4
            np.divide(mass[block, None] * mass[None, :], strength, out=strength)
            push[block, 0] = np.einsum("ij,ij->i", strength, dx)
            push[block, 1] = np.einsum("ij,ij->i", strength, dy)
        delta = position[ends[:, 0]] - position[ends[:, 1]]
        pull = delta * np.linalg.norm(delta, axis=1)[:, None]
        np.subtract.at(push, ends[:, 0], pull)
        np.add.at(push, ends[:, 1], pull)
        length = np.linalg.norm(push, axis=1)[:, None] + 1e-12
        position += push / length * np.minimum(length, temperature)
        temperature *= cooling
    return {node: position[index[node]] for node in nodes}


def _pack(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The first (largest) part in the middle, the others in rows under it, largest first."""
    placed: dict[str, np.ndarray] = {}
    if not parts:
        return placed
    radius = [max((float(np.hypot(*xy)) for xy in part.values()), default=0.0) + 0.6
              for part in parts]
    placed.update(parts[0])
    width = max(2 * radius[0], 12.0)
    left, top = -width / 2, radius[0] + 1.0
    x, row_height = left, 0.0
    for part, r in zip(parts[1:], radius[1:]):
        if x + 2 * r > left + width and x > left:
            x, top, row_height = left, top + row_height, 0.0
        offset = np.array([x + r, top + r])
        placed.update({node: xy + offset for node, xy in part.items()})
        x += 2 * r
        row_height = max(row_height, 2 * r)
    return placed
