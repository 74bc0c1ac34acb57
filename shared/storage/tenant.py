"""The tenant's own records in DynamoDB: settings, template versions, the reference counter."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import PutError, UpdateError

from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateVersion
from shared.errors import AlreadyExists, NotFound
from shared.storage import keys
from shared.storage.bookings import still_fresh
from shared.storage.convert import template_version
from shared.storage.dynamo import DynamoBase, conditional_failed
from shared.storage.models import OperatorSessionsModel, SettingsModel, TemplateVersionModel

# Per container (module state) and per table: when the settings were read, and what they were.
_settings_cache: dict[str, tuple[float, TenantSettings]] = {}


def forget_cached_settings() -> None:
    """Drop every cached copy of the settings (a fresh local stack in the same process)."""
    _settings_cache.clear()


class DynamoTenantStore(DynamoBase):
    """Settings and template versions; used versions are immutable, so they are cached."""

    _templates: dict[str, TemplateVersion]

    # -- settings -------------------------------------------------------------
    def get_settings(self) -> TenantSettings | None:
        try:
            item = SettingsModel.get(*keys.SETTINGS)
        except SettingsModel.DoesNotExist:
            return None
        return TenantSettings.model_validate(item.data)

    def cached_settings(self, now: float) -> TenantSettings | None:
        """The settings as read at most
        :data:`shared.storage.bookings.SETTINGS_TTL_SECONDS` before ``now`` (a monotonic
        clock, seconds): what the consumers use, so a batch does not read them again."""
        table = str(SettingsModel.Meta.table_name)
        cached = _settings_cache.get(table)
        if cached is not None and still_fresh(cached[0], now):
            return cached[1]
        settings = self.get_settings()
        if settings is None:
            _settings_cache.pop(table, None)
        else:
            _settings_cache[table] = (now, settings)
        return settings

    def put_settings(self, settings: TenantSettings) -> None:
        pk, sk = keys.SETTINGS
        SettingsModel(pk=pk, sk=sk, data=settings.model_dump(mode="json")).save()
        _settings_cache.pop(str(SettingsModel.Meta.table_name), None)

    # -- templates ------------------------------------------------------------
    def latest_template(self, name: str) -> TemplateVersion | None:
        items = TemplateVersionModel.query(
            keys.TEMPLATE,
            TemplateVersionModel.sk.startswith(keys.template_prefix(name)),
            scan_index_forward=False,
            limit=1,
        )
        for item in items:
            return template_version(item)
        return None

    def get_template(self, version_id: str) -> TemplateVersion:
        """A version by id; used versions are immutable, so they are cached for the container."""
        cached = self._templates.get(version_id)
        if cached is not None:
            return cached
        try:
            item = TemplateVersionModel.get(*keys.template_of_version_id(version_id))
        except (TemplateVersionModel.DoesNotExist, ValueError) as error:
            raise NotFound(f"template version {version_id!r} does not exist") from error
        version = template_version(item)
        if version.used:
            self._templates[version_id] = version
        return version

    def list_templates(self) -> list[TemplateVersion]:
        return [template_version(item) for item in TemplateVersionModel.query(keys.TEMPLATE)]

    def save_template_version(self, version: TemplateVersion, created_on: date, replace: bool) -> None:
        """Write a version; a new number must not exist, a replaced one must still be unused."""
        pk, sk = keys.template(version.name, version.number)
        item = TemplateVersionModel(
            pk=pk,
            sk=sk,
            name=version.name,
            number=version.number,
            steps=[step.model_dump(mode="json") for step in version.steps],
            used=False,
            created_on=created_on.isoformat(),
        )
        condition = (
            TemplateVersionModel.used == False  # noqa: E712 - a PynamoDB condition, not a comparison
            if replace
            else TemplateVersionModel.pk.does_not_exist()
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if conditional_failed(error):
                raise AlreadyExists(f"template version {version.version_id} changed meanwhile") from error
            raise
        self._templates.pop(version.version_id, None)

    def mark_template_used(self, version_id: str) -> None:
        pk, sk = keys.template_of_version_id(version_id)
        TemplateVersionModel(pk=pk, sk=sk).update(actions=[TemplateVersionModel.used.set(True)])

    def template_versions(self, name: str) -> list[tuple[TemplateVersion, str]]:
        """Every version of one template, oldest first, with the date it was defined."""
        prefix = keys.template_prefix(name)
        items = TemplateVersionModel.query(keys.TEMPLATE, TemplateVersionModel.sk.startswith(prefix))
        return [(template_version(item), str(item.created_on)) for item in items]

    def all_template_versions(self) -> list[tuple[TemplateVersion, str]]:
        return [(template_version(item), str(item.created_on)) for item in TemplateVersionModel.query(keys.TEMPLATE)]

    # -- console sessions ------------------------------------------------------
    def sessions_ended(self, user: str) -> int | None:
        """When ``user``'s console sessions last ended (epoch seconds), or None; strongly consistent,
        so a log-out holds for the very next request."""
        try:
            return int(OperatorSessionsModel.get(*keys.operator_sessions(user), consistent_read=True).ended)
        except OperatorSessionsModel.DoesNotExist:
            return None

    def end_sessions(self, user: str, epoch: int) -> None:
        """End every session of ``user`` issued before ``epoch``; never moves the time back."""
        pk, sk = keys.operator_sessions(user)
        try:
            OperatorSessionsModel(pk=pk, sk=sk).update(
                actions=[OperatorSessionsModel.ended.set(epoch)],
                condition=OperatorSessionsModel.ended.does_not_exist() | (OperatorSessionsModel.ended < epoch),
            )
        except UpdateError as error:
            if not conditional_failed(error):
                raise
