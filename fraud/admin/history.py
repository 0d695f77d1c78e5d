"""Imported and live history, as fraud detection sees it (read-only)."""

from django.contrib import admin
from django.http import HttpRequest

from fraud.models import (
    HistoricalTransaction,
)


@admin.register(HistoricalTransaction)
class HistoricalTransactionAdmin(admin.ModelAdmin):
    list_display = (
        "transaction_id",
        "timestamp",
        "card_ref",
        "merchant_ref",
        "amount_minor",
        "currency",
        "channel",
        "is_fraud",
        "label_time",
        "source",
    )
    list_filter = ("source", "is_fraud", "channel")
    search_fields = ("transaction_id", "card_ref", "merchant_ref")
    date_hierarchy = "timestamp"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
