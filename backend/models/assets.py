"""Models and datasets as the asset registry records them, projected from its events."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "model" | "dataset"
    owner: Mapped[str] = mapped_column(String(42), index=True)
    manifest_cid: Mapped[str] = mapped_column(String(128))
    registered_block: Mapped[int] = mapped_column(BigInteger)


class ModelOperator(Base):
    """An address a model's current owner named on chain to report the model's usage."""

    __tablename__ = "model_operators"

    model_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    operator: Mapped[str] = mapped_column(String(42), primary_key=True)


class ModelVersion(Base):
    __tablename__ = "model_versions"

    model_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    manifest_cid: Mapped[str] = mapped_column(String(128))
    weights_hash: Mapped[str] = mapped_column(String(66))
    block_number: Mapped[int] = mapped_column(BigInteger)


class ModelParent(Base):
    __tablename__ = "model_parents"

    model_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    parent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    edge_type: Mapped[int] = mapped_column(Integer)
    licence_id: Mapped[int] = mapped_column(BigInteger)


class ModelDataset(Base):
    __tablename__ = "model_datasets"

    model_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    weight_bps: Mapped[int] = mapped_column(Integer)


class DatasetVersion(Base):
    __tablename__ = "dataset_versions"

    dataset_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    contributions_root: Mapped[str] = mapped_column(String(66))
    manifest_cid: Mapped[str] = mapped_column(String(128))
    block_number: Mapped[int] = mapped_column(BigInteger)
