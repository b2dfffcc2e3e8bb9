"""The lineage graph around a model: its ancestors (parents, their parents, ...) and its descendants, to a
bounded depth, with the datasets each of those models was trained on.

Breadth-first, one query per level and direction, so a graph costs about ``2 * depth + 2`` queries. A
popular model can have very many descendants: the walk also stops once it holds ``max_models`` models, and
says the graph was truncated whenever it left edges unexplored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models.assets import Asset, ModelDataset, ModelParent

MAX_DEPTH = 16  # the royalty stack's bound on ancestors (IRoyaltyRouter.MAX_ANCESTORS)
MAX_MODELS = 1_000


@dataclass(frozen=True)
class Lineage:
    # Every asset in the graph with its signed distance from the model: ancestors negative, descendants
    # positive; a dataset sits one step above the nearest model trained on it.
    assets: list[tuple[Asset, int]]
    parent_edges: list[ModelParent]
    dataset_edges: list[ModelDataset]
    truncated: bool


def model_lineage(
    *, session: Session, model_id: int, depth: int, max_models: int = MAX_MODELS
) -> Lineage | None:
    """The graph ``depth`` levels up and down from ``model_id``; None when there is no such model."""
    root = session.get(Asset, model_id)
    if root is None or root.kind != "model":
        return None
    distance = {model_id: 0}
    edges: dict[tuple[int, int], ModelParent] = {}
    truncated = False
    for step, towards in ((-1, ModelParent.model_id), (1, ModelParent.parent_id)):
        # Up: edges whose child is in the frontier; down: edges whose parent is.
        frontier = {model_id}
        level = 0
        while frontier:
            rows = session.scalars(select(ModelParent).where(towards.in_(frontier))).all()
            if level == depth or len(distance) >= max_models:
                truncated = truncated or bool(rows)
                break
            level += 1
            frontier = set()
            for edge in rows:
                edges[(edge.model_id, edge.parent_id)] = edge
                reached = edge.parent_id if step < 0 else edge.model_id
                if reached not in distance:
                    distance[reached] = step * level
                    frontier.add(reached)
    dataset_edges = list(
        session.scalars(
            select(ModelDataset)
            .where(ModelDataset.model_id.in_(distance))
            .order_by(ModelDataset.model_id, ModelDataset.dataset_id)
        )
    )
    for use in dataset_edges:
        above = distance[use.model_id] - 1
        distance[use.dataset_id] = min(distance.get(use.dataset_id, above), above)
    assets = session.scalars(select(Asset).where(Asset.id.in_(distance)).order_by(Asset.id))
    return Lineage(
        assets=[(asset, distance[asset.id]) for asset in assets],
        parent_edges=sorted(edges.values(), key=lambda edge: (edge.model_id, edge.parent_id)),
        dataset_edges=dataset_edges,
        truncated=truncated,
    )
