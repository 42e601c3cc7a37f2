"""Host administration: what the host's own user may change about the host.

Plain Python like the service it extends: rename the host, change or turn off the join code, list
and remove devices. Every method checks first that the caller is the host user.
"""

from __future__ import annotations

import secrets
from typing import Any

from . import protocol as p
from . import validate
from .db_worker import Database
from .errors import Forbidden, NotFound
from .models import User
from .service import ChatService
from .service_core import HOST_WINDOW_DEVICE, SETTING_JOIN_CODE, SETTING_NAME, Transport

JOIN_CODE_DIGITS = 8


class HostAdmin:
    def __init__(self, chat: ChatService, db: Database, transport: Transport) -> None:
        self._chat = chat
        self._db = db
        self._out = transport

    def info(self, sid: str) -> dict[str, Any]:
        self._host(sid)
        devices = self._db.read(lambda s: s.list_devices())
        return {
            "name": self._chat.server_info["name"],
            "join_code": self._chat.join_code,
            "devices": [
                {
                    "id": d.id,
                    "user": d.user.ref(),
                    "label": d.label,
                    "created_at": d.created_at,
                    "last_seen_at": d.last_seen_at,
                    "online": self._chat.device_online(d.id),
                }
                for d in devices
            ],
        }

    def rename_host(self, sid: str, name: Any) -> dict[str, Any]:
        self._host(sid)
        name = validate.host_name(name)
        self._db.write(lambda s: s.set_setting(SETTING_NAME, name))
        self._chat.server_info["name"] = name
        self._out.publish(p.SERVER_CHANGED, {"server": self._chat.server_info}, None)
        self._chat.on_host_changed()
        return dict(self._chat.server_info)

    def set_join_code(self, sid: str, code: Any) -> str | None:
        """A given code, a fresh random one for "", or None to let anyone in without one."""
        self._host(sid)
        wanted = validate.join_code(code)
        if wanted == "":
            wanted = "".join(secrets.choice("0123456789") for _ in range(JOIN_CODE_DIGITS))
        self._db.write(lambda s: s.set_setting(SETTING_JOIN_CODE, wanted))
        self._chat.set_join_code(wanted)
        self._chat.on_host_changed()
        return wanted

    def remove_device(self, sid: str, device_id: int) -> None:
        """The device's token stops working now; its open connections are dropped."""
        self._host(sid)
        device = self._db.read(lambda s: s.get_device(device_id))
        if device is None:
            raise NotFound("There is no such device.")
        if device.user.is_host and device.label == HOST_WINDOW_DEVICE:
            raise Forbidden("The host's own window cannot be removed.")
        self._db.write(lambda s: s.delete_device(device_id))
        for connection in self._chat.device_connections(device_id):
            self._out.disconnect(connection)

    def _host(self, sid: str) -> User:
        user = self._chat.user_of(sid)
        if not user.is_host:
            raise Forbidden("Only the host can do that.")
        return user
