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

import json
import math
from typing import Any, Dict, Iterable, List, Optional

import numpy as np

from . import _lowrank
from ._lowrank import ConvergenceError, ScenarioError

__all__ = [
    "Scenario",
    "Solution",
    "Solutions",
    "SimResult",
    "DmftResult",
    "ScenarioError",
    "ConvergenceError",
    "solve",
    "simulate",
    "dmft",
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
) -> SimResult:
    """Draw a network of normalisation size ``n`` with ``seed`` and integrate ``trials`` initial
    conditions for ``t`` after ``burn_in`` (``method`` euler, heun or rk4; defaults from the
    scenario's ``[simulation]``). Equal to ``lowrank simulate --json`` with the same options;
    the same seed gives the same bits. Refuses (``MemoryError``) a network that does not fit.
    """
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
    return SimResult(json.loads(doc))


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
) -> DmftResult:
    """Integrate the two-time DMFT for a duration ``t`` with step ``dt`` (default the
    scenario's), initial currents drawn from ``seed``, keeping ``band`` lags (all by default);
    ``slice_t0`` chooses the time of the autocorrelation slice (default t/3). With ``matrix``
    the result also has ``delta`` = Δ_p(t_i, t_j), shape P × N_t × N_t (NaN beyond the band;
    8·P·N_t² bytes)."""
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
            )
        )
    )
