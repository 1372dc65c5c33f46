"""Type stubs of the extension module (see lowrank/__init__.py for the public API)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

class ScenarioError(ValueError):
    field: Optional[str]

class ConvergenceError(RuntimeError):
    termination: str | None

class NotFoundError(ConvergenceError): ...

class Scenario:
    def __init__(self, name_or_path: str) -> None: ...
    @staticmethod
    def from_toml(text: str) -> "Scenario": ...
    @staticmethod
    def from_json(text: str) -> "Scenario": ...
    def to_toml(self) -> str: ...
    def check_json(self) -> str: ...
    def with_override(self, assignment: str) -> "Scenario": ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def overrides(self) -> List[str]: ...
    def describe(self) -> Dict[str, Any]: ...

def solve_json(
    scenario: Scenario,
    chaos: bool = ...,
    time: Optional[float] = ...,
    autocorrelation_tmax: Optional[float] = ...,
    tau_step: Optional[float] = ...,
) -> str: ...
def simulate_json(
    scenario: Scenario,
    n: Optional[int] = ...,
    seed: Optional[int] = ...,
    trials: Optional[int] = ...,
    t: Optional[float] = ...,
    dt: Optional[float] = ...,
    burn_in: Optional[float] = ...,
    method: Optional[str] = ...,
    f32: bool = ...,
    max_lag: Optional[float] = ...,
    lag_step: Optional[float] = ...,
    record_every: Optional[float] = ...,
) -> str: ...
def dmft(
    scenario: Scenario,
    t: float = ...,
    dt: Optional[float] = ...,
    seed: Optional[int] = ...,
    band: Optional[int] = ...,
    slice_t0: Optional[float] = ...,
    matrix: bool = ...,
) -> Dict[str, Any]: ...
def sweep_table(
    scenario: Scenario,
    keys: List[str],
    values: List[List[float]],
    chaos: bool = ...,
    time: Optional[float] = ...,
    progress: Optional[Callable[[int, int], Any]] = ...,
) -> Tuple[List[str], List[List[str]], int]: ...
def threshold_json(
    scenario: Scenario,
    key: str,
    lo: float,
    hi: float,
    grid: int = ...,
    time: Optional[float] = ...,
    tol: float = ...,
    chaos: bool = ...,
) -> str: ...
def spectrum(
    scenario: Scenario,
    n: Optional[int] = ...,
    seed: Optional[int] = ...,
    jacobian: bool = ...,
) -> Tuple[np.ndarray, str]: ...
def study_fig5_json(
    grid: int = ...,
    re: Tuple[float, float] = ...,
    im: Tuple[float, float] = ...,
    samples: int = ...,
    regions: int = ...,
    g: float = ...,
    window: float = ...,
    max_tries: int = ...,
    seed: int = ...,
    t: float = ...,
    dt: float = ...,
    band: Optional[int] = ...,
    reference_ordering: bool = ...,
    classifier: str = ...,
    progress: Optional[Callable[[int, int], Any]] = ...,
    shard: Optional[Tuple[int, int]] = ...,
) -> str: ...
def study_fig4_json(
    b: Optional[float] = ...,
    g: Optional[Tuple[float, float, int]] = ...,
    acf: Optional[List[float]] = ...,
    tau_max: Optional[float] = ...,
    tau_step: Optional[float] = ...,
    progress: Optional[Callable[[int, int], Any]] = ...,
) -> str: ...
def study_fig6_json(
    regions: Optional[int] = ...,
    tensor: Optional[List[float]] = ...,
    g1: Optional[List[float]] = ...,
    seed: Optional[int] = ...,
    max_tries: Optional[int] = ...,
    t: Optional[float] = ...,
    dt: Optional[float] = ...,
    band: Optional[int] = ...,
    progress: Optional[Callable[[int, int], Any]] = ...,
    shard: Optional[Tuple[int, int]] = ...,
) -> str: ...
def study_switch_json(
    a: Optional[List[float]] = ...,
    b: Optional[List[float]] = ...,
    signs: Optional[List[float]] = ...,
    tensor: Optional[List[float]] = ...,
    region: Optional[int] = ...,
    amplitude: Optional[float] = ...,
    overlap: Optional[float] = ...,
    input_gain: Optional[str] = ...,
    dt: Optional[float] = ...,
    t: Optional[float] = ...,
    seed: Optional[int] = ...,
    every: Optional[int] = ...,
    series: bool = ...,
) -> Tuple[str, Optional[Tuple[List[str], List[List[float]]]]]: ...
def study_polytope_json(
    b: Optional[List[float]] = ...,
    fracture_draws: Optional[int] = ...,
    regions: Optional[int] = ...,
    seed: Optional[int] = ...,
    shard: Optional[Tuple[int, int]] = ...,
) -> str: ...
def study_polytope_merge(docs: List[str]) -> str: ...
def bundled_scenarios() -> List[str]: ...
