"""Stop the broker for a while during live authorizations.

Proves: authorizations keep approving with Redis down (they decide from the
database alone and publish through the outbox), no request fails, and the
events written meanwhile are relayed by the outbox sweeper and consumed once
Redis is back.
"""

import time

from chaos import checks
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic
from issuer.kernel.models import OutboxEvent


class RedisOutage(Scenario):
    name = "redis_outage"
    proves = (
        "with Redis stopped, authorizations keep approving and every event "
        "written meanwhile is delivered once it returns"
    )

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        cluster, profile = context.cluster, context.profile
        assert cluster.redis is not None
        time.sleep(profile.traffic_seconds / 2)
        stopped = time.time()
        cluster.redis.stop()
        time.sleep(profile.redis_outage_seconds)
        waiting = OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
        cluster.redis.start_server()
        back = time.time()
        cleared = time.monotonic()
        time.sleep(profile.traffic_seconds / 2)
        during = traffic.within(stopped, back)
        failed = [op for op in during if op.outcome.failures]
        approvals = sum(
            1
            for op in during
            if op.kind == "authorize"
            and op.outcome.status == 201
            and op.outcome.body["status"] == "approved"
        )
        breaches = (
            [
                f"{len(failed)} request(s) failed while Redis was down: "
                f"{checks.failure_counts_of(failed)}"
            ]
            if failed
            else []
        )
        if not approvals:
            breaches.append("no authorization was approved while Redis was down")
        figures = {
            "outage_seconds": round(back - stopped, 1),
            "requests_during_outage": len(during),
            "approvals_during_outage": approvals,
            "failed_requests_during_outage": len(failed),
            "events_waiting_when_redis_returned": waiting,
            "sweep_seconds": cluster.tuning.sweep_seconds,
        }
        return Injected(figures, cleared_at=cleared, breaches=breaches)
