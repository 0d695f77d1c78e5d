from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "issuer.kernel"
    label = "kernel"
    verbose_name = "Kernel"
