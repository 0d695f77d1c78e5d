from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "fraud.dashboards"
    label = "dashboards"
    verbose_name = "Dashboard settings"
