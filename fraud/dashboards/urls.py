"""Staff dashboards under /staff/dashboards/, each behind the admin site's
login (`admin_view`) and the `dashboards.view_dashboards` permission."""

from django.contrib import admin
from django.urls import path

from fraud.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", admin.site.admin_view(views.overview_page), name="overview"),
    path("data/", admin.site.admin_view(views.overview_data), name="overview-data"),
    path("models/", admin.site.admin_view(views.models_page), name="models"),
    path("models/data/", admin.site.admin_view(views.models_data), name="models-data"),
    path("impact/", admin.site.admin_view(views.impact_page), name="impact"),
    path("impact/data/", admin.site.admin_view(views.impact_data), name="impact-data"),
]
