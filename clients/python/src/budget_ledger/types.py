"""The service's answers as typed, immutable values. Money is ``Decimal`` (decimal strings on the wire, never float);
``raw`` keeps the whole JSON answer for fields not named here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Generic, List, Mapping, Optional, Tuple, TypeVar

__all__ = ["Budget", "Reservation", "Charge", "Decision", "UsageTotals", "UsageGroup", "UsageReport", "Page"]

T = TypeVar("T")


def _dec(value: Any) -> Optional[Decimal]:
    return Decimal(str(value)) if value is not None else None


@dataclass(frozen=True)
class Budget:
    id: str
    name: str
    unit: str
    limit: Decimal
    spent: Decimal
    reserved: Decimal
    available: Decimal
    status: str
    mode: str
    period: str
    parent_id: Optional[str]
    root_id: str
    held_count: int
    calls_in_period: int
    denied_count: int
    metadata: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False, compare=False)
    allowed_models: Optional[Tuple[str, ...]] = None
    """The models a reserve on this budget or below may use, as set on it (lists above it apply too); ``None``
    when it allows every model."""
    max_hold_output_tokens: Optional[int] = None
    """The most output tokens a reservation on this budget or below holds when made; ``None`` for no cap."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Budget":
        return cls(id=data["id"], name=data["name"], unit=data["unit"], limit=Decimal(data["limit"]),
                   spent=Decimal(data["spent"]), reserved=Decimal(data["reserved"]),
                   available=Decimal(data["available"]), status=data["status"], mode=data["mode"],
                   period=data["period"], parent_id=data.get("parentId"), root_id=data["rootId"],
                   held_count=data["heldCount"], calls_in_period=data["callsInPeriod"],
                   denied_count=data["deniedCount"], metadata=dict(data.get("metadata") or {}), raw=dict(data),
                   allowed_models=(tuple(data["allowedModels"]) if data.get("allowedModels") is not None
                                   else None),
                   max_hold_output_tokens=data.get("maxHoldOutputTokens"))


@dataclass(frozen=True)
class Reservation:
    """A hold and what became of it. On answers to reserve, settle, release and extend ``available`` is what the
    budget has left; ``max_output_tokens`` is the granted number (lower than asked when ``capped``)."""

    id: str
    budget_id: str
    status: str
    currency: str
    amount: Decimal
    model: Optional[str]
    requested_model: Optional[str]
    downgraded: bool
    capped: bool
    input_tokens: Optional[int]
    max_output_tokens: Optional[int]
    tokens: Optional[int]
    charged: Optional[Decimal]
    released: Optional[Decimal]
    overrun: Decimal
    late: bool
    available: Optional[Decimal]
    warnings: Tuple[str, ...]
    expires_at: str
    created_at: str
    metadata: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Reservation":
        return cls(id=data["id"], budget_id=data["budgetId"], status=data["status"], currency=data["currency"],
                   amount=Decimal(data["amount"]), model=data.get("model"),
                   requested_model=data.get("requestedModel"), downgraded=bool(data.get("downgraded")),
                   capped=bool(data.get("capped")), input_tokens=data.get("inputTokens"),
                   max_output_tokens=data.get("maxOutputTokens"), tokens=data.get("tokens"),
                   charged=_dec(data.get("charged")), released=_dec(data.get("released")),
                   overrun=Decimal(data.get("overrun", "0")), late=bool(data.get("late")),
                   available=_dec(data.get("available")), warnings=tuple(data.get("warnings") or ()),
                   expires_at=data["expiresAt"], created_at=data["createdAt"],
                   metadata=dict(data.get("metadata") or {}), raw=dict(data))


@dataclass(frozen=True)
class Charge:
    """A direct charge as booked: spend that already happened, without a hold. ``over_limit``: it went past what a
    budget of the chain had available (booked all the same; for a CLIENT key only within each budget's overrun
    policy, past which the ledger answers 422 OVERRUN_LIMIT_EXCEEDED or caps); ``available`` is then negative.
    ``capped``: a budget's overrun policy (CAP) booked less than was asked, which ``requested`` says."""

    id: str
    budget_id: str
    amount: Decimal
    currency: str
    tokens: Optional[int]
    model: Optional[str]
    over_limit: bool
    available: Decimal
    unit: str
    raw: Dict[str, Any] = field(repr=False, compare=False)
    capped: bool = False
    requested: Optional[Decimal] = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Charge":
        return cls(id=data["id"], budget_id=data["budgetId"], amount=Decimal(data["amount"]),
                   currency=data["currency"], tokens=data.get("tokens"), model=data.get("model"),
                   over_limit=bool(data["overLimit"]), available=Decimal(data["available"]), unit=data["unit"],
                   raw=dict(data), capped=bool(data.get("capped", False)),
                   requested=Decimal(data["requested"]) if data.get("requested") is not None else None)


@dataclass(frozen=True)
class Decision:
    """A dry run's answer (POST /v1/decisions): what a reserve would get now. Nothing was held."""

    decision: str
    reason: Optional[str]
    budget_id: str
    limiting_budget_id: Optional[str]
    amount: Decimal
    model: Optional[str]
    downgraded: bool
    capped: bool
    max_output_tokens: Optional[int]
    available: Decimal
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @property
    def allowed(self) -> bool:
        return self.decision == "ALLOW"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Decision":
        return cls(decision=data["decision"], reason=data.get("reason"), budget_id=data["budgetId"],
                   limiting_budget_id=data.get("limitingBudgetId"), amount=Decimal(data["amount"]),
                   model=data.get("model"), downgraded=bool(data.get("downgraded")), capped=bool(data.get("capped")),
                   max_output_tokens=data.get("maxOutputTokens"), available=Decimal(data["available"]),
                   raw=dict(data))


@dataclass(frozen=True)
class UsageTotals:
    spend: Decimal
    input_tokens: int
    output_tokens: int
    calls_allowed: int
    calls_denied: int
    overruns: int
    average_cost_per_call: Decimal
    charges: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "UsageTotals":
        return cls(spend=Decimal(data["spend"]), input_tokens=data["inputTokens"], output_tokens=data["outputTokens"],
                   calls_allowed=data["callsAllowed"], calls_denied=data["callsDenied"], overruns=data["overruns"],
                   average_cost_per_call=Decimal(data["averageCostPerCall"]), charges=data.get("charges", 0))


@dataclass(frozen=True)
class UsageGroup:
    key: str
    label: str
    totals: UsageTotals


@dataclass(frozen=True)
class UsageReport:
    budget_id: str
    unit: str
    group_by: str
    from_: str
    to: str
    limit: Decimal
    spent: Decimal
    reserved: Decimal
    remaining: Decimal
    groups: Tuple[UsageGroup, ...]
    total: UsageTotals
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "UsageReport":
        groups = tuple(UsageGroup(g["key"], g["label"], UsageTotals.from_json(g)) for g in data["groups"])
        return cls(budget_id=data["budgetId"], unit=data["unit"], group_by=data["groupBy"], from_=data["from"],
                   to=data["to"], limit=Decimal(data["limit"]), spent=Decimal(data["spent"]),
                   reserved=Decimal(data["reserved"]), remaining=Decimal(data["remaining"]), groups=groups,
                   total=UsageTotals.from_json(data["total"]), raw=dict(data))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next (None on the last page)."""

    items: List[T]
    next_cursor: Optional[str]
