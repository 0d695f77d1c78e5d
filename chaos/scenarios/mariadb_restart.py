"""Crash and restart MariaDB during traffic.

The server is killed with SIGKILL (no clean shutdown: InnoDB's crash
recovery rolls back what was in flight), stays down a few seconds and
starts again. Proves: requests fail cleanly (a JSON error, 503 with
Retry-After, never a traceback), no money is half-written (ledger_verify,
one hold per approval, one entry per capture), and the clients' retries
with their Idempotency-Keys converge to exactly one effect each.
"""

import time

from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic


class MariaDBRestart(Scenario):
    name = "mariadb_restart"
    proves = (
        "a database crash mid-traffic fails requests cleanly, half-writes no "
        "money, and idempotent retries converge to one effect each"
    )

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        cluster, profile = context.cluster, context.profile
        time.sleep(profile.traffic_seconds / 2)
        crashed = time.time()
        recovery = cluster.restart_database(
            down_seconds=profile.database_down_seconds, crash=True
        )
        back = time.time()
        cleared = time.monotonic()
        time.sleep(profile.traffic_seconds / 2)
        hit = [op for op in traffic.ops if op.outcome.failures]
        figures = {
            "database_down_seconds": round(back - crashed, 1),
            "crash_recovery_seconds": round(recovery, 1),
            "requests_that_failed_then_converged": sum(
                1 for op in hit if op.outcome.converged
            ),
        }
        breaches = [] if hit else ["no request noticed the database crash"]
        return Injected(figures, cleared_at=cleared, breaches=breaches)
