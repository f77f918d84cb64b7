"""The malformed-inventory corpus: each file is rejected with its field path and message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from symbiose.inventory import InventoryError, load_inventory

CORPUS = Path(__file__).parent / "malformed"
EXPECTED: dict[str, list[dict[str, str]]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())


def test_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 25
    for name in EXPECTED:
        assert (CORPUS / name).exists(), name


def test_base_of_the_corpus_is_valid() -> None:
    inv = load_inventory(CORPUS / "base.yaml")
    assert len(inv.sites) == 4


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_inventory_is_rejected_with_path_and_message(name: str) -> None:
    with pytest.raises(InventoryError) as info:
        load_inventory(CORPUS / name)
    got = [(issue.path(), issue.msg) for issue in info.value.issues]
    for want in EXPECTED[name]:
        assert any(path == want["path"] and want["msg"] in msg for path, msg in got), (
            f"{name}: expected {want['path']}: ...{want['msg']}..., got {got}"
        )


def test_every_problem_is_reported_not_only_the_first() -> None:
    with pytest.raises(InventoryError) as info:
        load_inventory(CORPUS / "several_problems.yaml")
    assert len(info.value.issues) == 3
    assert "3 problems" in str(info.value)


def test_issue_paths_render_like_field_paths() -> None:
    with pytest.raises(InventoryError) as info:
        load_inventory(CORPUS / "mode_unknown_commodity.yaml")
    issue = info.value.issues[0]
    assert issue.loc == ("modes", 1, "commodities", 1)
    assert issue.path() == "modes[1].commodities[1]"
    assert issue.as_dict()["path"] == "modes[1].commodities[1]"


@pytest.mark.parametrize("data", [5, None, 3.2, ["a"]])
def test_non_documents_are_inventory_errors(data: object) -> None:
    from symbiose.inventory import parse_inventory

    with pytest.raises(InventoryError):
        parse_inventory(data, "yaml")  # type: ignore[arg-type]
