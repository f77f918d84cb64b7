"""The planner's questions through the API: on /v1/optimise, on background runs, in scenarios."""

from __future__ import annotations

from support.service import Keys, Live, create_inventory, small_inventory, wait_for

HEAT_PIPE = {"from": "steelworks", "to": "heating", "mode": "heat_pipe"}


def built(document: dict) -> set[tuple[str, str, str]]:
    return {(b["from_id"], b["to_id"], b["mode"]) for b in document["tables"]["built_links"]}


def test_pinned_and_forbidden_links_through_the_api(live: Live, keys: Keys) -> None:
    c = live.client
    one = {"max_new_links": 1}
    free = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": one},
        headers=keys.coordinator,
    )
    assert free.status_code == 200, free.text
    assert built(free.json()["result"]) == {("steelworks", "grinder", "truck")}
    pinned = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": one | {"pin": [HEAT_PIPE]}},
        headers=keys.coordinator,
    ).json()["result"]
    assert built(pinned) == {("steelworks", "heating", "heat_pipe")}
    assert pinned["planner"]["required"] == ["steelworks->heating (heat_pipe)"]

    inv = create_inventory(c, keys)
    run = c.post(
        "/v1/runs",
        json={"inventory_id": inv["id"], "planner": {"forbid": [HEAT_PIPE]}},
        headers=keys.coordinator,
    ).json()
    assert wait_for(c, run["id"], keys.coordinator)["state"] == "finished"
    result = c.get(f"/v1/runs/{run['id']}/result", headers=keys.viewer).json()
    assert ("steelworks", "heating", "heat_pipe") not in built(result)
    assert ("steelworks", "grinder", "truck") in built(result)

    scenario = c.post(
        "/v1/scenarios",
        json={"name": "pinned", "inventory_id": inv["id"], "pin": [HEAT_PIPE],
              "territory": {"max_new_links": 1}},
        headers=keys.coordinator,
    )  # fmt: skip
    assert scenario.status_code == 201, scenario.text
    answer = c.post(
        "/v1/optimise", json={"scenario_id": scenario.json()["id"]}, headers=keys.coordinator
    ).json()["result"]
    assert built(answer) == {("steelworks", "heating", "heat_pipe")}


def test_planner_mistakes_are_named_with_their_path(live: Live, keys: Keys) -> None:
    c = live.client
    r = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": {"max_new_links": -1}},
        headers=keys.coordinator,
    )
    assert r.status_code == 422
    assert any("planner" in e["path"] and "max_new_links" in e["path"] for e in r.json()["errors"])
    r = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": {"pin": [{"from": "steelworks"}]}},
        headers=keys.coordinator,
    )
    assert r.status_code == 422
    assert "a link needs both from and to" in r.text
    unknown = {"from": "heating", "to": "grinder", "mode": "truck"}
    r = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": {"pin": [unknown]}},
        headers=keys.coordinator,
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["path"] for e in errors] == ["territory.pin[0]"]
    assert "no link heating->grinder (truck)" in errors[0]["message"]


def test_co2_target_out_of_reach_is_named_by_the_api(live: Live, keys: Keys) -> None:
    c = live.client
    r = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "planner": {"co2_min": "1 Mt/yr"}},
        headers=keys.coordinator,
    )
    assert r.status_code == 200, r.text
    run = r.json()["run"]
    assert run["status"] == "infeasible"
    assert run["reason"].startswith("infeasible: CO2 target of 1e+06 t CO2/yr avoided")
