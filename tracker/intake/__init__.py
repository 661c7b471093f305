"""Reading a notice into a proposed directive and its tasks (issue 13).

Pure functions, one concept per module: ``extract`` (files to text), ``segment`` (items and
sentences), ``instructions`` (which sentences instruct), ``addressees`` (lead and coordinating
units), ``units`` (the catalogue and matching), ``deadlines``, ``header`` (symbol, date, signer),
``fields`` (field and flags), ``reader`` (all of it into a Proposal). ``catalogue_from_db`` is the
one function here that touches the database.
"""

from __future__ import annotations

from .extract import UnreadableFile, extract_text, read_file
from .reader import Proposal, ProposedTask, read_notice
from .units import Catalogue, CatalogueUnit, UnitMatch


def catalogue_from_db(session=None) -> Catalogue:
    """Today's Unit rows as a catalogue (code, name, short name). Aliases and succession join
    here when the Unit model has them."""
    from ..extensions import db
    from ..models import Unit

    session = session or db.session
    rows = session.query(Unit).filter(Unit.active.is_(True)).order_by(Unit.id).all()
    return Catalogue([CatalogueUnit(u.code, u.name, u.short_name) for u in rows])


__all__ = [
    "Catalogue",
    "CatalogueUnit",
    "Proposal",
    "ProposedTask",
    "UnitMatch",
    "UnreadableFile",
    "catalogue_from_db",
    "extract_text",
    "read_file",
    "read_notice",
]
