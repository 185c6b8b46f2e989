"""Regions, districts and organizations (the registry, CODEBOOK §1)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codebook import IdKind, Level, Ownership
from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow


def localized_name(name_ru: str | None, name_kk: str | None, lang: str) -> str:
    """An organization's name in the page's language: the Kazakh name on Kazakh pages, the Russian one on the
    others, each falling back to the other when it is missing."""
    return ((name_kk or name_ru) if lang == "kk" else (name_ru or name_kk)) or ""


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kato: Mapped[str | None] = mapped_column(sa.String(12))

    districts: Mapped[list[District]] = relationship(back_populates="region", order_by="District.name")

    def __repr__(self) -> str:
        return f"<Region {self.name}>"


class District(db.Model):
    __tablename__ = "districts"
    __table_args__ = (sa.UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kato: Mapped[str | None] = mapped_column(sa.String(12))

    region: Mapped[Region] = relationship(back_populates="districts")

    def __repr__(self) -> str:
        return f"<District {self.name}>"


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.CheckConstraint("length(bin) = 12", name="bin_length"),
        sa.CheckConstraint("name_ru IS NOT NULL OR name_kk IS NOT NULL", name="has_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[str] = mapped_column(sa.String(12), unique=True)
    id_kind: Mapped[IdKind] = mapped_column(enum_column(IdKind, "id_kind"), default=IdKind.BIN)
    name_ru: Mapped[str | None] = mapped_column(sa.String(300))
    name_kk: Mapped[str | None] = mapped_column(sa.String(300))
    level: Mapped[Level] = mapped_column(enum_column(Level, "level"), index=True)
    org_type: Mapped[str | None] = mapped_column(sa.String(40))
    ownership: Mapped[Ownership] = mapped_column(enum_column(Ownership, "ownership"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="RESTRICT"), index=True)
    kato: Mapped[str | None] = mapped_column(sa.String(12))
    languages: Mapped[str | None] = mapped_column(sa.String(60))  # ';'-separated language codes
    address: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()

    def name(self, lang: str = "ru") -> str:
        return localized_name(self.name_ru, self.name_kk, lang)

    def __repr__(self) -> str:
        return f"<Organization {self.bin}>"
