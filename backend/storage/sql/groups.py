"""Every row group of one connection, as the storage interface's ``Store`` names them."""

from __future__ import annotations

from .archive import ArchiveRows
from .dialect import Connection, Dialect
from .files import Files, Uploads
from .messages import Mentions, Messages, Reactions
from .notify import NotifyRows
from .people import Devices, Settings, SignInLinks, Users
from .rooms import Members, ReadMarks, Rooms
from .webhooks import Webhooks


class RowGroups:
    """The row groups on ``db`` in ``dialect``; an engine's store adds its transactions."""

    def __init__(self, db: Connection, dialect: Dialect) -> None:
        self.users = Users(db, dialect)
        self.devices = Devices(db, dialect)
        self.sign_in_links = SignInLinks(db, dialect)
        self.settings = Settings(db, dialect)
        self.rooms = Rooms(db, dialect)
        self.members = Members(db, dialect)
        self.reads = ReadMarks(db, dialect)
        self.messages = Messages(db, dialect)
        self.mentions = Mentions(db, dialect)
        self.reactions = Reactions(db, dialect)
        self.uploads = Uploads(db, dialect)
        self.files = Files(db, dialect)
        self.webhooks = Webhooks(db, dialect)
        self.archive = ArchiveRows(db, dialect)
        self.notify = NotifyRows(db, dialect)
