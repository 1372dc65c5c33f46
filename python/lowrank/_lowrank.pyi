"""Type stubs of the extension module (see lowrank/__init__.py for the public API)."""

from typing import Any, Dict, List, Optional

class ScenarioError(ValueError):
    field: Optional[str]

class ConvergenceError(RuntimeError): ...

class Scenario:
    def __init__(self, name_or_path: str) -> None: ...
    @staticmethod
    def from_toml(text: str) -> "Scenario": ...
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
def bundled_scenarios() -> List[str]: ...
