"""The ledger API for programs: ``BudgetLedger`` (sync) and ``AsyncBudgetLedger`` (asyncio), on httpx.

Both build the same requests (``_Requests``) and differ only in how they send them. Every POST carries an
Idempotency-Key, and a retry sends the same key, so a reserve whose answer was lost is answered from the stored
response instead of holding twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import (Any, AsyncIterator, Callable, Dict, Generic, Iterator, Mapping, Optional, Sequence, Tuple,
                    TypeVar, Union, cast)

import httpx

from .errors import LedgerUnavailable, from_problem
from .types import Budget, Charge, Decision, Page, Reservation, UsageReport

__all__ = ["BudgetLedger", "AsyncBudgetLedger", "RetryPolicy", "Hold", "AsyncHold", "Amount"]

T = TypeVar("T")
Amount = Union[Decimal, str, int]
"""Money: a Decimal, a decimal string or an int; never a float (binary fractions are not money)."""

log = logging.getLogger("budget_ledger")


@dataclass(frozen=True)
class RetryPolicy:
    """Retries 429, 5xx, 409 IDEMPOTENCY_KEY_IN_FLIGHT, timeouts and lost connections with the same Idempotency-Key:
    ``attempts`` tries in all, waiting ``backoff`` doubling up to ``max_backoff`` seconds (with jitter), or what
    ``Retry-After`` says, at most ``max_backoff`` times 2."""

    attempts: int = 4
    backoff: float = 0.1
    max_backoff: float = 2.0

    def pause(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff * 2)
        wait: float = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        return wait * (1 + random.random() / 2)


RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable (money must be Decimal or str, not float)")


def _money(value: Amount) -> str:
    if isinstance(value, float):
        raise TypeError("money must be Decimal, str or int, not float")
    return format(Decimal(str(value)), "f")


def _compact(body: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


@dataclass(frozen=True)
class _Request(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any], T]
    body: Optional[Dict[str, Any]] = None
    params: Optional[Dict[str, Any]] = None
    key: Optional[str] = None

    def encoded(self) -> Optional[bytes]:
        return json.dumps(self.body, default=_encode).encode() if self.body is not None else None


class _Unset:
    """The default of an update's optional fields: left out of the merge patch (``None`` sends null, which removes)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _models(allowed_models: Optional[Sequence[str]]) -> Optional[list]:
    if isinstance(allowed_models, str):
        raise TypeError("allowed_models is a list of model names, not one string")
    return None if allowed_models is None else list(allowed_models)


class _Requests:
    """What each operation sends and how its answer is read; shared by the sync and the async client."""

    @staticmethod
    def create_budget(name: str, limit: Amount, parent_id: Optional[str], key: Optional[str],
                      options: Mapping[str, Any], allowed_models: Optional[Sequence[str]] = None,
                      max_hold_output_tokens: Optional[int] = None) -> _Request[Budget]:
        body = _compact({"name": name, "limit": _money(limit), "parentId": parent_id, **options,
                         "allowedModels": _models(allowed_models), "maxHoldOutputTokens": max_hold_output_tokens})
        return _Request("POST", "/v1/budgets", Budget.from_json, body, key=key or str(uuid.uuid4()))

    @staticmethod
    def update_budget(budget_id: str, changes: Mapping[str, Any], allowed_models: Any,
                      max_hold_output_tokens: Any) -> _Request[Budget]:
        # A JSON merge patch: what is left out stays, null removes an optional field.
        body = {key: (_money(value) if key == "limit" and value is not None else value)
                for key, value in changes.items()}
        if allowed_models is not UNSET:
            body["allowedModels"] = _models(allowed_models)
        if max_hold_output_tokens is not UNSET:
            body["maxHoldOutputTokens"] = max_hold_output_tokens
        return _Request("PATCH", f"/v1/budgets/{budget_id}", Budget.from_json, body)

    @staticmethod
    def extend_body(ttl_seconds: Optional[int], max_output_tokens: Optional[int],
                    amount: Optional[Amount]) -> Dict[str, Any]:
        return _compact({"ttlSeconds": ttl_seconds, "maxOutputTokens": max_output_tokens,
                         "amount": _money(amount) if amount is not None else None})

    @staticmethod
    def reserve_body(budget_id: str, model: Optional[str], input_tokens: Optional[int],
                     max_output_tokens: Optional[int], min_output_tokens: Optional[int], amount: Optional[Amount],
                     fallback_models: Optional[Sequence[str]], ttl_seconds: Optional[int],
                     metadata: Optional[Mapping[str, Any]], currency: Optional[str],
                     subject: Optional[str] = None, run_id: Optional[str] = None) -> Dict[str, Any]:
        # maxOutputTokens is left out when the call names none: the service then holds its default for the model
        # and says which in the answer (docs/charging.md).
        return _compact({
            "budgetId": str(budget_id), "amount": _money(amount) if amount is not None else None,
            "currency": currency, "model": model, "inputTokens": input_tokens, "maxOutputTokens": max_output_tokens,
            "minOutputTokens": min_output_tokens, "fallbackModels": list(fallback_models) if fallback_models else None,
            "ttlSeconds": ttl_seconds, "metadata": dict(metadata) if metadata else None, "subject": subject,
            "runId": run_id,
        })

    @staticmethod
    def settle_body(input_tokens: Optional[int], output_tokens: Optional[int], cache_read_tokens: Optional[int],
                    cache_write_tokens: Optional[int], reasoning_tokens: Optional[int],
                    amount: Optional[Amount]) -> Dict[str, Any]:
        if amount is not None:
            return {"amount": _money(amount)}
        return _compact({"inputTokens": input_tokens or 0, "outputTokens": output_tokens or 0,
                         "cacheReadTokens": cache_read_tokens or None, "cacheWriteTokens": cache_write_tokens or None,
                         "reasoningTokens": reasoning_tokens or None})

    @staticmethod
    def charge_body(model: Optional[str], input_tokens: Optional[int], output_tokens: Optional[int],
                    cache_read_tokens: Optional[int], cache_write_tokens: Optional[int],
                    reasoning_tokens: Optional[int], amount: Optional[Amount], reason: Optional[str],
                    metadata: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        body = {"model": model, "reason": reason, "metadata": dict(metadata) if metadata else None}
        if amount is not None:
            body["amount"] = _money(amount)
        if model is not None or input_tokens is not None or output_tokens is not None:
            body.update({"inputTokens": input_tokens or 0, "outputTokens": output_tokens or 0,
                         "cacheReadTokens": cache_read_tokens or None, "cacheWriteTokens": cache_write_tokens or None,
                         "reasoningTokens": reasoning_tokens or None})
        return _compact(body)

    @staticmethod
    def page(parse: Callable[[Any], T]) -> Callable[[Any], Page[T]]:
        return lambda data: Page([parse(item) for item in data["items"]], data.get("nextCursor"))


def _settings(base_url: Optional[str], api_key: Optional[str]) -> Tuple[str, str]:
    url = base_url or os.environ.get("BUDGET_LEDGER_URL") or "http://localhost:8080"
    key = api_key or os.environ.get("BUDGET_LEDGER_API_KEY")
    if not key:
        raise ValueError("an API key is needed: pass api_key or set BUDGET_LEDGER_API_KEY")
    return url.rstrip("/"), key


def _retry_after(response: httpx.Response) -> Optional[float]:
    value = response.headers.get("Retry-After")
    return float(value) if value and value.isdigit() else None


def _problem(response: httpx.Response) -> Dict[str, Any]:
    try:
        data = response.json()
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}


class _Base:
    def __init__(self, base_url: Optional[str], api_key: Optional[str], timeout: float, retry: RetryPolicy,
                 fail_open: bool) -> None:
        self.base_url, self.api_key = _settings(base_url, api_key)
        self.timeout = timeout
        self.retry = retry
        self.fail_open = fail_open

    def _headers(self, request: _Request[Any]) -> Dict[str, str]:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json, application/problem+json",
                   "User-Agent": "budget-ledger-python"}
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        if request.key:
            headers["Idempotency-Key"] = request.key
        return headers

    def _outcome(self, request: _Request[T], response: httpx.Response,
                 attempt: int) -> Tuple[bool, Any, float]:
        """(True, answer, 0) when done, (False, None, wait) to retry, or raises the typed error."""
        if response.status_code < 400:
            return True, request.parse(response.json() if response.content else {}), 0.0
        problem = _problem(response)
        error = from_problem(request.method, request.path, response.status_code, problem)
        retryable = response.status_code in RETRYABLE_STATUS or problem.get("code") == "IDEMPOTENCY_KEY_IN_FLIGHT"
        if retryable and attempt < self.retry.attempts:
            return False, None, self.retry.pause(attempt, _retry_after(response))
        raise error

    def _no_answer(self, request: _Request[Any], failure: Exception, attempt: int) -> float:
        if attempt >= self.retry.attempts:
            raise LedgerUnavailable(f"{request.method} {request.path}: no answer from {self.base_url} after "
                                    f"{attempt} attempt(s): {type(failure).__name__}: {failure}") from failure
        return self.retry.pause(attempt, None)

    # -- the operations, as requests -----------------------------------------------------------------------------
    def _get_budget(self, budget_id: str) -> _Request[Budget]:
        return _Request("GET", f"/v1/budgets/{budget_id}", Budget.from_json)

    def _children(self, budget_id: str, limit: Optional[int], cursor: Optional[str]) -> _Request[Page[Budget]]:
        return _Request("GET", f"/v1/budgets/{budget_id}/children", _Requests.page(Budget.from_json),
                        params=_compact({"limit": limit, "cursor": cursor}))

    def _reserve(self, body: Dict[str, Any], key: Optional[str]) -> _Request[Reservation]:
        return _Request("POST", "/v1/reservations", Reservation.from_json, body, key=key or str(uuid.uuid4()))

    def _decide(self, body: Dict[str, Any]) -> _Request[Decision]:
        return _Request("POST", "/v1/decisions", Decision.from_json, body)

    def _settle(self, reservation_id: str, body: Dict[str, Any], key: Optional[str]) -> _Request[Reservation]:
        return _Request("POST", f"/v1/reservations/{reservation_id}/settle", Reservation.from_json, body,
                        key=key or str(uuid.uuid4()))

    def _charge(self, budget_id: str, body: Dict[str, Any], key: Optional[str]) -> _Request[Charge]:
        return _Request("POST", f"/v1/budgets/{budget_id}/charges", Charge.from_json, body,
                        key=key or str(uuid.uuid4()))

    def _release(self, reservation_id: str, key: Optional[str]) -> _Request[Reservation]:
        return _Request("POST", f"/v1/reservations/{reservation_id}/release", Reservation.from_json,
                        key=key or str(uuid.uuid4()))

    def _extend(self, reservation_id: str, body: Dict[str, Any], key: Optional[str]) -> _Request[Reservation]:
        return _Request("POST", f"/v1/reservations/{reservation_id}/extend", Reservation.from_json,
                        body, key=key or str(uuid.uuid4()))

    def _reservations(self, budget_id: Optional[str], status: Optional[str], limit: Optional[int],
                      cursor: Optional[str]) -> _Request[Page[Reservation]]:
        return _Request("GET", "/v1/reservations", _Requests.page(Reservation.from_json),
                        params=_compact({"budgetId": budget_id, "status": status, "limit": limit, "cursor": cursor}))

    def _get_reservation(self, reservation_id: str) -> _Request[Reservation]:
        return _Request("GET", f"/v1/reservations/{reservation_id}", Reservation.from_json)

    def _usage(self, budget_id: str, from_: Optional[str], to: Optional[str], group_by: str) -> _Request[UsageReport]:
        return _Request("GET", f"/v1/budgets/{budget_id}/usage", UsageReport.from_json,
                        params=_compact({"from": from_, "to": to, "groupBy": group_by}))

    def _reconciliation(self) -> _Request[Dict[str, Any]]:
        return _Request("GET", "/v1/admin/reconciliation", dict)


class BudgetLedger(_Base):
    """A client for the budget-ledger service (thread-safe; one per process is enough).

    ``base_url`` and ``api_key`` default to ``$BUDGET_LEDGER_URL`` (else http://localhost:8080) and
    ``$BUDGET_LEDGER_API_KEY``. ``timeout`` is per attempt, in seconds. ``fail_open`` is what :meth:`hold` and
    :func:`budget_ledger.guard` do when the ledger cannot be reached: False (the default) raises
    :class:`LedgerUnavailable` and the LLM call is not made; True logs a warning and lets the call run unguarded.
    """

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 10.0,
                 retry: RetryPolicy = RetryPolicy(), fail_open: bool = False,
                 http_client: Optional[httpx.Client] = None) -> None:
        super().__init__(base_url, api_key, timeout, retry, fail_open)
        self._http = http_client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "BudgetLedger":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _send(self, request: _Request[T]) -> T:
        data = request.encoded()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(request.method, self.base_url + request.path, content=data,
                                              params=request.params, headers=self._headers(request),
                                              timeout=self.timeout)
            except httpx.TransportError as failure:
                time.sleep(self._no_answer(request, failure, attempt))
                continue
            done, answer, wait = self._outcome(request, response, attempt)
            if done:
                return cast(T, answer)
            time.sleep(wait)

    # -- budgets ---------------------------------------------------------------------------------------------------
    def create_budget(self, name: str, limit: Amount, *, parent_id: Optional[str] = None,
                      allowed_models: Optional[Sequence[str]] = None, max_hold_output_tokens: Optional[int] = None,
                      idempotency_key: Optional[str] = None, **options: Any) -> Budget:
        """POST /v1/budgets (ADMIN). ``allowed_models``: the models a reserve here or below may use (another is
        denied MODEL_NOT_ALLOWED); ``max_hold_output_tokens``: the most output tokens a reservation holds when made.
        ``options`` are the other fields in the API's names (``period``, ``mode``, ``unit``, ``downgradeAt``,
        ``maxAmountPerCall``, ``metadata`` ...)."""
        return self._send(_Requests.create_budget(name, limit, parent_id, idempotency_key, options, allowed_models,
                                                  max_hold_output_tokens))

    def update_budget(self, budget_id: str, *, allowed_models: Optional[Sequence[str]] = UNSET,
                      max_hold_output_tokens: Optional[int] = UNSET, **changes: Any) -> Budget:
        """PATCH /v1/budgets/{id} (ADMIN), a merge patch: only what is passed changes; ``None`` removes an optional
        field (``allowed_models=None`` allows every model again, ``max_hold_output_tokens=None`` removes the cap).
        ``changes`` are other fields in the API's names (``limit``, ``mode``, ``maxAmountPerCall`` ...)."""
        return self._send(_Requests.update_budget(budget_id, changes, allowed_models, max_hold_output_tokens))

    def get_budget(self, budget_id: str) -> Budget:
        return self._send(self._get_budget(budget_id))

    def children(self, budget_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Budget]:
        return self._send(self._children(budget_id, limit, cursor))

    def usage(self, budget_id: str, *, from_: Optional[str] = None, to: Optional[str] = None,
              group_by: str = "day") -> UsageReport:
        return self._send(self._usage(budget_id, from_, to, group_by))

    def reconciliation(self) -> Dict[str, Any]:
        """GET /v1/admin/reconciliation (ADMIN): ``ok`` is True when every balance matches its journal."""
        return self._send(self._reconciliation())

    # -- reservations ----------------------------------------------------------------------------------------------
    def reserve(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
                max_output_tokens: Optional[int] = None, min_output_tokens: Optional[int] = None,
                amount: Optional[Amount] = None, fallback_models: Optional[Sequence[str]] = None,
                ttl_seconds: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
                currency: Optional[str] = None, idempotency_key: Optional[str] = None,
                subject: Optional[str] = None, run_id: Optional[str] = None) -> Reservation:
        """Holds ``amount``, or the price of ``model`` for the tokens. Raises :class:`BudgetExceeded` on a DENY.

        With ``subject`` (an end user's id), ``budget_id`` names a parent and the hold is placed on its budget for that
        subject, made from the parent's child template if need be; the answer's ``budget_id`` is that budget. With
        ``run_id`` (an agent run's id) the budgets' caps per run apply: a run past one is denied RUN_CALL_LIMIT or
        RUN_AMOUNT_LIMIT."""
        body = _Requests.reserve_body(budget_id, model, input_tokens, max_output_tokens, min_output_tokens, amount,
                                      fallback_models, ttl_seconds, metadata, currency, subject, run_id)
        return self._send(self._reserve(body, idempotency_key))

    def decide(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
               max_output_tokens: Optional[int] = None, min_output_tokens: Optional[int] = None,
               amount: Optional[Amount] = None, fallback_models: Optional[Sequence[str]] = None,
               currency: Optional[str] = None, subject: Optional[str] = None,
               run_id: Optional[str] = None) -> Decision:
        """The dry run: what :meth:`reserve` would get now; holds, counts and records nothing."""
        body = _Requests.reserve_body(budget_id, model, input_tokens, max_output_tokens, min_output_tokens, amount,
                                      fallback_models, None, None, currency, subject, run_id)
        return self._send(self._decide(body))

    def settle(self, reservation_id: str, *, input_tokens: Optional[int] = None, output_tokens: Optional[int] = None,
               cache_read_tokens: Optional[int] = None, cache_write_tokens: Optional[int] = None,
               reasoning_tokens: Optional[int] = None, amount: Optional[Amount] = None,
               idempotency_key: Optional[str] = None) -> Reservation:
        """Charges what the call used (token counts priced as at reserve, or ``amount``); the rest goes back."""
        body = _Requests.settle_body(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                                     reasoning_tokens, amount)
        return self._send(self._settle(reservation_id, body, idempotency_key))

    def release(self, reservation_id: str, *, idempotency_key: Optional[str] = None) -> Reservation:
        return self._send(self._release(reservation_id, idempotency_key))

    def charge(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
               output_tokens: Optional[int] = None, cache_read_tokens: Optional[int] = None,
               cache_write_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
               amount: Optional[Amount] = None, reason: Optional[str] = None,
               metadata: Optional[Mapping[str, Any]] = None, idempotency_key: Optional[str] = None) -> Charge:
        """POST /v1/budgets/{id}/charges: books spend that already happened, without a hold (``amount``, or
        ``model`` with token counts, priced from the catalog). Never denied: past a limit it is booked all the same,
        with ``over_limit``. Pass the same ``idempotency_key`` on a retry so it is booked once."""
        body = _Requests.charge_body(model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                                     reasoning_tokens, amount, reason, metadata)
        return self._send(self._charge(budget_id, body, idempotency_key))

    def extend(self, reservation_id: str, ttl_seconds: Optional[int] = None, *,
               max_output_tokens: Optional[int] = None, amount: Optional[Amount] = None,
               idempotency_key: Optional[str] = None) -> Reservation:
        """POST /v1/reservations/{id}/extend: a new expiry ``ttl_seconds`` from now, and/or a held reservation
        resized to hold ``max_output_tokens`` (priced by model) or ``amount`` (by amount). A shrink always succeeds;
        a growth is decided like a reserve of the difference and raises ``BudgetExceeded`` when denied (the hold is
        then as it was)."""
        body = _Requests.extend_body(ttl_seconds, max_output_tokens, amount)
        return self._send(self._extend(reservation_id, body, idempotency_key))

    def get_reservation(self, reservation_id: str) -> Reservation:
        return self._send(self._get_reservation(reservation_id))

    def reservations(self, budget_id: Optional[str] = None, *, status: Optional[str] = None,
                     limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Reservation]:
        """The reservations on a budget and below it, newest first."""
        return self._send(self._reservations(budget_id, status, limit, cursor))

    @contextlib.contextmanager
    def hold(self, budget_id: str, **reserve: Any) -> Iterator["Hold"]:
        """One LLM call inside a hold: reserves now (``reserve``'s arguments), and when the block ends settles it
        (``hold.settle(...)`` inside the block), releases it (the block raised), or charges it in full (the block
        ended without saying what it used: never less than may have been spent). A DENY raises
        :class:`BudgetExceeded` before the block runs."""
        try:
            reservation: Optional[Reservation] = self.reserve(budget_id, **reserve)
        except LedgerUnavailable as unavailable:
            if not self.fail_open:
                raise
            log.warning("budget-ledger unreachable; running unguarded (fail_open): %s", unavailable)
            reservation = None
        hold = Hold(self, reservation)
        try:
            yield hold
        except BaseException:
            if reservation is not None and hold.settlement is None:
                self.release(reservation.id)
            raise
        if reservation is not None and hold.settlement is None:
            hold.settle(amount=reservation.amount)


class Hold:
    """A reservation held for one call: call ``model`` with at most ``max_output_tokens``, then :meth:`settle`.
    ``reservation`` is None when the ledger was unreachable and the client fails open."""

    def __init__(self, ledger: BudgetLedger, reservation: Optional[Reservation]) -> None:
        self.ledger = ledger
        self.reservation = reservation
        self.settlement: Optional[Reservation] = None

    @property
    def model(self) -> Optional[str]:
        return self.reservation.model if self.reservation else None

    @property
    def max_output_tokens(self) -> Optional[int]:
        return self.reservation.max_output_tokens if self.reservation else None

    def settle(self, **usage: Any) -> Optional[Reservation]:
        if self.reservation is not None:
            self.settlement = self.ledger.settle(self.reservation.id, **usage)
        return self.settlement


class AsyncBudgetLedger(_Base):
    """:class:`BudgetLedger` for asyncio: the same operations, awaited."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 10.0,
                 retry: RetryPolicy = RetryPolicy(), fail_open: bool = False,
                 http_client: Optional[httpx.AsyncClient] = None) -> None:
        super().__init__(base_url, api_key, timeout, retry, fail_open)
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncBudgetLedger":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def _send(self, request: _Request[T]) -> T:
        data = request.encoded()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(request.method, self.base_url + request.path, content=data,
                                                    params=request.params, headers=self._headers(request),
                                                    timeout=self.timeout)
            except httpx.TransportError as failure:
                await asyncio.sleep(self._no_answer(request, failure, attempt))
                continue
            done, answer, wait = self._outcome(request, response, attempt)
            if done:
                return cast(T, answer)
            await asyncio.sleep(wait)

    async def create_budget(self, name: str, limit: Amount, *, parent_id: Optional[str] = None,
                            allowed_models: Optional[Sequence[str]] = None,
                            max_hold_output_tokens: Optional[int] = None, idempotency_key: Optional[str] = None,
                            **options: Any) -> Budget:
        return await self._send(_Requests.create_budget(name, limit, parent_id, idempotency_key, options,
                                                        allowed_models, max_hold_output_tokens))

    async def update_budget(self, budget_id: str, *, allowed_models: Optional[Sequence[str]] = UNSET,
                            max_hold_output_tokens: Optional[int] = UNSET, **changes: Any) -> Budget:
        return await self._send(_Requests.update_budget(budget_id, changes, allowed_models, max_hold_output_tokens))

    async def get_budget(self, budget_id: str) -> Budget:
        return await self._send(self._get_budget(budget_id))

    async def children(self, budget_id: str, *, limit: Optional[int] = None,
                       cursor: Optional[str] = None) -> Page[Budget]:
        return await self._send(self._children(budget_id, limit, cursor))

    async def usage(self, budget_id: str, *, from_: Optional[str] = None, to: Optional[str] = None,
                    group_by: str = "day") -> UsageReport:
        return await self._send(self._usage(budget_id, from_, to, group_by))

    async def reconciliation(self) -> Dict[str, Any]:
        return await self._send(self._reconciliation())

    async def reserve(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
                      max_output_tokens: Optional[int] = None, min_output_tokens: Optional[int] = None,
                      amount: Optional[Amount] = None, fallback_models: Optional[Sequence[str]] = None,
                      ttl_seconds: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
                      currency: Optional[str] = None, idempotency_key: Optional[str] = None,
                      subject: Optional[str] = None, run_id: Optional[str] = None) -> Reservation:
        body = _Requests.reserve_body(budget_id, model, input_tokens, max_output_tokens, min_output_tokens, amount,
                                      fallback_models, ttl_seconds, metadata, currency, subject, run_id)
        return await self._send(self._reserve(body, idempotency_key))

    async def decide(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
                     max_output_tokens: Optional[int] = None, min_output_tokens: Optional[int] = None,
                     amount: Optional[Amount] = None, fallback_models: Optional[Sequence[str]] = None,
                     currency: Optional[str] = None, subject: Optional[str] = None,
                     run_id: Optional[str] = None) -> Decision:
        body = _Requests.reserve_body(budget_id, model, input_tokens, max_output_tokens, min_output_tokens, amount,
                                      fallback_models, None, None, currency, subject, run_id)
        return await self._send(self._decide(body))

    async def settle(self, reservation_id: str, *, input_tokens: Optional[int] = None,
                     output_tokens: Optional[int] = None, cache_read_tokens: Optional[int] = None,
                     cache_write_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
                     amount: Optional[Amount] = None, idempotency_key: Optional[str] = None) -> Reservation:
        body = _Requests.settle_body(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                                     reasoning_tokens, amount)
        return await self._send(self._settle(reservation_id, body, idempotency_key))

    async def release(self, reservation_id: str, *, idempotency_key: Optional[str] = None) -> Reservation:
        return await self._send(self._release(reservation_id, idempotency_key))

    async def charge(self, budget_id: str, *, model: Optional[str] = None, input_tokens: Optional[int] = None,
                     output_tokens: Optional[int] = None, cache_read_tokens: Optional[int] = None,
                     cache_write_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
                     amount: Optional[Amount] = None, reason: Optional[str] = None,
                     metadata: Optional[Mapping[str, Any]] = None, idempotency_key: Optional[str] = None) -> Charge:
        body = _Requests.charge_body(model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                                     reasoning_tokens, amount, reason, metadata)
        return await self._send(self._charge(budget_id, body, idempotency_key))

    async def extend(self, reservation_id: str, ttl_seconds: Optional[int] = None, *,
                     max_output_tokens: Optional[int] = None, amount: Optional[Amount] = None,
                     idempotency_key: Optional[str] = None) -> Reservation:
        body = _Requests.extend_body(ttl_seconds, max_output_tokens, amount)
        return await self._send(self._extend(reservation_id, body, idempotency_key))

    async def get_reservation(self, reservation_id: str) -> Reservation:
        return await self._send(self._get_reservation(reservation_id))

    async def reservations(self, budget_id: Optional[str] = None, *, status: Optional[str] = None,
                           limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Reservation]:
        return await self._send(self._reservations(budget_id, status, limit, cursor))

    @contextlib.asynccontextmanager
    async def hold(self, budget_id: str, **reserve: Any) -> AsyncIterator["AsyncHold"]:
        """:meth:`BudgetLedger.hold` for asyncio (``async with``)."""
        try:
            reservation: Optional[Reservation] = await self.reserve(budget_id, **reserve)
        except LedgerUnavailable as unavailable:
            if not self.fail_open:
                raise
            log.warning("budget-ledger unreachable; running unguarded (fail_open): %s", unavailable)
            reservation = None
        hold = AsyncHold(self, reservation)
        try:
            yield hold
        except BaseException:
            if reservation is not None and hold.settlement is None:
                await self.release(reservation.id)
            raise
        if reservation is not None and hold.settlement is None:
            await hold.settle(amount=reservation.amount)


class AsyncHold:
    def __init__(self, ledger: AsyncBudgetLedger, reservation: Optional[Reservation]) -> None:
        self.ledger = ledger
        self.reservation = reservation
        self.settlement: Optional[Reservation] = None

    @property
    def model(self) -> Optional[str]:
        return self.reservation.model if self.reservation else None

    @property
    def max_output_tokens(self) -> Optional[int]:
        return self.reservation.max_output_tokens if self.reservation else None

    async def settle(self, **usage: Any) -> Optional[Reservation]:
        if self.reservation is not None:
            self.settlement = await self.ledger.settle(self.reservation.id, **usage)
        return self.settlement
