"""guard(): the official OpenAI and Anthropic clients with every call held on a budget first and charged what it
used after, by the rules in docs/charging.md.

    client = guard(openai.OpenAI(), budget="$0.50", parent=team_budget_id, fallback="gpt-4o-mini", on_limit="stop")
    answer = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=500)
    print(client.spent, client.remaining, client.calls)

The guarded client is a copy of the one given (same connection pool, same settings), of a subclass of its class,
whose ``post`` (which every SDK method that calls the API goes through) holds and settles the calls that cost
money: OpenAI chat completions (``create``, ``parse``, ``stream``) and embeddings, Anthropic messages (``create``,
``stream``, ``parse``). Everything else passes through as it is.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, TypeVar, Union, cast

from ._calls import Call, Meter, Usage
from .client import AsyncBudgetLedger, BudgetLedger
from .errors import BudgetExceeded, BudgetLedgerError, LedgerUnavailable
from .tokens import is_reasoning_model
from .types import Charge, Reservation

__all__ = ["guard", "guard_state", "OnLimit", "GuardState"]

C = TypeVar("C")
OnLimit = Literal["raise", "stop", "warn"]

_LIMIT = re.compile(r"^\$?\s*(\d+(?:\.\d+)?)$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_NEVER_SENT = {"ConnectError", "ConnectTimeout", "PoolTimeout", "UnsupportedProtocol", "ProxyError"}


class GuardState:
    """What a guarded client adds to the SDK client: ``client.spent`` ... on it, or ``guard_state(client).spent``
    for a type checker, which sees the guarded client as the SDK's class."""

    spent: Decimal
    """What this guard's calls were charged so far, in the budget's unit."""
    remaining: Optional[Decimal]
    """What the budget had left at the ledger's last answer to this guard (None before the first call)."""
    calls: int
    """Calls this guard let through to the provider."""
    budget_id: Optional[str]
    """The budget's id (None until a per-workflow budget is created on the first call)."""


def guard(client: C, *, budget: Union[str, Decimal], parent: Optional[str] = None, name: Optional[str] = None,
          ledger: Union[BudgetLedger, AsyncBudgetLedger, None] = None, fallback: Union[str, Sequence[str], None] = None,
          on_limit: OnLimit = "raise", min_output_tokens: Optional[int] = None, fail_open: Optional[bool] = None,
          ttl_seconds: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
          stop_message: Optional[str] = None, logger: Optional[logging.Logger] = None) -> C:
    """Returns a guarded copy of an ``openai.OpenAI``, ``openai.AsyncOpenAI``, ``anthropic.Anthropic`` or
    ``anthropic.AsyncAnthropic`` client.

    budget: an existing budget's id, or a limit (``"$0.50"``, ``"0.50"``, ``Decimal``) for a budget of its own that
        the guard creates on its first call, under ``parent`` when given (creating one needs an ADMIN key), named
        ``name`` (default ``guard-<random>``).
    ledger: the ledger client (default: one built from ``$BUDGET_LEDGER_URL`` and ``$BUDGET_LEDGER_API_KEY``); a
        sync one for a sync SDK client, an async one for an async client (the other kind is built from its settings).
    fallback: models to use instead, in order, when the requested one does not fit (or the budget is past its
        ``downgradeAt``): the call then goes out with the model the ledger chose.
    on_limit: on a DENY, ``"raise"`` raises :class:`BudgetExceeded`; ``"stop"`` answers a synthetic response of the
        SDK's own type without calling the provider (id ``budget-ledger-stop-...``, a ``budget_ledger`` field with
        ``stopped: True``, the reason and what remains); ``"warn"`` logs a warning and makes the call, held on the
        smallest hold there is so that what it spends is still recorded (as an overrun).
    min_output_tokens: lets the ledger grant fewer output tokens (at least this many) when the call's maximum does
        not fit; the call then goes out with the granted maximum. Off unless set.
    fail_open: when the ledger cannot be reached (or answers 5xx): False (the default, else the ledger's own
        setting) raises :class:`LedgerUnavailable` and the call is not made; True logs and makes the call unguarded.
    ttl_seconds: each hold's lifetime (default: the service's, 600 s); a running stream extends it at each half-life.
    """
    if on_limit not in ("raise", "stop", "warn"):
        raise ValueError(f"on_limit must be 'raise', 'stop' or 'warn', not {on_limit!r}")
    post = getattr(type(client), "post", None)
    if post is None or not hasattr(client, "copy"):
        raise TypeError(f"guard() takes an OpenAI or Anthropic SDK client, not {type(client).__name__}")
    is_async = inspect.iscoroutinefunction(post)
    ledger = _ledger_for(ledger, is_async)
    settings = _Settings(
        budget_id=_budget_id(budget), limit=_limit(budget), parent=parent, name=name,
        fallbacks=[fallback] if isinstance(fallback, str) else list(fallback or []), on_limit=on_limit,
        min_output_tokens=min_output_tokens, fail_open=ledger.fail_open if fail_open is None else fail_open,
        ttl_seconds=ttl_seconds, metadata=dict(metadata or {}),
        stop_message=stop_message, log=logger or logging.getLogger("budget_ledger.guard"))
    engine: _Engine = (_AsyncEngine(cast(AsyncBudgetLedger, ledger), settings) if is_async
                       else _SyncEngine(cast(BudgetLedger, ledger), settings))
    # Guarding a guarded client replaces its guard rather than holding every call twice.
    base = getattr(type(client), "_unguarded_class", type(client))
    guarded: C = client.copy()
    guarded.__class__ = _guarded_class(base, is_async)
    guarded._budget_guard = engine  # type: ignore[attr-defined]  # the guarded subclass reads it
    return guarded


def guard_state(client: Any) -> GuardState:
    """The counters of a client returned by :func:`guard`, typed."""
    state = getattr(client, "_budget_guard", None)
    if not isinstance(state, GuardState):
        raise TypeError(f"{type(client).__name__} is not a guarded client")
    return state


def _ledger_for(ledger: Any, is_async: bool) -> Union[BudgetLedger, AsyncBudgetLedger]:
    if ledger is None:
        return AsyncBudgetLedger() if is_async else BudgetLedger()
    if is_async and isinstance(ledger, BudgetLedger):
        return AsyncBudgetLedger(ledger.base_url, ledger.api_key, timeout=ledger.timeout, retry=ledger.retry,
                                 fail_open=ledger.fail_open)
    if not is_async and isinstance(ledger, AsyncBudgetLedger):
        return BudgetLedger(ledger.base_url, ledger.api_key, timeout=ledger.timeout, retry=ledger.retry,
                            fail_open=ledger.fail_open)
    return cast(Union[BudgetLedger, AsyncBudgetLedger], ledger)


def _budget_id(budget: Any) -> Optional[str]:
    return str(budget) if isinstance(budget, str) and _UUID.match(budget) else None


def _limit(budget: Any) -> Optional[Decimal]:
    if isinstance(budget, Decimal):
        return budget
    if isinstance(budget, str):
        if _UUID.match(budget):
            return None
        match = _LIMIT.match(budget.strip())
        if match:
            return Decimal(match.group(1))
    raise ValueError(f"budget must be a budget id or a limit such as '$0.50', not {budget!r}")


_classes: Dict[type, type] = {}
_classes_lock = threading.Lock()


def _guarded_class(base: type, is_async: bool) -> type:
    """A subclass of the SDK client's class whose ``post`` is guarded; ``copy``/``with_options`` stay guarded."""
    with _classes_lock:
        if base in _classes:
            return _classes[base]
        base_post = base.post  # type: ignore[attr-defined]
        base_copy = base.copy  # type: ignore[attr-defined]

        async def async_post(self: Any, path: str, **options: Any) -> Any:
            return await self._budget_guard.post(self, base_post, path, options)

        def sync_post(self: Any, path: str, **options: Any) -> Any:
            return self._budget_guard.post(self, base_post, path, options)

        post = async_post if is_async else sync_post

        def copy(self: Any, *args: Any, **kwargs: Any) -> Any:
            copied = base_copy(self, *args, **kwargs)
            copied._budget_guard = self._budget_guard
            return copied

        namespace = {
            "post": post, "copy": copy, "with_options": copy, "_unguarded_class": base, "__module__": __name__,
            "__doc__": f"{base.__name__}, guarded by budget_ledger.guard().",
            "spent": property(lambda self: self._budget_guard.spent),
            "remaining": property(lambda self: self._budget_guard.remaining),
            "calls": property(lambda self: self._budget_guard.calls),
            "budget_id": property(lambda self: self._budget_guard.budget_id),
            "ledger": property(lambda self: self._budget_guard.ledger),
        }
        _classes[base] = type(f"Guarded{base.__name__}", (base,), namespace)
        return _classes[base]


@dataclass
class _Settings:
    budget_id: Optional[str]
    limit: Optional[Decimal]
    parent: Optional[str]
    name: Optional[str]
    fallbacks: List[str]
    on_limit: str
    min_output_tokens: Optional[int]
    fail_open: bool
    ttl_seconds: Optional[int]
    metadata: Dict[str, Any]
    stop_message: Optional[str]
    log: logging.Logger


@dataclass
class _OverLimit:
    """A call made over the limit (on_limit="warn"): where, and under which Idempotency-Key, what it used is booked
    as a direct charge."""

    budget_id: str
    model: str
    idempotency_key: str
    metadata: Dict[str, Any]


@dataclass
class _Admission:
    """How a call goes out: with ``hold`` (None: untracked, or ``over_limit``: booked afterwards as a direct
    charge), the decision applied or not, or stopped by a DENY."""

    hold: Optional[Reservation] = None
    apply: bool = True
    stopped: Optional[BudgetExceeded] = None
    untracked: Optional[str] = None
    over_limit: Optional[_OverLimit] = None


def _never_sent(error: BaseException) -> bool:
    """Whether the provider can have billed nothing: an error status, or a request that never left."""
    if hasattr(error, "status_code") and hasattr(error, "response"):
        return True  # the SDK's APIStatusError: providers do not bill failed requests
    seen = error
    while seen is not None:
        if type(seen).__name__ in _NEVER_SENT:
            return True
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    name = type(error).__name__
    # The SDK's connection and timeout errors whose cause is not a connect failure: sent, outcome unknown.
    return name not in ("APIConnectionError", "APITimeoutError")


def _lifetime(hold: Reservation) -> float:
    def instant(text: str) -> datetime:
        text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
        return datetime.fromisoformat(text)
    try:
        return max((instant(hold.expires_at) - instant(hold.created_at)).total_seconds(), 1.0)
    except ValueError:
        return 600.0


def _http_module(client: Any) -> Any:
    """The httpx the SDK uses (httpx, or httpx2 in newer SDKs), to build a synthetic streamed answer."""
    for kind in type(client._client).__mro__:
        top = kind.__module__.split(".")[0]
        if top.startswith("httpx"):
            return sys.modules[top]
    raise TypeError(f"cannot tell which httpx {type(client).__name__} uses")


def _stream_type(stream_cls: Any) -> Any:
    args = getattr(stream_cls, "__args__", None)
    return args[0] if args else object


class _Engine(GuardState):
    """What the sync and the async guard share: the settings, the counters and the decisions that need no I/O."""

    def __init__(self, ledger: Any, settings: _Settings) -> None:
        self.ledger = ledger
        self.settings = settings
        self.log = settings.log
        self.spent = Decimal(0)
        self.remaining: Optional[Decimal] = None
        self.calls = 0
        self.budget_id = settings.budget_id
        self._counter = threading.Lock()
        self._create_key = str(uuid.uuid4())

    def _saw(self, available: Optional[Decimal]) -> None:
        if available is not None:
            with self._counter:
                self.remaining = available

    def _booked(self, settlement: Reservation) -> None:
        with self._counter:
            if settlement.charged is not None:
                self.spent += settlement.charged
            if settlement.available is not None:
                self.remaining = settlement.available

    def _called(self) -> None:
        with self._counter:
            self.calls += 1

    def _reserve_args(self, call: Call) -> Dict[str, Any]:
        # Capping needs the call's own maximum to cap; a call without one is held at the model's default.
        minimum = self.settings.min_output_tokens
        minimum = min(minimum, call.max_output) if minimum is not None and call.max_output is not None else None
        return dict(model=call.model, input_tokens=call.input_tokens, max_output_tokens=call.max_output,
                    min_output_tokens=minimum, fallback_models=self.settings.fallbacks or None,
                    ttl_seconds=self.settings.ttl_seconds,
                    metadata={"guard": "python", "call": call.kind, **self.settings.metadata})

    def _on_deny(self, budget_id: str, call: Call, denied: BudgetExceeded) -> _Admission:
        """raise, stop, or for warn make the call with no hold and book what it used afterwards as a direct charge
        (the ledger never refuses one: it is spend that happened, flagged over the limit)."""
        denied.model = call.model
        self._saw(denied.remaining)
        if self.settings.on_limit == "raise":
            raise denied
        if self.settings.on_limit == "stop":
            return _Admission(stopped=denied)
        self.log.warning("budget-ledger: over the limit (%s, %s left); calling %s anyway (on_limit='warn'); what it "
                         "uses is booked as a direct charge", denied.reason, denied.remaining, call.model)
        return _Admission(over_limit=_OverLimit(
            budget_id=budget_id, model=call.model, idempotency_key=f"charge-{uuid.uuid4()}",
            metadata={"guard": "python", "call": call.kind, "onLimit": "warn", "overLimit": denied.reason,
                      **self.settings.metadata}))

    def _charge_args(self, over: _OverLimit, usage: Usage) -> Dict[str, Any]:
        return dict(model=over.model, **cast(Dict[str, Any], usage), reason="called over the limit (on_limit: warn)",
                    metadata=over.metadata, idempotency_key=over.idempotency_key)

    def _charged(self, charge: Charge) -> None:
        with self._counter:
            self.spent += charge.amount
            self.remaining = charge.available
        if charge.capped:
            self.log.error("budget-ledger: the over-limit call to %s asked %s but the budget's overrun policy (CAP) "
                           "booked only %s; the rest of what it spent is not recorded (an ADMIN key can book it "
                           "with POST /v1/budgets/%s/charges)", charge.model, charge.requested, charge.amount,
                           charge.budget_id)

    def _not_charged(self, over: _OverLimit, usage: Usage, error: Exception) -> None:
        if isinstance(error, BudgetLedgerError) and error.code == "OVERRUN_LIMIT_EXCEEDED":
            # A client's charge past the limit is bounded by the budget's overrun policy (docs/charging.md): the call
            # was made, its answer is the caller's, and only this line says the spend is missing from the ledger.
            most = error.problem.get("maxCharge", error.problem.get("maxChargedTokens", "?"))
            self.log.error("budget-ledger: the over-limit call to %s (%s) was made but what it spent is NOT "
                           "recorded: the budget's overrun policy refuses a client's charge this far past its limit "
                           "(the most it may book is %s). An ADMIN key can book it (POST /v1/budgets/%s/charges, "
                           "Idempotency-Key %s), or raise the budget's maxOverrun so warn-mode calls are booked.",
                           over.model, dict(usage), most, over.budget_id, over.idempotency_key)
            return
        # The answer is the caller's; this line (with the Idempotency-Key) is what an operator books from.
        self.log.error("budget-ledger: could not book the over-limit call to %s with %s as a direct charge "
                       "(Idempotency-Key %s); what it spent is not recorded: %s", over.model, dict(usage),
                       over.idempotency_key, error)

    def _unavailable(self, call: Call, error: LedgerUnavailable) -> _Admission:
        if not self.settings.fail_open:
            raise error
        self.log.warning("budget-ledger: the ledger is unavailable; calling %s unguarded (fail_open): %s",
                         call.model, error)
        return _Admission(untracked="ledger unavailable")

    def _body(self, call: Call, admission: _Admission) -> Dict[str, Any]:
        if admission.hold is None or not admission.apply:
            return call.applied(None, None) if call.stream else call.body
        return call.applied(admission.hold.model, admission.hold.max_output_tokens)

    @staticmethod
    def _whole(call: Call, admission: _Admission) -> Usage:
        """The worst case the call could have cost: its input and all the output it could produce."""
        hold = admission.hold
        if admission.apply and hold is not None and hold.max_output_tokens is not None:
            return Usage(input_tokens=hold.input_tokens or call.input_tokens, output_tokens=hold.max_output_tokens)
        return Usage(input_tokens=call.input_tokens, output_tokens=call.max_output or 0)

    def _cut(self, call: Call, admission: _Admission, meter: Meter) -> Usage:
        """A stream cut before its usage: the input counted at reserve and the output counted so far, or for a
        reasoning model (whose hidden tokens are billed but never streamed) the whole hold."""
        model = admission.hold.model if admission.hold is not None and admission.apply else call.model
        if is_reasoning_model(model or call.model):
            return self._whole(call, admission)
        return Usage(input_tokens=call.input_tokens, output_tokens=meter.output_tokens())

    def _stop(self, client: Any, call: Call, options: Dict[str, Any], denied: BudgetExceeded) -> Any:
        message = self.settings.stop_message or call.default_stop
        if call.stream:
            http = _http_module(client)
            request = http.Request("POST", str(client.base_url).rstrip("/") + "/budget-ledger-stop")
            response = http.Response(200, headers={"content-type": "text/event-stream"},
                                     content=call.stop_events(denied, message), request=request)
            stream_cls = options["stream_cls"]
            return stream_cls(cast_to=_stream_type(stream_cls), response=response, client=client)
        cast_to: Any = options.get("cast_to")
        data = call.stop_answer(denied, message)
        return cast_to.construct(**data) if hasattr(cast_to, "construct") else data


class _SyncEngine(_Engine):
    ledger: BudgetLedger

    def __init__(self, ledger: BudgetLedger, settings: _Settings) -> None:
        super().__init__(ledger, settings)
        self._creating = threading.Lock()

    def _budget(self) -> str:
        if self.budget_id is not None:
            return self.budget_id
        with self._creating:
            if self.budget_id is None:
                created = self.ledger.create_budget(
                    self.settings.name or f"guard-{uuid.uuid4().hex[:12]}", self.settings.limit,  # type: ignore
                    parent_id=self.settings.parent, idempotency_key=self._create_key,
                    metadata={"createdBy": "budget_ledger.guard"})
                self.budget_id = created.id
                self._saw(created.available)
            return self.budget_id

    def _admit(self, call: Call) -> _Admission:
        try:
            budget_id = self._budget()
            try:
                hold = self.ledger.reserve(budget_id, **self._reserve_args(call))
                self._saw(hold.available)
                return _Admission(hold=hold)
            except BudgetExceeded as denied:
                return self._on_deny(budget_id, call, denied)
        except LedgerUnavailable as error:
            return self._unavailable(call, error)

    def post(self, client: Any, base_post: Callable[..., Any], path: str, options: Dict[str, Any]) -> Any:
        call = Call.of(path, options.get("body"), bool(options.get("stream")))
        if call is None:
            return base_post(client, path, **options)
        admission = self._admit(call)
        if admission.stopped is not None:
            return self._stop(client, call, options, admission.stopped)
        keeper = _Keeper(self, admission.hold) if call.stream and admission.hold is not None else None
        self._called()
        try:
            answer = base_post(client, path, **{**options, "body": self._body(call, admission)})
        except BaseException as error:
            if keeper:
                keeper.stop()
            self._failed(call, admission, error)
            raise
        if call.stream and hasattr(answer, "_iterator"):
            return self._watch(answer, call, admission, keeper)
        if keeper:
            keeper.stop()
        self._finish(call, admission, _usage(call, answer))
        return answer

    def _failed(self, call: Call, admission: _Admission, error: BaseException) -> None:
        if admission.hold is None:
            if admission.over_limit is not None and not _never_sent(error):
                self.log.warning("budget-ledger: no answer came back for the over-limit call to %s (%s); the outcome "
                                 "is unknown, so its whole estimate is charged", call.model, error)
                self._charge(admission.over_limit, self._whole(call, admission))
            return
        if _never_sent(error):
            self._release(admission.hold)
        else:
            self.log.warning("budget-ledger: no answer came back for reservation %s (%s); the outcome is unknown, "
                             "so the whole hold is charged", admission.hold.id, error)
            self._settle(admission.hold, self._whole(call, admission))

    def _finish(self, call: Call, admission: _Admission, usage: Optional[Usage]) -> None:
        if admission.hold is None:
            if admission.over_limit is not None:
                self._charge(admission.over_limit, usage if usage is not None else self._whole(call, admission))
                return
            if admission.untracked:
                self.log.error("budget-ledger: an untracked call to %s (%s) used %s", call.model,
                               admission.untracked, usage)
            return
        if usage is None:
            usage = self._whole(call, admission)
        self._settle(admission.hold, usage)

    def _settle(self, hold: Reservation, usage: Usage) -> None:
        try:
            self._booked(self.ledger.settle(hold.id, **cast(Dict[str, Any], usage)))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            # The answer is the caller's; the hold stays on the budget until it expires (docs/charging.md).
            self.log.warning("budget-ledger: could not settle reservation %s with %s: %s", hold.id, dict(usage), error)

    def _charge(self, over: _OverLimit, usage: Usage) -> None:
        try:
            self._charged(self.ledger.charge(over.budget_id, **self._charge_args(over, usage)))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            self._not_charged(over, usage, error)

    def _release(self, hold: Reservation) -> None:
        try:
            self._booked(self.ledger.release(hold.id))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            self.log.warning("budget-ledger: could not release reservation %s: %s", hold.id, error)

    def _watch(self, stream: Any, call: Call, admission: _Admission, keeper: Optional["_Keeper"]) -> Any:
        meter = call.meter()
        inner = stream._iterator
        done = threading.Lock()
        finished: List[bool] = []

        def end(usage: Optional[Usage], cut: bool) -> None:
            with done:
                if finished:
                    return
                finished.append(True)
            if keeper:
                keeper.stop()
            if meter.final is not None:
                self._finish(call, admission, meter.final)
            elif cut or usage is None:
                self._finish(call, admission, self._cut(call, admission, meter))

        def watched() -> Any:
            try:
                for event in inner:
                    if not meter.see(event):
                        yield event
            except GeneratorExit:
                end(None, True)
                raise
            except BaseException:
                end(None, True)
                raise
            end(meter.final, meter.final is None)

        original_close = stream.close

        def close() -> None:
            try:
                original_close()
            finally:
                end(None, True)

        stream._iterator = watched()
        stream.close = close
        return stream


class _AsyncEngine(_Engine):
    ledger: AsyncBudgetLedger

    def __init__(self, ledger: AsyncBudgetLedger, settings: _Settings) -> None:
        super().__init__(ledger, settings)
        self._creating: Optional[asyncio.Lock] = None

    async def _budget(self) -> str:
        if self.budget_id is not None:
            return self.budget_id
        if self._creating is None:
            self._creating = asyncio.Lock()
        async with self._creating:
            if self.budget_id is None:
                created = await self.ledger.create_budget(
                    self.settings.name or f"guard-{uuid.uuid4().hex[:12]}", self.settings.limit,  # type: ignore
                    parent_id=self.settings.parent, idempotency_key=self._create_key,
                    metadata={"createdBy": "budget_ledger.guard"})
                self.budget_id = created.id
                self._saw(created.available)
            return self.budget_id

    async def _admit(self, call: Call) -> _Admission:
        try:
            budget_id = await self._budget()
            try:
                hold = await self.ledger.reserve(budget_id, **self._reserve_args(call))
                self._saw(hold.available)
                return _Admission(hold=hold)
            except BudgetExceeded as denied:
                return self._on_deny(budget_id, call, denied)
        except LedgerUnavailable as error:
            return self._unavailable(call, error)

    async def post(self, client: Any, base_post: Callable[..., Any], path: str, options: Dict[str, Any]) -> Any:
        call = Call.of(path, options.get("body"), bool(options.get("stream")))
        if call is None:
            return await base_post(client, path, **options)
        admission = await self._admit(call)
        if admission.stopped is not None:
            return self._stop(client, call, options, admission.stopped)
        keeper = _AsyncKeeper(self, admission.hold) if call.stream and admission.hold is not None else None
        self._called()
        try:
            answer = await base_post(client, path, **{**options, "body": self._body(call, admission)})
        except BaseException as error:
            if keeper:
                keeper.stop()
            await self._failed(call, admission, error)
            raise
        if call.stream and hasattr(answer, "_iterator"):
            return self._watch(answer, call, admission, keeper)
        if keeper:
            keeper.stop()
        await self._finish(call, admission, _usage(call, answer))
        return answer

    async def _failed(self, call: Call, admission: _Admission, error: BaseException) -> None:
        if admission.hold is None:
            if admission.over_limit is not None and not _never_sent(error):
                self.log.warning("budget-ledger: no answer came back for the over-limit call to %s (%s); the outcome "
                                 "is unknown, so its whole estimate is charged", call.model, error)
                await self._charge(admission.over_limit, self._whole(call, admission))
            return
        if _never_sent(error):
            await self._release(admission.hold)
        else:
            self.log.warning("budget-ledger: no answer came back for reservation %s (%s); the outcome is unknown, "
                             "so the whole hold is charged", admission.hold.id, error)
            await self._settle(admission.hold, self._whole(call, admission))

    async def _finish(self, call: Call, admission: _Admission, usage: Optional[Usage]) -> None:
        if admission.hold is None:
            if admission.over_limit is not None:
                await self._charge(admission.over_limit, usage if usage is not None else self._whole(call, admission))
                return
            if admission.untracked:
                self.log.error("budget-ledger: an untracked call to %s (%s) used %s", call.model,
                               admission.untracked, usage)
            return
        if usage is None:
            usage = self._whole(call, admission)
        await self._settle(admission.hold, usage)

    async def _settle(self, hold: Reservation, usage: Usage) -> None:
        try:
            self._booked(await self.ledger.settle(hold.id, **cast(Dict[str, Any], usage)))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            self.log.warning("budget-ledger: could not settle reservation %s with %s: %s", hold.id, dict(usage), error)

    async def _charge(self, over: _OverLimit, usage: Usage) -> None:
        try:
            self._charged(await self.ledger.charge(over.budget_id, **self._charge_args(over, usage)))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            self._not_charged(over, usage, error)

    async def _release(self, hold: Reservation) -> None:
        try:
            self._booked(await self.ledger.release(hold.id))
        except Exception as error:  # noqa: BLE001 - never in place of the caller's answer or error
            self.log.warning("budget-ledger: could not release reservation %s: %s", hold.id, error)

    def _watch(self, stream: Any, call: Call, admission: _Admission, keeper: Optional["_AsyncKeeper"]) -> Any:
        meter = call.meter()
        inner = stream._iterator
        finished: List[bool] = []

        async def end(cut: bool) -> None:
            if finished:
                return
            finished.append(True)
            if keeper:
                keeper.stop()
            if meter.final is not None:
                await self._finish(call, admission, meter.final)
            else:
                await self._finish(call, admission, self._cut(call, admission, meter))

        async def watched() -> Any:
            try:
                async for event in inner:
                    if not meter.see(event):
                        yield event
            except GeneratorExit:
                await end(True)
                raise
            except BaseException:
                await end(True)
                raise
            await end(False)

        original_close = stream.close

        async def close() -> None:
            try:
                await original_close()
            finally:
                await end(True)

        stream._iterator = watched()
        stream.close = close
        return stream


def _usage(call: Call, answer: Any) -> Optional[Usage]:
    """The usage an answer reports; None (the whole hold is charged) when it has none the guard can read, such as a
    stream wrapped by ``with_raw_response``."""
    if call.stream:
        return None
    try:
        return call.usage(_parsed(answer))
    except Exception as error:  # noqa: BLE001 - the settle must still happen
        logging.getLogger("budget_ledger.guard").warning("budget-ledger: no usage in the answer: %s", error)
        return None


def _parsed(answer: Any) -> Any:
    """The SDK's model of an answer; ``with_raw_response`` hands back a wrapper whose parse() is cached."""
    if hasattr(answer, "http_response") and callable(getattr(answer, "parse", None)):
        try:
            return answer.parse()
        except Exception:  # noqa: BLE001 - no usage to read: the whole hold is charged
            return None
    return answer


class _Keeper:
    """Extends a streaming call's hold at each half of its lifetime until the stream ends (docs/charging.md)."""

    def __init__(self, engine: _SyncEngine, hold: Optional[Reservation]) -> None:
        self.engine = engine
        self.hold = hold
        self.ttl = engine.settings.ttl_seconds or (_lifetime(hold) if hold else 600.0)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="budget-ledger-keeper", daemon=True)
        if hold is not None:
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.ttl / 2):
            try:
                self.engine.ledger.extend(self.hold.id, max(int(round(self.ttl)), 1))  # type: ignore[union-attr]
            except Exception as error:  # noqa: BLE001 - the stream goes on; the hold may expire
                self.engine.log.warning("budget-ledger: could not extend reservation %s: %s",
                                        self.hold.id, error)  # type: ignore[union-attr]
                return

    def stop(self) -> None:
        self._stopped.set()


class _AsyncKeeper:
    def __init__(self, engine: _AsyncEngine, hold: Optional[Reservation]) -> None:
        self.engine = engine
        self.hold = hold
        self.ttl = engine.settings.ttl_seconds or (_lifetime(hold) if hold else 600.0)
        self._task = asyncio.get_running_loop().create_task(self._run()) if hold is not None else None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 2)
            try:
                await self.engine.ledger.extend(self.hold.id, max(int(round(self.ttl)), 1))  # type: ignore
            except Exception as error:  # noqa: BLE001 - the stream goes on; the hold may expire
                self.engine.log.warning("budget-ledger: could not extend reservation %s: %s",
                                        self.hold.id, error)  # type: ignore[union-attr]
                return

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
