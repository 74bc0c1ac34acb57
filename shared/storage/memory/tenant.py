"""Settings, template versions and the reference counter, in memory."""

from __future__ import annotations

from datetime import date

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateVersion
from shared.errors import AlreadyExists, NotFound
from shared.storage import keys
from shared.storage.bookings import still_fresh
from shared.storage.convert import template_version
from shared.storage.memory.table import ConditionFailed, Item, MemoryBase, absent, where


class MemoryTenantStore(MemoryBase):
    _settings_read: tuple[float, TenantSettings] | None = None

    def cached_settings(self, now: float) -> TenantSettings | None:
        cached = self._settings_read
        if cached is not None and still_fresh(cached[0], now):
            return cached[1]
        settings = self.get_settings()
        self._settings_read = (now, settings) if settings is not None else None
        return settings

    def get_settings(self) -> TenantSettings | None:
        item = self._table.get(keys.SETTINGS)
        return TenantSettings.model_validate(item.data) if item is not None else None

    def put_settings(self, settings: TenantSettings) -> None:
        self._table.put(keys.SETTINGS, {"data": settings.model_dump(mode="json")})
        self._settings_read = None

    def latest_template(self, name: str) -> TemplateVersion | None:
        items = self._table.query(keys.TEMPLATE, prefix=keys.template_prefix(name), newest_first=True, limit=1)
        return template_version(items[0]) if items else None

    def get_template(self, version_id: str) -> TemplateVersion:
        try:
            item = self._table.get(keys.template_of_version_id(version_id))
        except ValueError:
            item = None
        if item is None:
            raise NotFound(f"template version {version_id!r} does not exist")
        return template_version(item)

    def list_templates(self) -> list[TemplateVersion]:
        return [template_version(item) for item in self._table.query(keys.TEMPLATE)]

    def save_template_version(self, version: TemplateVersion, created_on: date, replace: bool) -> None:
        """Write a version; a new number must not exist, a replaced one must still be unused."""
        attributes = {
            "name": version.name,
            "number": version.number,
            "steps": [step.model_dump(mode="json") for step in version.steps],
            "used": False,
            "created_on": created_on.isoformat(),
        }
        try:
            self._table.put(
                keys.template(version.name, version.number), attributes, when=where(used=False) if replace else absent
            )
        except ConditionFailed as error:
            raise AlreadyExists(f"template version {version.version_id} changed meanwhile") from error

    def mark_template_used(self, version_id: str) -> None:
        self._table.update(keys.template_of_version_id(version_id), set_={"used": True})

    def template_versions(self, name: str) -> list[tuple[TemplateVersion, str]]:
        items = self._table.query(keys.TEMPLATE, prefix=keys.template_prefix(name))
        return [(template_version(item), str(item.created_on)) for item in items]

    def all_template_versions(self) -> list[tuple[TemplateVersion, str]]:
        return [(template_version(item), str(item.created_on)) for item in self._table.query(keys.TEMPLATE)]

    def sessions_ended(self, user: str) -> int | None:
        item = self._table.get(keys.operator_sessions(user))
        return int(item.ended) if item is not None else None

    def end_sessions(self, user: str, epoch: int) -> None:
        def earlier(item: Item | None) -> bool:
            return item is None or int(item.ended) < epoch

        self._table.attempt(lambda: self._table.put(keys.operator_sessions(user), {"ended": epoch}, when=earlier))
