"""Matching the registers' records into sites: SIRET first, else name, operator, postcode, distance.

Every record starts as a node; a site is a connected set of records.  The edges come in
stages: IREP establishments sharing a valid SIRET in the same commune are one site (a SIRET
shared across communes is the operator's head-office SIRET: those stay apart, and the report
says so); then each EUTL installation, then each Hotmaps site, is matched against the sites
made so far.  Candidates are the sites within :data:`RADIUS_KM` (a k-d tree query, never a
loop over every pair); each is scored by how much of one name's words the other holds, plus
a bonus for the same postcode or commune and a penalty growing with distance.  A record whose
best candidate scores at least :data:`MATCH` and leads the next by :data:`MARGIN` is matched;
two close candidates make it *ambiguous*; none is *unmatched*.  Ambiguous and unmatched
records become sites of their own, and the report says why, so that a coordinator can
decide in the overrides file (:func:`read_overrides`), read on the next build:

    record,action,target,note
    eutl:956,match,irep:070.00956,"the steelworks: ArcelorMittal's EUTL account"
    hotmaps:514,apart,,"the refinery closed: not the same plant as the depot"
    eutl:1003,exclude,,"a compressor station: no exchange"
    irep:070.00704,use,co2,"checked with the operator: not a slip"
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

EARTH_KM = 6371.0088
"""The IUGG mean Earth radius (as symbiose.candidates)."""

RADIUS_KM = 15.0
"""How far apart two records of one plant may be placed (a postcode centroid, a rounded point)."""

MATCH = 0.6
"""Least score of a match."""

MARGIN = 0.15
"""How far the best candidate must lead the second for the match not to be ambiguous."""

POSTCODE_BONUS = 0.1
COMMUNE_BONUS = 0.1
DISTANCE_PENALTY = 0.2
"""Score lost at RADIUS_KM (in proportion below)."""

KEY_ORDER = {"irep": 0, "eutl": 1, "hotmaps": 2}
"""Which record names a site: the first register of this order among its records."""

ACTIONS = ("match", "apart", "exclude", "use")
"""What an overrides row may say of a record (see the module's docstring)."""

PLACED = ("match", "apart")
"""Actions that place a record by hand: it is not matched automatically."""

STOP_WORDS = frozenset(
    ["SA", "SAS", "SASU", "SNC", "SARL", "SE", "SCA", "SCS", "GIE", "EURL", "FRANCE", "FRANCAISE", "SITE", "USINE", "DE", "DU", "DES", "LA", "LE", "LES", "D", "L", "ET", "EN", "A", "AU", "AUX", "SUR", "SOUS", "ETABLISSEMENT", "ETABLISSEMENTS", "ETS", "SOCIETE", "STE", "QUOTAS", "QUOTA", "CO2", "CO", "GROUPE", "INDUSTRIE", "INDUSTRIES", "INDUSTRIEL", "INDUSTRIELLE", "PRODUCTION", "CEDEX", "THE", "OF", "AND", "UNITE", "INSTALLATION", "INSTALLATIONS"]
)
"""Words that say nothing of which plant a name is (legal forms, articles, 'site', 'usine')."""


class OverridesError(ValueError):
    """An overrides file that cannot be used; names the line and column."""


@dataclass(frozen=True)
class Override:
    """One line of the overrides file."""

    record: str
    action: str
    target: str
    note: str
    line: int


@dataclass
class Overrides:
    """The coordinator's corrections, by record."""

    rows: dict[str, Override] = field(default_factory=dict)
    source: str = ""

    def action(self, record: str) -> str:
        """The action the file gives ``record`` ('' if none)."""
        row = self.rows.get(record)
        return row.action if row else ""

    def uses(self) -> set[tuple[str, str]]:
        """(record, quantity) pairs whose figure is to be used despite a plausibility warning."""
        return {(r.record, r.target) for r in self.rows.values() if r.action == "use"}


def read_overrides(path: str | Path | None) -> Overrides:
    """Read an overrides CSV (columns record, action, target, note); None: no overrides.

    Raises:
        OverridesError: every problem, each naming its line and column.
    """
    if path is None:
        return Overrides()
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except OSError as exc:
        raise OverridesError(f"cannot read {path}: {exc.strerror}") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise OverridesError(f"{path}: not a readable CSV file: {exc}") from None
    missing = [c for c in ("record", "action", "target") if c not in table]
    if missing:
        raise OverridesError(
            f"{path}: missing column(s) {', '.join(missing)}: an overrides file has the columns"
            " record,action,target,note"
        )
    rows: dict[str, Override] = {}
    problems: list[str] = []
    for line, row in zip(range(2, len(table) + 2), table.to_dict("records"), strict=True):
        item = Override(
            row["record"].strip(), row["action"].strip(), row["target"].strip(),
            str(row.get("note", "")).strip(), line,
        )
        problems += _override_problems(item, rows)
        rows[item.record] = item
    if problems:
        raise OverridesError(f"{path}: " + "; ".join(problems))
    return Overrides(rows, path.name)


def _override_problems(item: Override, seen: dict[str, Override]) -> list[str]:
    where = f"line {item.line}"
    problems = []
    if not re.fullmatch(r"(eutl|irep|hotmaps):\S+", item.record):
        problems.append(
            f"{where}, column record: write a record as the match report does, such as"
            f" eutl:956, irep:070.00956 or hotmaps:514, got {item.record!r}"
        )
    if item.action not in ACTIONS:
        problems.append(
            f"{where}, column action: write {', '.join(ACTIONS)}, got {item.action!r}"
        )
    if item.action in ("match", "use") and not item.target:
        problems.append(f"{where}, column target: {item.action} needs a target")
    if item.record in seen:
        problems.append(f"{where}, column record: {item.record} is already on line {seen[item.record].line}")
    return problems


# -- names -----------------------------------------------------------------------------------


def words(text: str) -> tuple[str, ...]:
    """The words of a name that tell plants apart, in order.

    No accents, case, punctuation or stop words; runs of single letters are joined (``O-I France`` is ``OI``).
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    plain = re.sub(r"\b([A-Z0-9])[^A-Z0-9]+(?=[A-Z0-9]\b)", r"\1", plain)
    found = (w for w in re.split(r"[^A-Z0-9]+", plain) if len(w) >= 2 and w not in STOP_WORDS)
    return tuple(dict.fromkeys(found))


def likeness(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two names are, from 0 to 1.

    The larger of the share of the shorter name's words found in the other (a word of 5
    letters or more also matches one it begins: ARCELOR and ARCELORMITTAL) and the Dice
    coefficient of the letter triples of the names written without spaces (a misspelt or
    split word: McCAIN AILMENTAIRE and MC CAIN ALIMENTAIRE).
    """
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    found = sum(1 for w in small if w in large or any(_prefix(w, v) for v in large))
    ta, tb = _triples("".join(a)), _triples("".join(b))
    dice = 2 * len(ta & tb) / (len(ta) + len(tb)) if ta and tb else 0.0
    return max(found / len(small), dice)


@lru_cache(maxsize=65536)
def _triples(joined: str) -> frozenset[str]:
    return frozenset(joined[k : k + 3] for k in range(len(joined) - 2))


def _prefix(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 5 and long.startswith(short)


# -- the matching ----------------------------------------------------------------------------

MATCH_COLUMNS = ("record", "register", "name", "status", "site", "score", "reason", "candidates")
"""Columns of the match report."""


@dataclass
class Matching:
    """Each record's site, and the match report (one row per record)."""

    site_of: pd.Series
    """Record → site key (the site's first record)."""
    report: pd.DataFrame


def match_records(records: pd.DataFrame, overrides: Overrides | None = None) -> Matching:
    """Group the records of every register into sites (see the module's docstring).

    ``records`` holds the rows of :attr:`symbiose.region.registers.Register.records` of every
    register read, already limited to the territory.
    """
    overrides = overrides or Overrides()
    excluded = records["record"].map(overrides.action).eq("exclude").to_numpy()
    report: list[dict[str, object]] = [
        _row(_ident(records, int(i)), "excluded", f"overrides file: {overrides.rows[r].note}", 0.0)
        for i, r in zip(np.flatnonzero(excluded), records["record"][excluded], strict=True)
    ]
    records = records[~excluded].reset_index(drop=True)
    index = pd.Series(np.arange(len(records)), index=records["record"])
    table = _Table.of(records)
    edges = _siret_edges(records, report, overrides)
    register = records["register"].to_numpy()
    for stage, before in (("eutl", ("irep",)), ("hotmaps", ("irep", "eutl"))):
        site = _components(len(records), edges)
        todo = np.flatnonzero(register == stage)
        free = [overrides.action(str(r)) not in PLACED for r in records["record"].to_numpy()[todo]]
        todo = todo[np.asarray(free, dtype=bool)]
        pool = np.flatnonzero(np.isin(register, before))
        edges += _match_stage(records, table, site, todo, pool, report)
    edges += _override_edges(records, index, overrides, report)
    site = _components(len(records), edges)
    # a site is named after its IREP record if it has one, else its EUTL, else its Hotmaps
    order = records["register"].map(KEY_ORDER).to_numpy()
    ranked = pd.DataFrame({"record": records["record"], "site": site, "order": order})
    ranked = ranked.sort_values(["order", "record"], kind="stable")
    first = ranked.groupby("site")["record"].transform("first").sort_index()
    site_of = pd.Series(first.to_numpy(), index=records["record"])
    return Matching(site_of, _report(records, report, site_of))



def _names(name: str, operator: str) -> list[tuple[str, ...]]:
    parts = [name, *(p for p in operator.split(" / ") if p)]
    return list(dict.fromkeys(w for w in (words(p) for p in parts) if w))


def _components(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    if not edges:
        return np.arange(n)
    a, b = np.array(edges).T
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, labels = csgraph.connected_components(graph, directed=False)
    return np.asarray(labels)


def _siret_edges(
    records: pd.DataFrame, report: list[dict[str, object]], overrides: Overrides
) -> list[tuple[int, int]]:
    """IREP records sharing a valid SIRET in one commune are one site."""
    free = np.array([overrides.action(str(r)) not in PLACED for r in records["record"]], dtype=bool)
    mask = (records["register"] == "irep").to_numpy() & (records["siret"] != "").to_numpy() & free
    irep = records[mask]
    if irep.empty:
        return []
    rows = pd.Series(irep.index.to_numpy(), index=irep.index)
    first = rows.groupby([irep["siret"], irep["commune"]]).transform("first")
    same = first[first != rows]
    report += [
        _row(_ident(records, int(r)), "matched", "same SIRET in the same commune", 1.0)
        for r in same.index
    ]
    communes = irep.groupby("siret")["commune"].transform("nunique")
    report += [
        _row(_ident(records, int(r)), "apart", "its SIRET is also given to an establishment in"
             " another commune (the operator's SIRET): kept apart", 0.0)
        for r in communes.index[communes.to_numpy() > 1]
    ]
    return [(int(a), int(b)) for b, a in zip(same.index.to_numpy(), same.to_numpy(), strict=True)]


def _ident(records: pd.DataFrame, i: int) -> tuple[str, str, str]:
    """A record's id, register and name (for its row of the match report)."""
    row = records.iloc[i]
    return str(row["record"]), str(row["register"]), str(row["name"])


@dataclass(frozen=True)
class _Table:
    """The records as plain arrays, for scoring candidate pairs."""

    record: np.ndarray
    register: np.ndarray
    name: np.ndarray
    postcode: np.ndarray
    places: list[frozenset[str]]
    """The words of each record's commune."""
    names: list[list[tuple[str, ...]]]
    unit: np.ndarray
    """Positions as 3-D unit vectors (NaN rows: no position)."""

    @classmethod
    def of(cls, records: pd.DataFrame) -> _Table:
        """The arrays of ``records``."""
        name = records["name"].to_numpy(dtype=object)
        operator = records["operator"].to_numpy(dtype=object)
        lat = np.radians(records["latitude"].to_numpy(dtype=float))
        lon = np.radians(records["longitude"].to_numpy(dtype=float))
        return cls(
            records["record"].to_numpy(dtype=object),
            records["register"].to_numpy(dtype=object),
            name,
            records["postcode"].to_numpy(dtype=object),
            [frozenset(words(str(c))) for c in records["commune"].to_numpy(dtype=object)],
            [_names(str(n), str(o)) for n, o in zip(name, operator, strict=True)],
            np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]),
        )


def _match_stage(
    records: pd.DataFrame,
    table: _Table,
    site: np.ndarray,
    todo: np.ndarray,
    pool: np.ndarray,
    report: list[dict[str, object]],
) -> list[tuple[int, int]]:
    """Match the records ``todo`` against the sites the records of ``pool`` belong to."""
    if len(todo) == 0:
        return []
    located = pool[np.isfinite(table.unit[pool]).all(axis=1)]
    edges = []
    near = _near(table, todo, located, pool)
    for i, found in zip(todo, near, strict=True):
        scored = _scores(table, site, int(i), found)
        status, target, score, reason = _decide(scored)
        ident = (str(table.record[i]), str(table.register[i]), str(table.name[i]))
        report.append(_row(ident, status, reason, score, scored[:3]))
        if status == "matched":
            edges.append((int(i), int(target)))
    return edges


def _near(table: _Table, todo: np.ndarray, located: np.ndarray, pool: np.ndarray) -> list[np.ndarray]:
    """For each record of ``todo``, its candidates (positions in the table).

    The records of ``located`` within RADIUS_KM, or for a record without a position, the
    records of ``pool`` in the same department (by postcode).
    """
    points = table.unit[todo]
    finite = np.isfinite(points).all(axis=1)
    found: list[Any] = [[] for _ in todo]
    if len(located) and finite.any():
        tree = cKDTree(table.unit[located])
        chord = 2 * np.sin(RADIUS_KM / EARTH_KM / 2)
        hits = tree.query_ball_point(points[finite], chord)
        for k, hit in zip(np.flatnonzero(finite), hits, strict=True):
            found[k] = located[np.asarray(hit, dtype=int)]
    department = np.array([str(p)[:2] for p in table.postcode], dtype=object)
    by_department: dict[str, list[int]] = {}
    for j in pool:
        by_department.setdefault(str(department[j]), []).append(int(j))
    for k in np.flatnonzero(~finite):
        dep = str(department[todo[k]])
        found[k] = by_department.get(dep, []) if dep else []
    return [np.asarray(f, dtype=int) for f in found]


def _scores(
    table: _Table, site: np.ndarray, i: int, candidates: np.ndarray
) -> list[tuple[float, int, str]]:
    """(score, record, description) of the best record of each candidate site, best first."""
    chord = np.linalg.norm(table.unit[candidates] - table.unit[i], axis=1)
    km = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, chord / 2))  # NaN: a record without position
    best: dict[int, tuple[float, int, str]] = {}
    here, mine = table.places[i], table.names[i]
    for j, away in zip(candidates.tolist(), km.tolist(), strict=True):
        places = here | table.places[j]  # a place in both names says where, not which plant
        name = max(
            (likeness(_without(a, places), _without(b, places)) for a in mine for b in table.names[j]),
            default=0.0,
        )
        # a record without a position pays the whole penalty: only a close name places it
        score = name - DISTANCE_PENALTY * (min(away, RADIUS_KM) / RADIUS_KM if away == away else 1.0)
        if table.postcode[i] and table.postcode[i] == table.postcode[j]:
            score += POSTCODE_BONUS
        if any(w in table.places[j] for n in mine for w in n):
            score += COMMUNE_BONUS
        where = f"{away:.1f} km" if away == away else "no position"
        text = f"{table.record[j]} {table.name[j]} {score:.2f} ({where})"
        if site[j] not in best or score > best[site[j]][0]:
            best[site[j]] = (score, j, text)
    return sorted(best.values(), key=lambda s: -s[0])


def _without(name: tuple[str, ...], places: frozenset[str]) -> tuple[str, ...]:
    return tuple(w for w in name if w not in places)


def _decide(scored: list[tuple[float, int, str]]) -> tuple[str, int, float, str]:
    if not scored:
        return "unmatched", -1, 0.0, f"no record of another register within {RADIUS_KM:g} km"
    score, target, _ = scored[0]
    if score < MATCH:
        return "unmatched", -1, score, f"no name alike within {RADIUS_KM:g} km (best {score:.2f})"
    if len(scored) > 1 and scored[1][0] > score - MARGIN:
        return (
            "ambiguous", -1, score,
            f"two sites alike ({score:.2f} and {scored[1][0]:.2f}): kept apart; say which in"
            " the overrides file",
        )
    return "matched", target, score, "name, postcode and distance"


def _override_edges(
    records: pd.DataFrame,
    index: pd.Series,
    overrides: Overrides,
    report: list[dict[str, object]],
) -> list[tuple[int, int]]:
    edges = []
    for row in overrides.rows.values():
        if row.record not in index:
            continue  # excluded, or outside the territory: the report of the build says so
        i = int(index[row.record])
        if row.action == "match":
            if row.target not in index:
                raise OverridesError(
                    f"{overrides.source}: line {row.line}, column target: {row.target} is not a"
                    " record of the registers read (within the territory)"
                )
            edges.append((i, int(index[row.target])))
            report.append(_row(_ident(records, i), "matched", f"overrides file: {row.note}", 1.0))
        elif row.action == "apart":
            report.append(_row(_ident(records, i), "apart", f"overrides file: {row.note}", 0.0))
    return edges


def _row(
    ident: tuple[str, str, str],
    status: str,
    reason: str,
    score: float,
    candidates: list[tuple[float, int, str]] | None = None,
) -> dict[str, object]:
    return {
        "record": ident[0],
        "register": ident[1],
        "name": ident[2],
        "status": status,
        "score": round(float(score), 3),
        "reason": reason,
        "candidates": "; ".join(text for _, _, text in candidates or []),
    }


def _report(
    records: pd.DataFrame, rows: list[dict[str, object]], site_of: pd.Series
) -> pd.DataFrame:
    """One row per record: the stages' verdicts, and 'anchor' for the records that open a site."""
    seen = pd.DataFrame(rows, columns=[c for c in MATCH_COLUMNS if c != "site"])
    seen = seen.drop_duplicates("record", keep="last")
    rest = records[~records["record"].isin(seen["record"])]
    anchors = pd.DataFrame(
        {
            "record": rest["record"],
            "register": rest["register"],
            "name": rest["name"],
            "status": "anchor",
            "score": 1.0,
            "reason": "opens a site (an IREP establishment)",
            "candidates": "",
        }
    )
    out = pd.concat([seen, anchors], ignore_index=True)
    out["site"] = out["record"].map(site_of)
    return out[list(MATCH_COLUMNS)].sort_values(["register", "record"], ignore_index=True)
