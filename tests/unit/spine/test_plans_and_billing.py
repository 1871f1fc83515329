"""Plan changes, Stripe subscription updates and payment failures as the ledger folds them; the
billing processor's subscriptions; Stripe events translated; the peak of concurrent runs."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from projections.usage_queries import peak_concurrency
from streams.catalogue import new_event
from streams.events import SimulationRequested
from streams.events.examples import EXAMPLES
from streams.ledger import TenantLedger, decide, evolve
from streams.plans import limits_for
from streams.processors.billing import BillingProcessor
from streams.stripe_inbound import translate


def tenant(plan: str = "free", **overrides: Any) -> TenantLedger:
    return evolve(TenantLedger("t"), new_event("tenant.created", "t", "t", {
        "name": "T", "plan": plan, "overrides": overrides}))


def answer(state: TenantLedger, iterations: int = 100) -> dict[str, Any]:
    requested = SimulationRequested.model_validate({
        **EXAMPLES[SimulationRequested.type], "simulation_id": f"s{iterations}",
        "iterations": iterations, "backend": "numpy"}).event("t", "t")
    return decide(state, requested)[1].data


def test_a_plan_change_changes_the_limits_the_ledger_applies() -> None:
    state = tenant("free")
    assert answer(state, 5000)["refusal"]["limit"] == "iterations_per_simulation"
    state = evolve(state, new_event("tenant.plan_changed", "t", "t", {
        "plan": "basic", "overrides": {"iterations_per_simulation": 6000}}))
    assert "refusal" not in answer(state, 5000)
    assert answer(state, 7000)["refusal"]["value"] == 6000


def test_stripe_updates_apply_only_to_the_current_subscription() -> None:
    state = evolve(tenant("basic"), new_event("billing.subscription_created", "t", "t", {
        "subscription_id": "sub_now", "plan": "basic", "customer_id": "cus_t"}))

    def update(sub: str, status: str, plan: str | None = "pro") -> TenantLedger:
        return evolve(state, new_event("billing.subscription_updated", "t", "t", {
            "subscription_id": sub, "status": status, "plan": plan,
            "stripe_event_id": "evt"}))

    assert update("sub_now", "active").plan == "pro"
    assert update("sub_old", "active").plan == "basic"  # stale: about another subscription
    assert update("sub_now", "past_due").plan == "basic"  # still ours while Stripe retries
    assert update("sub_now", "canceled").plan == "free"
    assert update("sub_now", "active", "platinum").plan == "basic"  # unknown plan ignored


def test_a_failed_payment_suspends_until_an_invoice_is_paid() -> None:
    invoice = {"stripe_event_id": "evt", "invoice_id": "in_1", "amount_cents": 4900,
               "currency": "usd"}
    state = evolve(tenant("pro"), new_event("billing.payment_failed", "t", "t", invoice))
    refused = answer(state)
    assert refused["refusal"]["limit"] == "account_suspended"
    assert refused["reason"] == "the account is suspended: a payment failed"
    state = evolve(state, new_event("billing.invoice_paid", "t", "t", invoice))
    assert "refusal" not in answer(state)


def test_overrides_must_be_known_limits_of_the_right_kind() -> None:
    assert limits_for("free", {"concurrent_simulations": None}).concurrent_simulations is None
    for bad, needle in (({"cpus": 1}, "unknown limit"), ({"gpu": 1}, "true or false"),
                        ({"file_size_bytes": -1}, "whole number"),
                        ({"concurrent_simulations": True}, "whole number"),
                        ({"iterations_per_simulation": "many"}, "whole number")):
        with pytest.raises(ValueError, match=needle):
            limits_for("free", bad)


class FakeStripe:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def ensure_customer(self, tenant_id: str, name: str) -> str:
        return f"cus_{tenant_id}"

    def report_usage(self, customer_id: str, event_id: str, meters: Any) -> list[str]:
        return []

    def subscribe(self, customer_id: str, tenant_id: str, plan: str, monthly_cents: int,
                  request_id: str) -> str:
        self.calls.append(("subscribe", plan, str(monthly_cents)))
        return f"sub_{len(self.calls)}"

    def cancel(self, subscription_id: str, request_id: str) -> None:
        self.calls.append(("cancel", subscription_id))


async def test_billing_subscribes_paid_plans_and_cancels_on_change() -> None:
    stripe = FakeStripe()
    billing = BillingProcessor(stripe, stripe)

    def change(plan: str, previous: str) -> Any:
        return new_event("tenant.plan_changed", "t", "t", {"plan": plan,
                                                            "previous_plan": previous})

    to_pro = change("pro", "free")
    made = await billing.handle(to_pro)
    assert [e.type for e in made] == ["billing.subscription_created"]
    assert made[0].causation_id == to_pro.id
    assert await billing.handle(to_pro) == []  # redelivered: nothing twice
    assert await billing.handle(change("pro", "pro")) == []  # only overrides changed
    to_basic = await billing.handle(change("basic", "pro"))
    assert to_basic[0].data["replaces"] == made[0].data["subscription_id"]
    to_free = await billing.handle(change("free", "basic"))
    assert [e.type for e in to_free] == ["billing.subscription_cancelled"]
    assert stripe.calls == [("subscribe", "pro", "19900"), ("cancel", "sub_1"),
                            ("subscribe", "basic", "4900"), ("cancel", "sub_3")]


async def test_a_tenant_created_on_a_paid_plan_is_subscribed_with_its_customer() -> None:
    stripe = FakeStripe()
    billing = BillingProcessor(stripe, stripe)
    created = new_event("tenant.created", "t", "t", {"name": "T", "plan": "basic"})
    made = await billing.handle(created)
    assert [e.type for e in made] == ["billing.customer_created",
                                      "billing.subscription_created"]
    assert made[1].data["customer_id"] == "cus_t" and stripe.calls == [
        ("subscribe", "basic", "4900")]
    ended = new_event("billing.subscription_updated", "t", "t", {
        "subscription_id": made[1].data["subscription_id"], "status": "canceled",
        "stripe_event_id": "evt"})
    billing.fold(ended)  # Stripe ended it: a later change has nothing to cancel
    await billing.handle(new_event("tenant.plan_changed", "t", "t", {
        "plan": "pro", "previous_plan": "free"}))
    assert stripe.calls[-1] == ("subscribe", "pro", "19900") and len(stripe.calls) == 2


def test_stripe_events_translate_to_billing_events() -> None:
    sub = translate({"id": "evt_1", "type": "customer.subscription.deleted", "data": {
        "object": {"id": "sub_1", "status": "active", "customer": "cus_1",
                   "metadata": {"riskstream_tenant_id": "t", "riskstream_plan": "pro"}}}})
    assert sub is not None and sub.body.type == "billing.subscription_updated"
    assert sub.body.to_data() == {"stripe_event_id": "evt_1", "subscription_id": "sub_1",
                        "status": "canceled", "plan": "pro"}
    assert (sub.tenant_id, sub.customer_id) == ("t", "cus_1")
    paid = translate({"id": "evt_2", "type": "invoice.paid", "data": {"object": {
        "id": "in_1", "customer": "cus_1", "amount_paid": 4900, "currency": "eur"}}})
    assert paid is not None and paid.body.type == "billing.invoice_paid" and paid.tenant_id is None
    assert paid.body.amount_cents == 4900 and paid.body.currency == "eur"
    assert translate({"id": "evt_3", "type": "charge.refunded", "data": {"object": {}}}) is None


def test_peak_concurrency_counts_overlaps_within_the_window() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    runs = [(at(0), at(10)), (at(5), at(15)), (at(10), at(20)), (at(12), None)]
    assert peak_concurrency(runs, at(0), at(60)) == 3  # 5..10 → 2; at 12: runs 2, 3 and 4
    assert peak_concurrency(runs, at(16), at(60)) == 2  # run 3 and the open run 4
    assert peak_concurrency(runs, at(30), at(60)) == 1
    assert peak_concurrency([(at(0), at(10)), (at(10), at(20))], at(0), at(60)) == 1
    assert peak_concurrency([], at(0), at(1)) == 0
