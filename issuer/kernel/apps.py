from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "issuer.kernel"
    label = "kernel"
    verbose_name = "Kernel"

    def ready(self) -> None:
        from issuer.kernel.audit_signals import audit_signals_connect

        audit_signals_connect()
