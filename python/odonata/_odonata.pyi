# Type hints of odonata's C++ module (python/src/module.cc).
from typing import Any, Dict, List, Optional, Sequence, Tuple

class Error(ValueError):
    exit_code: int

class Platform:
    name: str
    profile: str
    mode: str
    modes: List[str]
    description: str
    path: str
    precisions: List[str]
    default_precision: str
    price_usd: float
    overhead_ms: float
    idle_power_w: float
    typical_power_w: float
    def with_mode(self, mode: str) -> Platform: ...
    def to_json(self) -> str: ...

class Model:
    name: str
    path: str
    inputs: Dict[str, Tuple[int, ...]]
    nodes: int
    macs: int
    flops: int
    params: int
    warnings: List[str]
    def with_shapes(self, input_shapes: Optional[Dict[str, Any]] = None, input_values: Optional[Dict[str, Any]] = None,
                    batch: Optional[int] = None) -> Model: ...

class Layer:
    name: str
    op: str
    op_class: str
    ms: float
    energy_mj: float
    percent: float
    macs: int
    flops: int
    params: int
    param_bytes: int
    precision: str
    quantized: bool
    repeat: int
    estimator: str
    bound: str
    flags: List[str]
    covers: List[str]

class Report:
    model: str
    platform: str
    precision: str
    total_ms: float
    energy_mj: float
    overhead_ms: float
    dispatch_ms: float
    reorder_ms: float
    reorders: int
    overhead_energy_mj: float
    avg_power_w: float
    peak_gops: float
    bandwidth_gbps: float
    macs: int
    params: int
    param_bytes: int
    quantization: Dict[str, Any]
    nodes: int
    warnings: List[str]
    cache: Optional[Dict[str, Any]]
    layers: List[Layer]
    def to_json(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def render(self, format: str = "table") -> str: ...

class Totals:
    total_ms: float
    energy_mj: float
    overhead_ms: float
    layers_ms: float
    overhead_energy_mj: float
    avg_power_w: float
    reorder_ms: float

def version() -> str: ...
def search_path() -> List[str]: ...
def estimate_total(model: Model, platform: Platform, precision: Optional[str] = None) -> float: ...
def totals(model: Model, platform: Platform, precision: Optional[str] = None) -> Totals: ...
def estimate_grid(models: Sequence[Model], platforms: Sequence[Platform], precisions: Optional[Sequence[str]] = None,
                  field: str = "total_ms", threads: int = 1) -> List[List[List[float]]]: ...
