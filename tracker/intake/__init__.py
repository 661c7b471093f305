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
    """The Unit rows as a catalogue: today's units with their aliases, and the units that
    ceased with the one successor their work went to (an old name in a notice resolves to
    the unit that carries it on; a unit split between several is left out)."""
    from ..extensions import db
    from ..models import Unit
    from ..services.units import successor_map

    session = session or db.session
    successors = successor_map()
    rows = session.query(Unit).order_by(Unit.id).all()
    codes = {u.id: u.code for u in rows}
    return Catalogue(
        [
            CatalogueUnit(
                u.code,
                u.name,
                u.short_name,
                tuple(u.aliases or ()),
                codes.get(successors[u.id]) if u.id in successors else None,
            )
            for u in rows
            if u.active or u.id in successors
        ]
    )


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
