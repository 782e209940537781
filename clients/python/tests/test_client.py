"""The typed client against the real service: every operation a program needs, typed errors, retries that reuse
the Idempotency-Key, timeouts, and the hold() helper."""

from __future__ import annotations

import socket
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from budget_ledger import (AsyncBudgetLedger, BudgetExceeded, BudgetLedger, Conflict, InvalidRequest,
                           LedgerUnavailable, NotFound, RetryPolicy)


def test_budgets_reservations_and_usage_round_trip(ledger: BudgetLedger) -> None:
    parent = ledger.create_budget(f"team-{uuid.uuid4().hex[:6]}", "10.00")
    child = ledger.create_budget("workflow", Decimal("2.50"), parent_id=parent.id, metadata={"team": "py"})
    assert child.parent_id == parent.id and child.limit == Decimal("2.50") and child.metadata == {"team": "py"}
    assert [b.id for b in ledger.children(parent.id).items] == [child.id]

    dry = ledger.decide(child.id, model="gpt-4o", input_tokens=1200, max_output_tokens=800)
    assert dry.allowed and dry.amount == Decimal("0.011")
    assert ledger.get_budget(child.id).reserved == 0, "a dry run holds nothing"

    hold = ledger.reserve(child.id, model="gpt-4o", input_tokens=1200, max_output_tokens=800, ttl_seconds=120)
    assert hold.status == "HELD" and hold.amount == Decimal("0.011") and hold.available == Decimal("2.489")
    extended = ledger.extend(hold.id, 600)
    assert extended.expires_at > hold.expires_at
    settled = ledger.settle(hold.id, input_tokens=1000, output_tokens=300, cache_read_tokens=200,
                            reasoning_tokens=10)
    # 1000 x 2.50 + 200 x 1.25 + (300 + 10) x 10.00, per million
    assert settled.status == "SETTLED" and settled.charged == Decimal("0.00585")
    assert settled.raw["settledCacheReadTokens"] == 200 and settled.raw["settledReasoningTokens"] == 10

    other = ledger.reserve(child.id, amount="0.50")
    released = ledger.release(other.id)
    assert released.status == "RELEASED" and released.released == Decimal("0.50")

    report = ledger.usage(parent.id, group_by="model")
    assert report.spent == Decimal("0.00585") and report.total.calls_allowed == 2
    assert {group.key for group in report.groups} == {"gpt-4o", "unpriced"}
    assert ledger.get_budget(parent.id).spent == Decimal("0.00585")


def test_errors_are_typed_and_carry_the_problem(ledger: BudgetLedger, budget) -> None:
    with pytest.raises(NotFound) as missing:
        ledger.get_budget(str(uuid.uuid4()))
    assert missing.value.status == 404 and missing.value.code == "BUDGET_NOT_FOUND" and missing.value.request_id

    with pytest.raises(InvalidRequest) as invalid:
        ledger.reserve(budget.id, model="gpt-4o", input_tokens=-1, max_output_tokens=10)
    assert invalid.value.code == "VALIDATION_FAILED" and invalid.value.errors[0]["field"] == "inputTokens"

    with pytest.raises(BudgetExceeded) as denied:
        ledger.reserve(budget.id, amount="7.25")
    assert denied.value.reason == "INSUFFICIENT_FUNDS" and denied.value.remaining == Decimal("5.00")
    assert denied.value.requested == Decimal("7.25") and denied.value.limiting_budget_id == budget.id

    hold = ledger.reserve(budget.id, amount="1")
    ledger.release(hold.id)
    with pytest.raises(Conflict) as conflict:
        ledger.settle(hold.id, amount="1")
    assert conflict.value.code == "RESERVATION_RELEASED"

    with pytest.raises(TypeError):
        ledger.reserve(budget.id, amount=0.1)  # type: ignore[arg-type] - floats are not money


class _DropFirstAnswer:
    """A proxy in front of the service that forwards the first POST but answers it with a dropped connection, as if
    the answer was lost on the way back: the service did the work, the client did not hear of it."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.keys = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, proxy.target + self.path, headers=headers, content=body)
                if self.command == "POST":
                    proxy.keys.append(self.headers.get("Idempotency-Key"))
                    if len(proxy.keys) == 1:
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                self.send_response(answer.status_code)
                for name in ("Content-Type", "Idempotent-Replayed"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)
                proxy.replayed = answer.headers.get("Idempotent-Replayed")

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def test_a_retry_after_a_lost_answer_reuses_the_idempotency_key(service_url, admin_key, ledger, budget) -> None:
    proxy = _DropFirstAnswer(service_url)
    try:
        client = BudgetLedger(proxy.url, admin_key, retry=RetryPolicy(attempts=3, backoff=0.05))
        hold = client.reserve(budget.id, amount="0.25")
    finally:
        proxy.server.shutdown()
    assert len(proxy.keys) == 2 and proxy.keys[0] == proxy.keys[1], "the retry sent the same key"
    assert proxy.replayed == "true", "the second answer is the stored one"
    after = ledger.get_budget(budget.id)
    assert after.held_count == 1 and after.reserved == Decimal("0.25"), "held once, not twice"
    ledger.release(hold.id)


def test_an_unreachable_ledger_raises_ledger_unavailable_after_the_retries(budget) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = BudgetLedger(f"http://127.0.0.1:{port}", "bl_live_x", retry=RetryPolicy(attempts=2, backoff=0.01))
    with pytest.raises(LedgerUnavailable) as unavailable:
        client.reserve(budget.id, amount="1")
    assert unavailable.value.status == 0 and "2 attempt(s)" in str(unavailable.value)


def test_a_ledger_that_does_not_answer_times_out(budget) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        client = BudgetLedger(f"http://127.0.0.1:{silent.getsockname()[1]}", "bl_live_x", timeout=0.3,
                              retry=RetryPolicy(attempts=2, backoff=0.01))
        with pytest.raises(LedgerUnavailable) as unavailable:
            client.get_budget(budget.id)
        assert "ReadTimeout" in str(unavailable.value)
    finally:
        silent.close()


def test_hold_settles_releases_or_charges_the_worst_case(ledger: BudgetLedger, budget) -> None:
    with ledger.hold(budget.id, model="gpt-4o-mini", input_tokens=1000, max_output_tokens=1000) as hold:
        assert hold.model == "gpt-4o-mini" and hold.max_output_tokens == 1000
        hold.settle(input_tokens=1000, output_tokens=100)
    assert hold.settlement.charged == Decimal("0.00021")

    with pytest.raises(RuntimeError):
        with ledger.hold(budget.id, amount="0.30") as failed:
            raise RuntimeError("the LLM call failed")
    assert ledger.get_reservation(failed.reservation.id).status == "RELEASED"

    with ledger.hold(budget.id, amount="0.40") as silent:
        pass
    assert silent.settlement.charged == Decimal("0.40"), "never less than may have been spent"


def test_hold_fails_open_only_when_asked(budget) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    closed = BudgetLedger(url, "bl_live_x", retry=RetryPolicy(attempts=1))
    with pytest.raises(LedgerUnavailable):
        with closed.hold(budget.id, amount="1"):
            pytest.fail("the block must not run when the ledger is unreachable")
    opened = BudgetLedger(url, "bl_live_x", retry=RetryPolicy(attempts=1), fail_open=True)
    with opened.hold(budget.id, amount="1") as hold:
        assert hold.reservation is None
        assert hold.settle(amount="1") is None


async def test_the_async_client_does_the_same(service_url: str, admin_key: str, budget) -> None:
    async with AsyncBudgetLedger(service_url, admin_key) as client:
        hold = await client.reserve(budget.id, model="claude-haiku-4-5", input_tokens=1000, max_output_tokens=200)
        assert hold.amount == Decimal("0.00225")  # input held at the cache-write price, the worst case
        settled = await client.settle(hold.id, input_tokens=800, output_tokens=100, cache_read_tokens=200,
                                      cache_write_tokens=100)
        # 800 x 1.00 + 200 x 0.10 + 100 x 1.25 + 100 x 5.00, per million
        assert settled.charged == Decimal("0.001445")
        with pytest.raises(BudgetExceeded):
            await client.reserve(budget.id, amount="6")
        async with client.hold(budget.id, amount="0.10") as held:
            await held.settle(amount="0.05")
        assert (await client.get_budget(budget.id)).spent == Decimal("0.051445")
