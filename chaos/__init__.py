"""The fault suite: the product on its own disposable services, broken on purpose.

`python -m chaos` (or `make chaos`) starts a private MariaDB (own data
directory, port and socket under var/chaos/), a private Redis, gunicorn,
two Celery worker nodes and beat, all in process groups it owns, and runs
each scenario against them: start traffic, inject a fault, recover, verify.
Every scenario ends with `ledger_verify` and exactly-once checks. Nothing
here connects to, stops or restarts the shared development services.

Modules: `processes` (the services and how they are started and killed),
`cluster` (the whole stack and its environment), `client` (the partner API
over HTTP with idempotent retries), `traffic` (concurrent clients),
`checks` (the invariants), `scenarios/` (one module per fault), `hold`
(the workers' hook that holds a task mid-flight so it can be killed there).
"""
