"""Settings, template versions and the reference counter: the same behaviour in both stores."""

from __future__ import annotations

from datetime import date

import pytest

from shared.domain.settings import TenantSettings
from shared.errors import AlreadyExists, NotFound
from tests.support.storage import template


def test_settings_are_absent_until_put_then_read_back(store):
    # Given a new tenant
    assert store.get_settings() is None
    # When its settings are stored
    settings = TenantSettings.model_validate(
        {"tenant": "acme", "bs": {"enabled": True, "creditor_number": "12345678", "cvr": "87654321"}}
    )
    store.put_settings(settings)
    # Then they read back equal
    assert store.get_settings() == settings


def test_a_new_template_number_is_created_once(store):
    # Given version 1 of "standard"
    store.save_template_version(template(), date(2026, 1, 1), replace=False)
    # When it is created again
    # Then the store refuses: the number exists
    with pytest.raises(AlreadyExists):
        store.save_template_version(template(days=(1,)), date(2026, 1, 2), replace=False)
    assert [step.days for step in store.get_template("standard_v1").steps] == [7, 10]


def test_an_unused_version_may_be_replaced_a_used_one_not(store):
    # Given version 1, still unused
    store.save_template_version(template(), date(2026, 1, 1), replace=False)
    # When it is replaced
    store.save_template_version(template(days=(3,)), date(2026, 1, 2), replace=True)
    # Then the new steps are stored
    assert [step.days for step in store.get_template("standard_v1").steps] == [3]
    # And once used, replacing it is refused
    store.mark_template_used("standard_v1")
    assert store.get_template("standard_v1").used
    with pytest.raises(AlreadyExists):
        store.save_template_version(template(days=(5,)), date(2026, 1, 3), replace=True)
    assert [step.days for step in store.get_template("standard_v1").steps] == [3]


@pytest.mark.parametrize("version_id", ["standard_v9", "standard", "nothing_vx"])
def test_an_unknown_version_is_not_found(store, version_id):
    store.save_template_version(template(), date(2026, 1, 1), replace=False)
    with pytest.raises(NotFound):
        store.get_template(version_id)


def test_versions_are_listed_oldest_first_and_the_latest_is_the_highest_number(store):
    # Given versions 2 and 10 of "standard" and version 1 of "b2b" (10 sorts after 2: numbers are padded)
    store.save_template_version(template(number=10), date(2026, 1, 3), replace=False)
    store.save_template_version(template(number=2), date(2026, 1, 2), replace=False)
    store.save_template_version(template(name="b2b"), date(2026, 1, 1), replace=False)
    # Then
    assert store.latest_template("standard").number == 10
    assert store.latest_template("missing") is None
    assert [(v.number, on) for v, on in store.template_versions("standard")] == [(2, "2026-01-02"), (10, "2026-01-03")]
    assert [v.version_id for v in store.list_templates()] == ["b2b_v1", "standard_v2", "standard_v10"]
    assert [v.version_id for v, _ in store.all_template_versions()] == ["b2b_v1", "standard_v2", "standard_v10"]


def test_reference_numbers_are_never_handed_out_twice(store):
    assert [store.reserve_reference_numbers(1) for _ in range(3)] == [1, 2, 3]


def test_cached_settings_are_read_once_per_ttl_and_a_put_here_is_seen_at_once(store):
    from shared.storage.bookings import SETTINGS_TTL_SECONDS

    # Given settings read through the cache at t = 1000 s (a monotonic clock)
    first = TenantSettings(tenant="acme", tenant_name="Acme")
    store.put_settings(first)
    assert store.cached_settings(1000.0) == first
    # When another container changes them (written beneath this store's cache)
    changed = first.updated({"tenant_name": "Acme ApS"})
    _write_settings_elsewhere(store, changed)
    # Then the cached copy is used until the TTL runs out, and the new settings after it
    assert store.get_settings() == changed
    assert store.cached_settings(1000.0 + SETTINGS_TTL_SECONDS - 1) == first
    assert store.cached_settings(1000.0 + SETTINGS_TTL_SECONDS) == changed
    # And a change written through this store is seen at once
    third = changed.updated({"tenant_name": "Acme A/S"})
    store.put_settings(third)
    assert store.cached_settings(1000.0 + SETTINGS_TTL_SECONDS + 1) == third


def _write_settings_elsewhere(store, settings: TenantSettings) -> None:
    """Store ``settings`` as another process would: beneath ``store``'s own cache."""
    from shared.storage import keys
    from shared.storage.memory import MemoryStore

    data = settings.model_dump(mode="json")
    if isinstance(store, MemoryStore):
        store._table.put(keys.SETTINGS, {"data": data})
    else:
        from shared.storage.models import SettingsModel

        SettingsModel(pk=keys.SETTINGS[0], sk=keys.SETTINGS[1], data=data).save()


def test_an_operators_sessions_end_only_forward(store):
    # Given an operator whose sessions never ended
    assert store.sessions_ended("bo@hansen.dk") is None
    # When they end at 1000, then an older end arrives late (a slow log-out), then a newer one
    store.end_sessions("bo@hansen.dk", 1000)
    store.end_sessions("bo@hansen.dk", 900)
    # Then the later time holds, and another operator is untouched
    assert store.sessions_ended("bo@hansen.dk") == 1000
    assert store.sessions_ended("eva@hansen.dk") is None
    store.end_sessions("bo@hansen.dk", 1200)
    assert store.sessions_ended("bo@hansen.dk") == 1200
