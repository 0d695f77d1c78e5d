"""Credit lines and the credit review queue.

Proposed limit changes wait here for a credit officer, with the account's
score, reasons and history beside them; approving or rejecting (one at a
time or in bulk) records a credit decision through the service.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import (
    CreditAccount,
    CreditDecision,
    CreditLimitChange,
    CreditLimitProposal,
    CreditScore,
    Payment,
    User,
)
from accounts.selectors import credit_account_balance
from accounts.services.billing import days_past_due, delinquency_bucket
from accounts.services.credit_decisions import (
    DECIDE_PERMISSION,
    credit_limit_proposal_decide,
)
from accounts.services.payments import credit_account_payment_post
from issuer.kernel.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    action_form_or_none,
    action_form_page,
    admin_link,
    admin_list_link,
    apply_each,
    html_table,
)
from issuer.kernel.errors import DomainError
from issuer.kernel.fields.forms import CurrencyFormMixin, MoneyField
from issuer.kernel.money import format_money

HISTORY_LENGTH = 12


def _money(amount: int, currency: str) -> str:
    return f"{format_money(amount, currency)} {currency}"


class CreditLimitChangeInline(ReadOnlyInline):
    model = CreditLimitChange
    fields = ("created_at", "previous_limit", "new_limit", "actor", "reason")
    readonly_fields = fields


class CreditScoreInline(ReadOnlyInline):
    model = CreditScore
    fields = ("computed_at", "score", "reasons", "trigger")
    readonly_fields = fields
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditScore]:
        return super().get_queryset(request).order_by("-computed_at")


class CreditDecisionInline(ReadOnlyInline):
    model = CreditDecision
    fk_name = "account"
    fields = (
        "decided_at",
        "outcome",
        "previous_limit",
        "new_limit",
        "officer",
        "reason",
    )
    readonly_fields = fields


class DelinquentFilter(admin.SimpleListFilter):
    title = "delinquency"
    parameter_name = "delinquent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Past due"), ("no", "Current")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "yes":
            return queryset.filter(delinquent_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(delinquent_since__isnull=True)
        return queryset


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "holder",
        "status",
        "limit",
        "available",
        "apr_bps",
        "billing_cycle_day",
        "delinquency",
        "cards",
        "opened_at",
    )
    list_filter = (
        "status",
        DelinquentFilter,
        "autopay",
        "currency",
        "billing_cycle_day",
    )
    search_fields = ("=public_id", "cardholder__last_name", "cardholder__email")
    list_select_related = ("cardholder",)
    date_hierarchy = "opened_at"
    readonly_fields = (
        "public_id",
        "holder",
        "receivable",
        "credit_limit",
        "delinquency",
        "delinquent_since",
        "charged_off_at",
        "cards",
        "billing",
        "opened_at",
    )
    exclude = ("cardholder",)
    inlines = [CreditScoreInline, CreditDecisionInline, CreditLimitChangeInline]
    actions = ["record_payment"]

    def has_record_payment_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.add_payment")

    @admin.action(permissions=["record_payment"], description="Record a payment")
    def record_payment(
        self, request: HttpRequest, queryset: QuerySet[CreditAccount]
    ) -> HttpResponse | None:
        """A payment taken by staff (phone, branch): one account at a time."""
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one account.", messages.ERROR)
            return None
        account = queryset.get()
        form, page = action_form_or_none(
            self,
            request,
            queryset,
            form_class=PaymentForm,
            title="Record a payment",
            form_kwargs={"currency": account.currency},
        )
        if form is None:
            return page
        try:
            payment = credit_account_payment_post(
                account=account,
                amount=form.cleaned_data["amount"],
                idempotency_key=f"payment-admin:{form.cleaned_data['reference']}",
                source=Payment.Source.ADMIN,
                description=f"Payment ({form.cleaned_data['reference']})",
            )
        except DomainError as error:
            problems_by_field = error.fields or {"__all__": [error.message]}
            for field, problems in problems_by_field.items():
                form.add_error(field if field in form.fields else None, problems)
            page = action_form_page(
                self, request, queryset, form=form, title="Record a payment"
            )
            page.status_code = 400
            return page
        self.message_user(
            request,
            f"Recorded {_money(payment.amount, payment.currency)} for {account}.",
            messages.SUCCESS,
        )
        return None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # credit lines open through the API or the demo seed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Cardholder", ordering="cardholder__last_name")
    def holder(self, account: CreditAccount) -> str:
        return admin_link(account.cardholder)

    @admin.display(description="Cards")
    def cards(self, account: CreditAccount) -> str:
        return admin_list_link("cards.card", "cards", account__id__exact=account.pk)

    @admin.display(description="Days past due", ordering="delinquent_since")
    def delinquency(self, account: CreditAccount) -> str:
        days = days_past_due(account=account, as_of=timezone.now().date())
        return f"{days} ({delinquency_bucket(days)})" if days else "current"

    @admin.display(description="Billing")
    def billing(self, account: CreditAccount) -> str:
        return format_html(
            "{} · {}",
            admin_list_link(
                "accounts.statement", "statements", account__id__exact=account.pk
            ),
            admin_list_link(
                "accounts.payment", "payments", account__id__exact=account.pk
            ),
        )

    @admin.display(description="Limit", ordering="credit_limit")
    def limit(self, account: CreditAccount) -> str:
        return _money(account.credit_limit, account.currency)

    @admin.display(description="Available")
    def available(self, account: CreditAccount) -> str:
        balance = credit_account_balance(account=account)
        return _money(balance.available, account.currency)


class DecisionForm(forms.ModelForm):
    """A credit officer's decision on one proposal."""

    decision = forms.ChoiceField(
        choices=[("", "— not yet —"), ("approve", "Approve"), ("reject", "Reject")],
        required=False,
    )
    reason = forms.CharField(required=False, max_length=255)

    class Meta:
        model = CreditLimitProposal
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why.")
        return data


class PaymentForm(CurrencyFormMixin, forms.Form):
    amount = MoneyField(
        min_minor=1, help_text="In major units of the account's currency, e.g. 125.50."
    )
    reference = forms.SlugField(
        max_length=60,
        help_text="The receipt or confirmation number; recording it twice "
        "records one payment.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"size": 60}))


class DirectionFilter(admin.SimpleListFilter):
    title = "direction"
    parameter_name = "direction"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("increase", "Increase"), ("decrease", "Decrease")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "increase":
            return queryset.filter(proposed_limit__gt=F("current_limit"))
        if self.value() == "decrease":
            return queryset.filter(proposed_limit__lt=F("current_limit"))
        return queryset


@admin.register(CreditLimitProposal)
class CreditLimitProposalAdmin(admin.ModelAdmin):
    """The credit review queue."""

    form = DecisionForm
    list_display = (
        "created_at",
        "account_holder",
        "current",
        "proposed",
        "change",
        "score_value",
        "reason_summary",
        "status",
    )
    list_filter = ("status", DirectionFilter)
    search_fields = ("=account__public_id", "account__cardholder__last_name")
    list_select_related = ("account__cardholder", "score")
    date_hierarchy = "created_at"
    ordering = ("status", "created_at", "pk")  # "pending" sorts before the rest
    actions = ["approve_proposals", "reject_proposals"]
    readonly_fields = (
        "account_holder",
        "status",
        "current",
        "proposed",
        "change",
        "score_value",
        "reasons_list",
        "created_at",
        "decision_made",
        "score_history",
        "limit_history",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not request.user.has_perm(DECIDE_PERMISSION):
            return False
        return obj is None or obj.status == CreditLimitProposal.Status.PENDING

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE_PERMISSION)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (
                None,
                {
                    "fields": (
                        ("account_holder", "status", "created_at"),
                        ("current", "proposed", "change"),
                        ("score_value", "reasons_list"),
                        "decision_made",
                    )
                },
            ),
            ("History", {"fields": ("score_history", "limit_history")}),
        ]
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets.insert(1, ("Your decision", {"fields": ("decision", "reason")}))
        return fieldsets

    @admin.display(description="Account")
    def account_holder(self, proposal: CreditLimitProposal) -> str:
        return admin_link(proposal.account, proposal.account.cardholder)

    @admin.display(description="Current limit", ordering="current_limit")
    def current(self, proposal: CreditLimitProposal) -> str:
        return _money(proposal.current_limit, proposal.account.currency)

    @admin.display(description="Proposed limit", ordering="proposed_limit")
    def proposed(self, proposal: CreditLimitProposal) -> str:
        return _money(proposal.proposed_limit, proposal.account.currency)

    @admin.display(description="Change")
    def change(self, proposal: CreditLimitProposal) -> str:
        if not proposal.current_limit:
            return "new limit"
        percent = (
            (proposal.proposed_limit - proposal.current_limit)
            * 100
            / proposal.current_limit
        )
        arrow = "▲" if proposal.is_increase else "▼"
        return f"{arrow} {percent:+.0f} %"

    @admin.display(description="Score", ordering="score__score")
    def score_value(self, proposal: CreditLimitProposal) -> str:
        return str(proposal.score.score) if proposal.score else "—"

    @admin.display(description="Reasons")
    def reason_summary(self, proposal: CreditLimitProposal) -> str:
        return "; ".join(proposal.reasons[:2])

    @admin.display(description="Reasons")
    def reasons_list(self, proposal: CreditLimitProposal) -> str:
        return html_table(("Reason",), [(reason,) for reason in proposal.reasons])

    @admin.display(description="Decision")
    def decision_made(self, proposal: CreditLimitProposal) -> str:
        decision = getattr(proposal, "decision", None)
        if decision is None:
            return "—"
        return format_html(
            "{} by {} on {}: {}",
            decision.get_outcome_display(),
            decision.officer.get_username(),
            timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M"),
            decision.reason,
        )

    @admin.display(description="Score history")
    def score_history(self, proposal: CreditLimitProposal) -> str:
        rows = [
            (
                timezone.localtime(score.computed_at).strftime("%Y-%m-%d"),
                score.score,
                "; ".join(score.reasons),
            )
            for score in proposal.account.scores.all()[:HISTORY_LENGTH]
        ]
        return html_table(("Date", "Score", "Reasons"), rows)

    @admin.display(description="Limit history")
    def limit_history(self, proposal: CreditLimitProposal) -> str:
        currency = proposal.account.currency
        rows = [
            (
                timezone.localtime(change.created_at).strftime("%Y-%m-%d"),
                _money(change.previous_limit, currency),
                _money(change.new_limit, currency),
                change.actor.get_username() if change.actor else "system",
                change.reason,
            )
            for change in proposal.account.limit_changes.select_related("actor")[
                :HISTORY_LENGTH
            ]
        ]
        return html_table(("Date", "From", "To", "By", "Why"), rows)

    def save_model(
        self,
        request: HttpRequest,
        obj: CreditLimitProposal,
        form: forms.Form,
        change: bool,
    ) -> None:
        data = form.cleaned_data
        if not data.get("decision"):
            return
        try:
            credit_limit_proposal_decide(
                proposal=obj,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                officer=_officer(request),
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            request._decision_refused = True  # type: ignore[attr-defined]

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        """Nothing else on a proposal changes here."""

    def response_change(
        self, request: HttpRequest, obj: CreditLimitProposal
    ) -> HttpResponse:
        if getattr(request, "_decision_refused", False):
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"Decided {obj}.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:accounts_creditlimitproposal_changelist")
        )

    def _decide_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[CreditLimitProposal],
        *,
        approve: bool,
        title: str,
    ) -> HttpResponse | None:
        form, page = action_form_or_none(
            self, request, queryset, form_class=ReasonForm, title=title
        )
        if form is None:
            return page
        reason, officer = form.cleaned_data["reason"], _officer(request)
        apply_each(
            self,
            request,
            queryset,
            done_message=f"{title}d {{}} proposal(s).",
            apply=lambda proposal: credit_limit_proposal_decide(
                proposal=proposal, approve=approve, reason=reason, officer=officer
            ),
        )
        return None

    @admin.action(permissions=["decide"], description="Approve the selected proposals")
    def approve_proposals(
        self, request: HttpRequest, queryset: QuerySet[CreditLimitProposal]
    ) -> HttpResponse | None:
        return self._decide_each(request, queryset, approve=True, title="Approve")

    @admin.action(permissions=["decide"], description="Reject the selected proposals")
    def reject_proposals(
        self, request: HttpRequest, queryset: QuerySet[CreditLimitProposal]
    ) -> HttpResponse | None:
        return self._decide_each(request, queryset, approve=False, title="Reject")


def _officer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@admin.register(CreditDecision)
class CreditDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "decided_at",
        "account",
        "outcome",
        "previous_limit",
        "new_limit",
        "officer",
        "reason",
    )
    list_filter = ("outcome", ("officer", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=public_id", "=account__public_id", "reason")
    list_select_related = ("account__cardholder", "officer")
    date_hierarchy = "decided_at"
