"""The portal's cards side: cards, fraud alerts, transactions, disputes."""

from django.urls import path

from portal.views import alerts, cards, reveal, transactions

urlpatterns = [
    path("cards/", cards.card_list, name="portal-cards"),
    path("cards/<uuid:card_id>/", cards.card_detail, name="portal-card-detail"),
    path(
        "cards/<uuid:card_id>/freeze/",
        cards.card_freeze_view,
        name="portal-card-freeze",
    ),
    path(
        "cards/<uuid:card_id>/unfreeze/",
        cards.card_unfreeze_view,
        name="portal-card-unfreeze",
    ),
    path(
        "cards/<uuid:card_id>/activate/",
        cards.card_activate_view,
        name="portal-card-activate",
    ),
    path("cards/<uuid:card_id>/report/", cards.card_report, name="portal-card-report"),
    path(
        "cards/<uuid:card_id>/controls/",
        cards.card_controls,
        name="portal-card-controls",
    ),
    path(
        "cards/<uuid:card_id>/reveal/",
        reveal.card_reveal_view,
        name="portal-card-reveal",
    ),
    path(
        "cards/<uuid:card_id>/reveal/show/",
        reveal.card_revealed,
        name="portal-card-revealed",
    ),
]

urlpatterns += [
    path("alerts/", alerts.alert_list, name="portal-alerts"),
    path(
        "alerts/<uuid:authorization_id>/answer/",
        alerts.alert_answer,
        name="portal-alert-answer",
    ),
    path("transactions/", transactions.transaction_list, name="portal-transactions"),
    path(
        "transactions/<uuid:authorization_id>/",
        transactions.transaction_detail,
        name="portal-transaction-detail",
    ),
    path(
        "captures/<uuid:capture_id>/dispute/",
        transactions.dispute_create,
        name="portal-dispute-create",
    ),
    path("disputes/", transactions.dispute_list, name="portal-disputes"),
    path(
        "disputes/<uuid:dispute_id>/",
        transactions.dispute_detail,
        name="portal-dispute-detail",
    ),
]
