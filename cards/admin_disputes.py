"""Disputes in the staff admin: the list with its deadlines, and the steps.

Support agents submit filed disputes to the network and withdraw them at the
cardholder's request; credit officers record the network's decision (won or
lost), which posts to the cardholder's balance. Each step calls its service;
the service checks the permission again. Cards show as `•••• 1234`.
"""

from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import User
from cards.models import Dispute
from cards.security import pan_display
from cards.services.disputes import (
    NOTE_MAX_LENGTH,
    RESOLVE_PERMISSION,
    SUBMIT_PERMISSION,
    dispute_resolve,
    dispute_submit,
    dispute_withdraw,
)
from issuer.kernel.admin import (
    ReadOnlyAdmin,
    action_form_or_none,
    admin_link,
    apply_each,
)
from issuer.kernel.errors import MissingPermission
from issuer.kernel.money import format_money


class NoteForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the dispute: what the network or cardholder said.",
    )


class OverdueFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> QuerySet[Dispute]:
        if self.value() == "yes":
            return queryset.overdue(now=timezone.now())  # type: ignore[attr-defined]
        return queryset


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _deadline(dispute: Dispute, which: str) -> str:
    moment = getattr(dispute, f"{which}_due_at")
    shown = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if dispute.overdue_deadline(now=timezone.now()) == which:
        return format_html(
            '<strong class="dispute-overdue" style="color: #ba2121">'
            "{} (overdue)</strong>",
            shown,
        )
    return shown


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "filed_at",
        "status",
        "reason",
        "amount_display",
        "card",
        "cardholder",
        "submission_deadline",
        "decision_deadline",
    )
    list_filter = ("status", "reason", OverdueFilter, "currency", "filed_at")
    search_fields = (
        "public_id",
        "capture__public_id",
        "capture__card__last_four",
        "capture__authorization__merchant_name",
        "account__cardholder__last_name",
    )
    date_hierarchy = "filed_at"
    list_select_related = ("capture__card", "account__cardholder")
    fields = (
        "public_id",
        "status",
        "reason",
        "amount_display",
        "card",
        "cardholder",
        "capture_link",
        "description",
        "evidence_link",
        "filed_at",
        "filed_by",
        "submission_deadline",
        "decision_deadline",
        "submitted_at",
        "submitted_by",
        "provisional_credit",
        "resolution",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    )
    readonly_fields = fields
    actions = ["submit_disputes", "mark_won", "mark_lost", "withdraw_disputes"]

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, dispute: Dispute) -> str:
        return f"{format_money(dispute.amount, dispute.currency)} {dispute.currency}"

    @admin.display(description="Card")
    def card(self, dispute: Dispute) -> str:
        return pan_display(dispute.capture.card.last_four)

    @admin.display(description="Cardholder", ordering="account__cardholder__last_name")
    def cardholder(self, dispute: Dispute) -> str:
        return admin_link(dispute.account, dispute.account.cardholder)

    @admin.display(description="Transaction")
    def capture_link(self, dispute: Dispute) -> str:
        return admin_link(dispute.capture, dispute.capture.public_id)

    @admin.display(description="Submit by", ordering="submission_due_at")
    def submission_deadline(self, dispute: Dispute) -> str:
        return _deadline(dispute, "submission")

    @admin.display(description="Decide by", ordering="decision_due_at")
    def decision_deadline(self, dispute: Dispute) -> str:
        return _deadline(dispute, "decision")

    @admin.display(description="Evidence")
    def evidence_link(self, dispute: Dispute) -> str:
        if not dispute.evidence:
            return "—"
        url = reverse("admin:cards_dispute_evidence", args=[dispute.pk])
        return format_html('<a href="{}">{}</a>', url, dispute.evidence_name)

    @admin.display(description="Provisional credit")
    def provisional_credit(self, dispute: Dispute) -> str:
        entry = dispute.provisional_credit_entry
        return f"{entry.kind} {entry.public_id}"

    @admin.display(description="Resolution entry")
    def resolution(self, dispute: Dispute) -> str:
        entry = dispute.resolution_entry
        return "—" if entry is None else f"{entry.kind} {entry.public_id}"

    def get_urls(self) -> list[URLPattern]:
        evidence = path(
            "<int:dispute_pk>/evidence/",
            self.admin_site.admin_view(self.evidence_view),
            name="cards_dispute_evidence",
        )
        return [evidence, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, dispute_pk: int) -> FileResponse:
        """Download a dispute's evidence file (staff who may view the dispute)."""
        dispute = get_object_or_404(Dispute, pk=dispute_pk)
        if not self.has_view_permission(request, dispute):
            raise MissingPermission(
                "cards.view_dispute", "You may not download dispute evidence."
            )
        if not dispute.evidence:
            raise Http404("This dispute has no evidence file.")
        name = dispute.evidence_name or PurePath(dispute.evidence.name).name
        return FileResponse(
            dispute.evidence.open("rb"), as_attachment=True, filename=name
        )

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SUBMIT_PERMISSION)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RESOLVE_PERMISSION)

    @admin.action(permissions=["submit"], description="Submit to the network")
    def submit_disputes(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> None:
        apply_each(
            self,
            request,
            queryset,
            done_message="{} dispute(s) submitted.",
            apply=lambda dispute: dispute_submit(
                dispute=dispute, staff_user=_staff(request)
            ),
        )

    @admin.action(permissions=["resolve"], description="Mark won (keep the credit)")
    def mark_won(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> HttpResponse | None:
        return self._resolve(request, queryset, Dispute.Status.WON, "Mark won")

    @admin.action(permissions=["resolve"], description="Mark lost (reverse the credit)")
    def mark_lost(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> HttpResponse | None:
        return self._resolve(request, queryset, Dispute.Status.LOST, "Mark lost")

    @admin.action(
        permissions=["submit"], description="Withdraw (the cardholder's request)"
    )
    def withdraw_disputes(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> HttpResponse | None:
        form, page = action_form_or_none(
            self, request, queryset, form_class=NoteForm, title="Withdraw"
        )
        if form is None:
            return page
        note = form.cleaned_data["note"]
        apply_each(
            self,
            request,
            queryset,
            done_message="{} dispute(s) withdrawn.",
            apply=lambda dispute: dispute_withdraw(
                dispute=dispute, note=note, staff_user=_staff(request)
            ),
        )
        return None

    def _resolve(
        self,
        request: HttpRequest,
        queryset: QuerySet[Dispute],
        outcome: str,
        title: str,
    ) -> HttpResponse | None:
        form, page = action_form_or_none(
            self, request, queryset, form_class=NoteForm, title=title
        )
        if form is None:
            return page
        note = form.cleaned_data["note"]
        apply_each(
            self,
            request,
            queryset,
            done_message="{} dispute(s) " + f"marked {outcome}.",
            apply=lambda dispute: dispute_resolve(
                dispute=dispute, outcome=outcome, note=note, staff_user=_staff(request)
            ),
        )
        return None
