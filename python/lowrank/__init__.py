"""lowrank: mean-field theory, two-time DMFT and simulation of recurrent networks whose
connectivity is a random part plus a low-rank structure,

    J_ij = g_pq chi_ij + sum_k m^k_i n^k_j / N,

from NumPy. Every number comes from the Rust crates of the repository (the same code as the
``lowrank`` command line); this module only turns their documents into Python objects with
NumPy arrays. The equations are in the repository's ``docs/theory/``.

>>> import lowrank
>>> sc = lowrank.Scenario("mo2018-fig1").set("mo2018.g", 2.0)
>>> sols = lowrank.solve(sc)
>>> [s.regime for s in sols if s.stable]          # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np

from . import _lowrank
from ._lowrank import ConvergenceError, NotFoundError, ScenarioError

__all__ = [
    "Scenario",
    "Solution",
    "Solutions",
    "SimResult",
    "DmftResult",
    "ScenarioError",
    "ConvergenceError",
    "NotFoundError",
    "solve",
    "simulate",
    "dmft",
    "sweep",
    "threshold",
    "threshold_report",
    "spectrum",
    "Spectrum",
    "study",
    "bundled_scenarios",
]

__version__ = "0.1.0"


def bundled_scenarios() -> List[str]:
    """Names of the scenarios bundled with the package (``Scenario(name)`` loads one)."""
    return list(_lowrank.bundled_scenarios())


def _toml_value(value: Any) -> str:
    """A Python scalar or list as the TOML text of a ``--set`` value."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ScenarioError(f"cannot express {value!r} ({type(value).__name__}) as a scenario value")


class Scenario:
    """A validated scenario: a network model (populations, disorder gains, loading statistics,
    rank-one terms, inputs, readouts, nonlinearity) and its simulation defaults.

    ``Scenario(name_or_path)`` loads a TOML file, or a bundled scenario by name
    (:func:`bundled_scenarios`); :meth:`from_toml` parses text. Scenarios are immutable:
    :meth:`set` returns a new, re-validated scenario.

    Raises :class:`ScenarioError` (a ``ValueError``; ``.field`` names the offending field).
    """

    __slots__ = ("_inner",)

    def __init__(self, name_or_path: Any) -> None:
        if isinstance(name_or_path, _lowrank.Scenario):
            self._inner = name_or_path
        else:
            self._inner = _lowrank.Scenario(str(name_or_path))

    @classmethod
    def from_toml(cls, text: str) -> "Scenario":
        """A scenario from TOML text (the format of ``docs/scenarios.md``)."""
        return cls(_lowrank.Scenario.from_toml(text))

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Scenario":
        """A scenario from a dict with the structure of the TOML format (``docs/scenarios.md``):
        sections are dicts, lists are lists; NumPy scalars and arrays are accepted.

        >>> sc = Scenario.from_dict({"name": "mine", "mo2018": {"kind": "rank_one", "g": 0.5,
        ...     "mean_m": 1.0, "mean_n": 2.0, "sigma_m": 0.5, "sigma_n": 0.5}})  # doctest: +SKIP
        """
        if not isinstance(d, dict):
            raise ScenarioError(f"Scenario.from_dict: expected a dict, got {type(d).__name__}")
        return cls(_lowrank.Scenario.from_json(json.dumps(_plain(d), allow_nan=True)))

    def to_toml(self) -> str:
        """The scenario as TOML text with every override applied: ``Scenario.from_toml(sc.to_toml())``
        is the same scenario."""
        return self._inner.to_toml()

    def check(self) -> Dict[str, Any]:
        """What the theory sees (``lowrank check --json``): populations, gains, loading
        statistics, the overlap matrix Ω and its eigenvalues, the disorder coupling G, inputs,
        readouts, simulation defaults."""
        return json.loads(self._inner.check_json())

    def set(self, key: str, value: Any) -> "Scenario":
        """A new scenario with the scalar at dotted path ``key`` replaced (the CLI's
        ``--set KEY=VALUE``), e.g. ``sc.set("mo2018.g", 2.0)``."""
        return Scenario(self._inner.with_override(f"{key}={_toml_value(value)}"))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._inner.name

    @property
    def description(self) -> str:
        """What the scenario models."""
        return self._inner.description

    @property
    def overrides(self) -> List[str]:
        """The ``KEY=VALUE`` overrides applied so far."""
        return list(self._inner.overrides)

    def describe(self) -> Dict[str, Any]:
        """Names of populations, vectors, terms, inputs, readouts; weights; the nonlinearity."""
        return dict(self._inner.describe())

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, overrides={self.overrides!r})"


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python values (for JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def _array(value: Any) -> Any:
    """Lists of numbers (possibly nested, rectangular) become float arrays."""
    if isinstance(value, list):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return [_array(v) for v in value]
        return arr
    if isinstance(value, dict):
        return {k: _array(v) for k, v in value.items()}
    return value


def _complex(values: Iterable[Any]) -> np.ndarray:
    out = []
    for v in values:
        if isinstance(v, dict):
            out.append(complex(v.get("re", 0.0), v.get("im", 0.0)))
        elif isinstance(v, (list, tuple)):
            out.append(complex(v[0], v[1] if len(v) > 1 else 0.0))
        else:
            out.append(complex(v))
    return np.asarray(out, dtype=complex)


_SOLUTION_ARRAYS = ("kappa", "mu", "delta0", "delta_inf", "gain", "readouts", "structured_variance")


class Solution:
    """One mean-field solution (docs/theory §1.6–1.7): ``branch``, ``regime`` ("stationary" or
    "chaotic"), ``stable``, ``marginal``, the order parameters ``kappa`` (K), ``mu``, ``delta0``,
    ``delta_inf``, ``gain`` (P, NumPy arrays), ``bulk_radius``, ``outliers`` (complex array),
    and how it was found: ``converged``, ``residual``, ``iterations``. A chaotic solution solved
    with ``autocorrelation=`` carries ``autocorrelation`` (``lags``, ``delta`` P × L).
    """

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc
        for k, v in doc.items():
            if k in _SOLUTION_ARRAYS:
                v = np.asarray(v, dtype=float)
            elif k == "outliers":
                v = _complex(v)
            elif k == "autocorrelation":
                v = _array(v)
            setattr(self, k, v)

    def to_dict(self) -> Dict[str, Any]:
        """The solution as the CLI prints it (``lowrank solve --json``), plain Python types."""
        return json.loads(json.dumps(self._doc))

    def __repr__(self) -> str:
        k = np.array2string(np.asarray(self.kappa), precision=4)
        return (
            f"Solution({self.branch}, {self.regime}, stable={self.stable}, kappa={k}, "
            f"delta0={np.array2string(np.asarray(self.delta0), precision=4)})"
        )


class Solutions(list):
    """The list of :class:`Solution` of a scenario, with ``search`` (how the complete search
    ran and whether it is complete) and ``failed_starts``; ``to_dict()`` gives the CLI's
    ``solve --json`` document."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        super().__init__(Solution(s) for s in doc["solutions"])
        self.search = doc["search"]
        self.failed_starts = doc["failed_starts"]
        self._doc = doc

    def to_dict(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._doc))


def solve(
    scenario: Scenario,
    *,
    chaos: bool = True,
    time: Optional[float] = None,
    autocorrelation: Optional[float] = None,
    tau_step: Optional[float] = None,
) -> Solutions:
    """Every mean-field solution of the scenario's model: static and (with ``chaos``)
    stationary chaotic states, with stability, found by the complete search of docs/theory
    ("Complete solution sets"). ``time`` evaluates the inputs' schedules at that time;
    ``autocorrelation=TMAX`` adds Δ(τ), 0 ≤ τ ≤ TMAX (step ``tau_step``, default 0.05), to every
    chaotic solution. Equal to ``lowrank solve --json``.

    Raises :class:`ScenarioError` for bad options, :class:`ConvergenceError` when a solver fails.
    """
    doc = _lowrank.solve_json(
        scenario._inner,
        chaos=chaos,
        time=time,
        autocorrelation_tmax=autocorrelation,
        tau_step=tau_step,
    )
    return Solutions(json.loads(doc))


class _Record:
    """Attribute access to a document whose numeric lists are NumPy arrays."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc
        for k, v in doc.items():
            setattr(self, k, _array(v))

    def to_dict(self) -> Dict[str, Any]:
        """The document as the CLI prints it (plain Python types)."""
        return json.loads(json.dumps(self._doc))

    def keys(self) -> List[str]:
        return list(self._doc.keys())


class SimResult(_Record):
    """A finite-N simulation (``lowrank simulate --json``): time-averaged ``kappa``,
    ``currents`` (K), ``mu``, ``delta0``, ``delta_inf`` (P, with ``max_lag``), ``readouts``,
    ``per_trial``, and with ``max_lag`` the measured ``autocorrelation`` (``lags``, ``delta``
    P × L — the names of :class:`Solution`'s, so theory and simulation overlay directly)."""

    def __repr__(self) -> str:
        return f"SimResult(n={self.n}, trials={self.trials}, kappa={self.kappa})"


def simulate(
    scenario: Scenario,
    *,
    n: Optional[int] = None,
    seed: Optional[int] = None,
    trials: Optional[int] = None,
    t: Optional[float] = None,
    dt: Optional[float] = None,
    burn_in: Optional[float] = None,
    method: Optional[str] = None,
    f32: bool = False,
    max_lag: Optional[float] = None,
    lag_step: Optional[float] = None,
    record_every: Optional[float] = None,
    trace: bool = False,
) -> SimResult:
    """Draw a network of normalisation size ``n`` with ``seed`` and integrate ``trials`` initial
    conditions for ``t`` after ``burn_in`` (``method`` euler, heun or rk4; defaults from the
    scenario's ``[simulation]``). Equal to ``lowrank simulate --json`` with the same options;
    the same seed gives the same bits. Refuses (``MemoryError``) a network that does not fit.

    ``trace=True`` (or ``record_every``) records the time series: ``result.trace`` is a dict of
    arrays ``t`` (T,), ``kappa`` and ``currents`` (B × T × K), ``mu`` and ``delta0``
    (B × T × P), ``readouts`` (B × T × R), sampled every ``record_every`` (default: every step).
    Ctrl-C stops the run (``KeyboardInterrupt``).
    """
    if trace and record_every is None:
        record_every = dt if dt is not None else scenario.check()["simulation"]["dt"]
    doc = _lowrank.simulate_json(
        scenario._inner,
        n=n,
        seed=seed,
        trials=trials,
        t=t,
        dt=dt,
        burn_in=burn_in,
        method=method,
        f32=f32,
        max_lag=max_lag,
        lag_step=lag_step,
        record_every=record_every,
    )
    result = SimResult(json.loads(doc))
    series = getattr(result, "series", None)
    if isinstance(series, dict) and series.get("trials") is not None:
        trials = series["trials"]

        def stack(name: str) -> np.ndarray:
            return np.asarray([np.asarray(tr[name], dtype=float) for tr in trials], dtype=float)

        result.trace = {"t": np.asarray(series["t"], dtype=float)}
        for name in ("kappa", "currents", "mu", "delta0", "readouts"):
            result.trace[name] = stack(name)
    return result


class DmftResult:
    """The two-time DMFT (docs/theory §1.8, §3.11): ``t`` (N_t), ``currents`` and ``kappa``
    (N_t × K), ``gain``, ``mu``, ``delta0`` = Δ(t, t) (N_t × P), the autocorrelation slice
    ``slice`` = Δ_p(t0, t0 + τ) and ``slice_hat`` = Δ̂ (P × L) on ``lags``, the class of each
    population (``regime``: FP, FP+chaos, LC, LC+chaos, chaos) and the dominant ``frequency``;
    with ``matrix=True`` the whole two-time ``delta`` (P × N_t × N_t)."""

    def __init__(self, d: Dict[str, Any]) -> None:
        for k, v in d.items():
            setattr(self, k, v)
        self._keys = list(d.keys())

    def keys(self) -> List[str]:
        return list(self._keys)

    def __repr__(self) -> str:
        return f"DmftResult(nt={self.nt}, dt={self.dt}, regime={self.regime}, frequency={self.frequency})"


def dmft(
    scenario: Scenario,
    *,
    t: float = 125.0,
    dt: Optional[float] = None,
    seed: Optional[int] = None,
    band: Optional[int] = None,
    slice_t0: Optional[float] = None,
    matrix: bool = False,
    s0: Optional[Sequence[float]] = None,
    reference_ordering: bool = False,
    classifier: str = "default",
) -> DmftResult:
    """Integrate the two-time DMFT for a duration ``t`` with step ``dt`` (default the
    scenario's), initial currents ``s0`` (one per current; default drawn U[0, 1) from
    ``seed``), keeping ``band`` lags (all by default); ``slice_t0`` chooses the time of the
    autocorrelation slice (default t/3). With ``matrix`` the result also has ``delta`` =
    Δ_p(t_i, t_j), shape P × N_t × N_t (NaN beyond the band; 8·P·N_t² bytes).
    ``reference_ordering`` reproduces the reference implementation's scheme step for step
    (docs/theory §3.11); ``classifier="reference"`` uses its classification rules verbatim
    instead of the default ones (docs/theory §3.8)."""
    return DmftResult(
        dict(
            _lowrank.dmft(
                scenario._inner,
                t=t,
                dt=dt,
                seed=seed,
                band=band,
                slice_t0=slice_t0,
                matrix=matrix,
                s0=None if s0 is None else [float(x) for x in s0],
                reference_ordering=reference_ordering,
                classifier=classifier,
            )
        )
    )


def _shard_count(shards: Optional[int], client: Any, items: int, map_fn: Any) -> int:
    """How many shards to cut ``items`` into: ``shards``, else two per dask worker, else 4;
    never more than the items."""
    if client is not None and map_fn is not None:
        raise ScenarioError("give map= or client=, not both")
    if shards is None:
        if client is not None:
            shards = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        else:
            shards = 4
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ScenarioError(f"shards ({shards!r}) must be a positive integer")
    return max(1, min(shards, items))


def _fan_out(task: Any, n: int, map_fn: Any, client: Any) -> List[Any]:
    """``task(i)`` for the shards i = 0..n−1 through ``client`` (dask) or ``map_fn``, in order."""
    if client is not None:
        return list(client.gather(client.map(task, list(range(n)), pure=False)))
    return list(map_fn(task, range(n)))


def _sweep_shard(
    toml: str, keys: List[str], values: List[List[float]], chaos: bool, time: Any, n: int, i: int
) -> Any:
    """Shard i of n of a sweep (a task: plain, picklable arguments)."""
    sc = Scenario.from_toml(toml)
    header, rows, _failures = _lowrank.sweep_table(
        sc._inner, keys, values, chaos=chaos, time=time, shard=(i, n)
    )
    return header, rows


def _fig5_shard(options: Dict[str, Any], n: int, i: int) -> Dict[str, Any]:
    """Shard i of n of the Fig. 5 study (a task: plain, picklable arguments)."""
    return json.loads(_lowrank.study_fig5_json(shard=(i, n), **options))


def _joined(
    shard_task: Any,
    options: Dict[str, Any],
    items: int,
    key: str,
    first: str,
    shards: Optional[int],
    map_fn: Any,
    client: Any,
) -> Dict[str, Any]:
    """A study run as shards of its ``items`` (``shard_task(options, n, i)`` gives shard i's
    document) and joined: the list ``key`` concatenated in shard order, as the serial call's."""
    n = _shard_count(shards, client, items, map_fn)
    parts = _fan_out(functools.partial(shard_task, options, n), n, map_fn, client)
    doc = parts[0]
    doc[key] = [x for part in parts for x in part[key]]
    doc["shard"] = None
    doc[first] = 0
    return doc


def _fig6_shard(options: Dict[str, Any], n: int, i: int) -> Dict[str, Any]:
    """Shard i of n of the Fig. 6 study (a task: plain, picklable arguments)."""
    return json.loads(_lowrank.study_fig6_json(shard=(i, n), **options))


def _polytope_shard(options: Dict[str, Any], n: int, i: int) -> str:
    """Shard i of n of the polytope study's fracture draws (a task), as its JSON text."""
    return _lowrank.study_polytope_json(shard=(i, n), **options)


def _progress_callback(progress: Any, what: str) -> Any:
    """``progress=True``: a tqdm bar if tqdm is installed, else a line on stderr; a callable is
    called as ``progress(done, total)``; ``False``/``None``: nothing."""
    if not progress:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm.auto import tqdm  # type: ignore
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(desc=what, unit="point")

        def update(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)
            if total and done >= total:
                bar.close()

        return update
    import sys

    def line(done: int, total: int) -> None:
        sys.stderr.write(f"\r{what}: {done}/{total}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return line


def _column(cells: List[str]) -> np.ndarray:
    """One CSV column as an array: int (all integers), float (numbers, empty = NaN), bool
    ("true"/"false"), else str."""
    if all(c in ("true", "false") for c in cells):
        return np.array([c == "true" for c in cells], dtype=bool)
    try:
        if all(c != "" and c.lstrip("-").isdigit() for c in cells):
            return np.array([int(c) for c in cells], dtype=np.int64)
        return np.array([float(c) if c != "" else math.nan for c in cells], dtype=float)
    except ValueError:
        return np.array(cells, dtype=str)


def sweep(
    scenario: Scenario,
    grid: Dict[str, Any],
    *,
    chaos: bool = True,
    time: Optional[float] = None,
    progress: Any = False,
    map: Any = None,
    client: Any = None,
    shards: Optional[int] = None,
) -> Dict[str, np.ndarray]:
    """Every mean-field solution at every point of the Cartesian grid of ``grid``
    (``{"mo2018.g": values, ...}``, a 1-D array of values per ``--set`` key; the first key is the
    outer loop), each point also seeded by the previous point's solutions (continuation). Returns
    one array per column of ``lowrank sweep``'s CSV, same names: ``point``, the keys,
    ``solution``, ``branch``, ``regime``, ``stable``, ``instability``, ``kappa_1..K``,
    ``mu_1..P``, ``delta0_*``, ``delta_inf_*``, ``gain_*``, ``readout_*``, ``bulk_radius``,
    ``outlier_re``, ``outlier_im``, ``zero_modes``, ``converged``, ``residual``, ``iterations``
    — one entry per solution; a point without any has one row with ``regime == "no-solution"``
    and NaN numbers. The numbers equal the CLI's bit for bit.

    ``progress=True`` shows a progress bar (tqdm if installed); Ctrl-C stops the sweep
    (``KeyboardInterrupt``).

    Scale-out: with ``map`` (any ``map(f, items)``: the builtin, an executor's ``.map``, a
    ``multiprocessing.Pool.map``; process pools must use the "spawn" or "forkserver" start
    method, as a forked child inherits the engine's thread pool without its threads) or
    ``client`` (a ``dask.distributed.Client``) the grid is cut
    into ``shards`` contiguous slices (default: 2 per worker, or 4) computed as separate tasks;
    the result is the serial call's, bit for bit (docs/cluster.md).
    """
    if not isinstance(grid, dict) or not grid:
        raise ScenarioError("sweep: grid must be a non-empty dict {key: values}")
    keys = [str(k) for k in grid]
    values = []
    for k in keys:
        v = np.asarray(grid[k], dtype=float)
        if v.ndim == 0:
            v = v.reshape(1)
        if v.ndim != 1:
            raise ScenarioError(f"sweep: the values of `{k}` must be a 1-D array")
        values.append([float(x) for x in v])
    if map is not None or client is not None:
        size = 1
        for v in values:
            size *= len(v)
        n = _shard_count(shards, client, size, map)
        task = functools.partial(_sweep_shard, scenario.to_toml(), keys, values, chaos, time, n)
        parts = _fan_out(task, n, map, client)
        header = parts[0][0]
        rows = [row for _, part in parts for row in part]
    else:
        header, rows, _failures = _lowrank.sweep_table(
            scenario._inner,
            keys,
            values,
            chaos=chaos,
            time=time,
            progress=_progress_callback(progress, "sweep"),
        )
    columns = list(zip(*rows)) if rows else [() for _ in header]
    return {name: _column(list(col)) for name, col in zip(header, columns)}


def threshold(
    scenario: Scenario,
    key: str,
    interval: Any,
    *,
    grid: int = 9,
    time: Optional[float] = None,
    tol: float = 1e-10,
    chaos: bool = True,
) -> List[Dict[str, Any]]:
    """Every bifurcation of every mean-field branch as the ``--set`` key ``key`` moves through
    ``interval = (lo, hi)``: folds, branch points, chaos onsets (bulk radius 1) and Hopf points,
    each located by Newton on an extended system (docs/theory "Thresholds"), as the
    ``thresholds`` of ``lowrank threshold --json`` (each with ``converged``, ``residual``,
    ``iterations``). The whole document (``dropped``, ``branches``, ...) is
    :func:`threshold_report`."""
    return threshold_report(scenario, key, interval, grid=grid, time=time, tol=tol, chaos=chaos)[
        "thresholds"
    ]


def threshold_report(
    scenario: Scenario,
    key: str,
    interval: Any,
    *,
    grid: int = 9,
    time: Optional[float] = None,
    tol: float = 1e-10,
    chaos: bool = True,
) -> Dict[str, Any]:
    """The whole ``lowrank threshold --json`` document (see :func:`threshold`)."""
    lo, hi = (float(v) for v in interval)
    doc = _lowrank.threshold_json(
        scenario._inner, key, lo, hi, grid=int(grid), time=time, tol=float(tol), chaos=chaos
    )
    return json.loads(doc)


class Spectrum(np.ndarray):
    """The eigenvalues of one sampled network (a complex NumPy array, by decreasing modulus)
    with the large-N predictions as attributes: ``predicted_bulk_radius`` (√ρ(G)),
    ``predicted_outliers`` (eigenvalues of Ω), ``empirical_outliers`` (of n·m/N₀),
    ``bulk_radius`` and ``outliers`` estimated from the spectrum, ``max_real``, and ``report``
    (the ``lowrank spectrum --json`` document)."""

    report: Dict[str, Any]

    def __new__(cls, eigenvalues: np.ndarray, doc: Dict[str, Any]) -> "Spectrum":
        obj = np.asarray(eigenvalues).view(cls)
        obj.report = {k: v for k, v in doc.items() if k != "eigenvalues"}
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.report = getattr(obj, "report", {})

    @property
    def predicted_bulk_radius(self) -> float:
        return float(self.report["predicted"]["bulk_radius"])

    @property
    def predicted_outliers(self) -> np.ndarray:
        return _complex(self.report["predicted"]["outlier"])

    @property
    def empirical_outliers(self) -> np.ndarray:
        return _complex(self.report["empirical_overlap_eigenvalues"])

    @property
    def bulk_radius(self) -> float:
        return float(self.report["bulk_radius"])

    @property
    def outliers(self) -> np.ndarray:
        return _complex(self.report["outlier"])

    @property
    def max_real(self) -> float:
        return float(self.report["max_real"])


def spectrum(
    scenario: Scenario,
    *,
    n: Optional[int] = None,
    seed: Optional[int] = None,
    jacobian: bool = False,
) -> Spectrum:
    """The eigenvalues of the connectivity J of one network of normalisation size ``n`` drawn
    with ``seed`` (docs/theory §1.9), or with ``jacobian=True`` of J·diag(φ′(x⁰)) at the end
    state of a simulation with the scenario's settings. A complex array with the predictions
    attached (:class:`Spectrum`). Dense O(N³): refuses (``MemoryError``/``ScenarioError``) what
    does not fit."""
    eig, doc = _lowrank.spectrum(scenario._inner, n=n, seed=seed, jacobian=jacobian)
    return Spectrum(eig, json.loads(doc))


def study(
    name: str,
    *,
    progress: Any = False,
    map: Any = None,
    client: Any = None,
    shards: Optional[int] = None,
    **options: Any,
) -> Dict[str, Any]:
    """A numerical study of the multiregion networks (docs/theory §3), with the options and the
    fields of ``lowrank study NAME --json`` (option names with ``_`` for ``-``; ranges as tuples,
    lists as lists or arrays). Defaults are the command line's.

    - ``"fig4"``: one region with self-loop ``b`` against ``g=(start, stop, count)`` (§3.6):
      returns ``delta0_pinned``, ``onset`` (g_c(b)), ``onset_exact``, ``g_star`` and ``rows``
      (``static_sqrt_a``, ``static_stable``, ``chaotic_sqrt_a``, ``pure_chaos_delta0``,
      ``branch``, ``sqrt_a``, ``delta0``, ``delta_inf``, ...); ``acf=[g, ...]`` adds the Δ(τ)
      panels (``autocorrelation``: ``g``, ``branch``, ``tau``, ``delta``) up to ``tau_max`` in
      steps ``tau_step``.
    - ``"fig5"``: the dynamics phase diagram over the leading eigenvalue λ of T̂ (§3.8):
      ``grid`` cells per axis over ``re=(1.0, 2.5)`` × ``im=(0.0, 1.5)``, ``samples`` tensors per
      cell, ``regions``, ``g``, ``window``, ``max_tries``, ``seed``, DMFT ``t``, ``dt``, ``band``;
      returns ``re``, ``im``, ``psi0``, ``re_boundary``, ``classes`` and ``cells`` (each ``re``,
      ``im``, ``modal``, ``entropy_bits``, ``counts``, ``redraws``).
    - ``"fig6"``: disorder in region 1 only (§3.9): ``regions``, ``tensor`` (R³ values, else
      drawn), ``g1`` (values), ``seed``, ``max_tries``, ``t``, ``dt``, ``band``; returns the
      ``tensor``, ``intact_leading``, ``silenced_leading`` and ``rows`` (``g1``, ``classes``,
      ``frequency``, ``mean_gain``, ``mean_leading``).
    - ``"switch"``: the input-driven switch (§3.10): ``a``, ``b``, ``signs`` or ``tensor``,
      ``region`` (from 1), ``amplitude``, ``overlap``, ``input_gain`` ("stein"/"reference"),
      ``dt``, ``t``, ``seed``; returns ``prediction`` and ``phases``; ``series=True`` (with
      ``every``) adds ``series``: one array per column (``t``, ``input``, ``S_mu_nu``,
      ``norm2_mu``, ``gain_mu``).
    - ``"polytope"``: the attractor polytope of ``b`` (§3.7) and/or the fracture statistics of
      ``fracture_draws`` random polytopes with ``regions``, ``seed``.

    ``progress=True`` shows a progress bar (fig5: cells, fig6: g¹ values); Ctrl-C stops the study
    (``KeyboardInterrupt``). Bad options raise :class:`ScenarioError` naming the option.

    ``"fig5"``, ``"fig6"`` and ``"polytope"`` scale out like :func:`sweep`: ``map=`` or
    ``client=`` (dask) with ``shards`` slices of their items (fig5: cells, fig6: g¹ values,
    polytope: fracture draws), the same document as the serial call.
    """
    options = {k: _plain(v) for k, v in options.items()}
    if name == "fig4":
        doc = _lowrank.study_fig4_json(progress=_progress_callback(progress, "fig4"), **options)
        return json.loads(doc)
    if name == "fig5":
        if map is not None or client is not None:
            grid = int(options.get("grid", 10))
            return _joined(_fig5_shard, options, grid * grid, "cells", "first_cell",
                           shards, map, client)
        doc = _lowrank.study_fig5_json(progress=_progress_callback(progress, "fig5"), **options)
        return json.loads(doc)
    if name == "fig6":
        if map is not None or client is not None:
            g1 = options.get("g1")
            items = len(g1) if g1 is not None else 10
            return _joined(_fig6_shard, options, items, "rows", "first_row", shards, map, client)
        doc = _lowrank.study_fig6_json(progress=_progress_callback(progress, "fig6"), **options)
        return json.loads(doc)
    if name == "switch":
        doc, table = _lowrank.study_switch_json(**options)
        out = json.loads(doc)
        if table is not None:
            header, rows = table
            data = np.asarray(rows, dtype=float).reshape(len(rows), len(header))
            out["series"] = {h: data[:, j] for j, h in enumerate(header)}
        return out
    if name == "polytope":
        draws = options.get("fracture_draws")
        if (map is not None or client is not None) and draws is not None:
            n = _shard_count(shards, client, int(draws), map)
            parts = _fan_out(functools.partial(_polytope_shard, options, n), n, map, client)
            return json.loads(_lowrank.study_polytope_merge(parts))
        return json.loads(_lowrank.study_polytope_json(**options))
    raise ScenarioError(f"study `{name}`: expected fig4, fig5, fig6, switch or polytope")
