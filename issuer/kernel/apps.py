from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "issuer.kernel"
    label = "kernel"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from issuer.kernel.audit_signals import audit_signals_connect
        from issuer.kernel.db_router import replica_sessions_read_only

        audit_signals_connect()
        connection_created.connect(replica_sessions_read_only)
