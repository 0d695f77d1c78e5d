"""The fraud review queue.

The list is the queue (escalated, then by priority and SLA deadline) with
its counts and a "claim next" button. A case's page shows what the
decision rests on (score, model version, explanation, rules fired, the
card's timeline) and lets the analyst holding it add a note, attach other
transactions of the card and decide it. Bulk actions: assign and reopen
(supervisors), escalate and close as legitimate (analysts). Every write is
a service call; a refused one shows its reason and changes nothing.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.models import User
from cards.models import Authorization
from cards.security import pan_display
from fraud.models import ReviewCase
from fraud.review_queue import (
    card_timeline,
    review_case_counts,
    review_case_rule_hits,
)
from fraud.services.cases import (
    ASSIGN_PERMISSION,
    WORK_PERMISSION,
    review_case_assign,
    review_case_claim_next,
    review_case_escalate,
    review_case_note_add,
    review_case_reopen,
    review_case_transactions_attach,
)
from fraud.services.outcomes import review_case_close
from issuer.kernel.admin import action_form_or_none, apply_each, html_table
from issuer.kernel.errors import DomainError, MissingPermission
from issuer.kernel.money import format_money

ATTACHABLE = 20  # the card's latest transactions offered for attaching


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _analysts() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(groups__permissions__codename="work_reviewcase")
            | Q(user_permissions__codename="work_reviewcase")
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


class AssignForm(forms.Form):
    analyst = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = _analysts()  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"size": 60}))


class AuthorizationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M} · "
            f"{format_money(obj.amount, obj.currency)} · "
            f"{obj.merchant_name or obj.merchant_id} · {obj.status}"
        )


class CaseWorkForm(forms.ModelForm):
    """What an analyst may do on a case's page; the case's own fields are read-only."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attach = AuthorizationChoiceField(
        queryset=Authorization.objects.none(),
        required=False,
        label="Attach transactions",
        help_text="Other transactions of this card that belong to the case.",
        widget=forms.CheckboxSelectMultiple,
    )
    outcome = forms.ChoiceField(
        choices=[("", "— not yet —"), *ReviewCase.Outcome.choices], required=False
    )
    outcome_reason = forms.CharField(required=False, max_length=255, label="Reason")

    class Meta:
        model = ReviewCase
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.instance
        if case.pk and "attach" in self.fields:
            recent = list(
                Authorization.objects.filter(card_id=case.card_id)
                .exclude(pk=case.authorization_id)
                .order_by("-created_at")
                .values_list("pk", flat=True)[:ATTACHABLE]
            )
            self.fields["attach"].queryset = Authorization.objects.filter(  # type: ignore[attr-defined]
                pk__in=recent
            ).order_by("-created_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") and not (data.get("outcome_reason") or "").strip():
            self.add_error("outcome_reason", "Say why you decide this outcome.")
        return data


class OverdueFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("due_soon", "Due within an hour")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        now = timezone.now()
        waiting = queryset.exclude(status=ReviewCase.Status.CLOSED)
        if self.value() == "overdue":
            return waiting.filter(sla_due_at__lt=now)
        if self.value() == "due_soon":
            return waiting.filter(
                sla_due_at__gte=now, sla_due_at__lt=now + timedelta(hours=1)
            )
        return queryset


class HolderFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "holder"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "Me"), ("nobody", "Nobody")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


@admin.register(ReviewCase)
class ReviewCaseAdmin(admin.ModelAdmin):
    form = CaseWorkForm
    change_list_template = "admin/fraud/reviewcase/change_list.html"
    list_display = (
        "case_label",
        "priority",
        "sla",
        "status",
        "tier",
        "score_value",
        "card_number",
        "amount",
        "merchant",
        "assigned_to",
        "is_escalated",
        "created_at",
    )
    list_display_links = ("case_label",)
    list_filter = (
        "status",
        OverdueFilter,
        HolderFilter,
        "tier",
        "is_escalated",
        "outcome",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "=public_id",
        "=authorization__public_id",
        "card__last_four",
        "authorization__merchant_name",
        "authorization__merchant_id",
    )
    date_hierarchy = "created_at"
    list_select_related = ("authorization", "card", "score", "assigned_to")
    list_per_page = 50
    ordering = ("-is_escalated", "priority", "sla_due_at", "pk")
    actions = ["assign_cases", "escalate_cases", "close_as_legitimate", "reopen_cases"]
    readonly_fields = (
        "case_label",
        "status",
        "outcome",
        "outcome_reason",
        "priority",
        "sla",
        "is_escalated",
        "assigned_to",
        "created_at",
        "closed_at",
        "transaction",
        "card_link",
        "decision_basis",
        "explanation",
        "rules_fired",
        "attached_transactions",
        "notes_list",
        "timeline",
    )

    # Permissions: the model's view permission shows the queue; working a
    # case needs `work_reviewcase`, assigning and reopening `assign_reviewcase`.

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not request.user.has_perm(WORK_PERMISSION):
            return False
        if obj is None:
            return True
        if obj.status == ReviewCase.Status.CLOSED:
            return False
        return obj.assigned_to_id in (None, request.user.pk) or request.user.has_perm(
            ASSIGN_PERMISSION
        )

    def has_work_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(WORK_PERMISSION)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ASSIGN_PERMISSION)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        workable = obj is not None and self.has_change_permission(request, obj)
        verdict = (
            ("closed_at",) if workable else ("outcome", "outcome_reason", "closed_at")
        )
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (
                None,
                {
                    "fields": (
                        ("case_label", "status", "is_escalated"),
                        ("priority", "sla", "assigned_to"),
                        verdict,
                    )
                },
            ),
            ("Transaction", {"fields": ("transaction", "card_link")}),
            (
                "Why it is here",
                {"fields": ("decision_basis", "explanation", "rules_fired")},
            ),
            ("Work", {"fields": ("attached_transactions", "notes_list")}),
            ("The card's recent timeline", {"fields": ("timeline",)}),
        ]
        if workable:
            fieldsets.insert(
                1,
                (
                    "Your work on it",
                    {"fields": ("note", "attach", "outcome", "outcome_reason")},
                ),
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and self.has_change_permission(request, obj):
            # The decision fields are the form's, not the case's.
            return tuple(
                name
                for name in self.readonly_fields
                if name not in ("outcome", "outcome_reason")
            )
        return self.readonly_fields

    # The list's columns.

    @admin.display(description="Case", ordering="created_at")
    def case_label(self, case: ReviewCase) -> str:
        return str(case.public_id)[:8]

    @admin.display(description="SLA due", ordering="sla_due_at")
    def sla(self, case: ReviewCase) -> str:
        overdue = case.status != ReviewCase.Status.CLOSED and case.sla_due_at < (
            timezone.now()
        )
        stamp = timezone.localtime(case.sla_due_at).strftime("%Y-%m-%d %H:%M")
        if overdue:
            return format_html(
                '<strong style="color:#ba2121">{} overdue</strong>', stamp
            )
        return stamp

    @admin.display(description="Score", ordering="score__score")
    def score_value(self, case: ReviewCase) -> str:
        return f"{case.score.score:.3f}"

    @admin.display(description="Card")
    def card_number(self, case: ReviewCase) -> str:
        return pan_display(case.card.last_four)

    @admin.display(description="Amount", ordering="authorization__amount")
    def amount(self, case: ReviewCase) -> str:
        return format_money(case.authorization.amount, case.authorization.currency)

    @admin.display(description="Merchant")
    def merchant(self, case: ReviewCase) -> str:
        authorization = case.authorization
        return authorization.merchant_name or authorization.merchant_id

    # The case's page.

    @admin.display(description="Transaction")
    def transaction(self, case: ReviewCase) -> str:
        authorization = case.authorization
        url = reverse("admin:cards_authorization_change", args=[authorization.pk])
        return format_html(
            '<a href="{}">{}</a> · {} {} · {} · MCC {} · {} · {} · {}',
            url,
            str(authorization.public_id)[:8],
            authorization.status,
            authorization.response_code,
            format_money(authorization.amount, authorization.currency),
            authorization.mcc,
            authorization.merchant_country,
            authorization.channel,
            timezone.localtime(authorization.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        )

    @admin.display(description="Card")
    def card_link(self, case: ReviewCase) -> str:
        card = case.card
        url = reverse("admin:cards_card_change", args=[card.pk])
        return format_html(
            '<a href="{}">{}</a> · {}{}',
            url,
            pan_display(card.last_four),
            card.get_status_display(),
            " · under fraud review" if card.is_under_fraud_review else "",
        )

    @admin.display(description="Score")
    def decision_basis(self, case: ReviewCase) -> str:
        score = case.score
        version = score.model_version
        url = reverse("admin:fraud_modelversion_change", args=[version.pk])
        return format_html(
            '<strong>{}</strong> ({}) by model <a href="{}">{}</a> ({}, {}) at {}',
            f"{score.score:.3f}",
            score.tier,
            url,
            str(version.public_id)[:8],
            version.kind,
            version.status,
            timezone.localtime(score.scored_at).strftime("%Y-%m-%d %H:%M:%S"),
        )

    @admin.display(description="Explanation (features that pushed the score most)")
    def explanation(self, case: ReviewCase) -> str:
        rows = [
            (item["feature"], f"{item['value']:g}", f"{item['contribution']:+.3f}")
            for item in case.score.explanation
        ]
        return html_table(("Feature", "Value", "Contribution"), rows)

    @admin.display(description="Rules fired")
    def rules_fired(self, case: ReviewCase) -> str:
        rows = [
            (
                hit.rule.name,
                "shadow" if hit.is_shadow else hit.rule.get_action_display(),
                ", ".join(
                    f"{name} = {value:g}" for name, value in hit.features.items()
                ),
            )
            for hit in review_case_rule_hits(case=case)
        ]
        return html_table(("Rule", "Action", "Values"), rows)

    @admin.display(description="Attached transactions")
    def attached_transactions(self, case: ReviewCase) -> str:
        rows = [
            (
                str(authorization.public_id)[:8],
                timezone.localtime(authorization.created_at).strftime("%Y-%m-%d %H:%M"),
                format_money(authorization.amount, authorization.currency),
                authorization.merchant_name or authorization.merchant_id,
            )
            for authorization in case.related_authorizations.order_by("created_at")
        ]
        return html_table(("Transaction", "At", "Amount", "Merchant"), rows)

    @admin.display(description="Notes")
    def notes_list(self, case: ReviewCase) -> str:
        rows = [
            (
                timezone.localtime(note.created_at).strftime("%Y-%m-%d %H:%M"),
                note.author.get_username(),
                note.body,
            )
            for note in case.notes.select_related("author")
        ]
        return html_table(("At", "By", "Note"), rows)

    @admin.display(description="Timeline")
    def timeline(self, case: ReviewCase) -> str:
        rows = [
            (
                timezone.localtime(item.at).strftime("%Y-%m-%d %H:%M:%S"),
                item.kind,
                format_money(item.authorization.amount, item.authorization.currency)
                if item.authorization
                else "",
                item.text,
                "◀ this case"
                if item.authorization and item.authorization.pk == case.authorization_id
                else "",
            )
            for item in card_timeline(card_id=case.card_id)
        ]
        return html_table(("At", "What", "Amount", "Detail", ""), rows)

    # Working a case from its page.

    def save_model(
        self, request: HttpRequest, obj: ReviewCase, form: forms.Form, change: bool
    ) -> None:
        data = form.cleaned_data
        staff = _staff(request)
        steps: list[Callable[[], object]] = []
        if data.get("note", "").strip():
            steps.append(
                lambda: review_case_note_add(case=obj, body=data["note"], author=staff)
            )
        if data.get("attach"):
            steps.append(
                lambda: review_case_transactions_attach(
                    case=obj, authorizations=list(data["attach"]), actor=staff
                )
            )
        if data.get("outcome"):
            steps.append(
                lambda: review_case_close(
                    case=obj,
                    outcome=data["outcome"],
                    reason=data["outcome_reason"],
                    analyst=staff,
                )
            )
        for step in steps:
            try:
                step()
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                request._case_refused = True  # type: ignore[attr-defined]
                return

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        """The case's relations change only through the services above."""

    def response_change(self, request: HttpRequest, obj: ReviewCase) -> HttpResponse:
        if getattr(request, "_case_refused", False):
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"Saved your work on {obj}.", messages.SUCCESS)
        obj.refresh_from_db()
        if obj.status == ReviewCase.Status.CLOSED:
            return HttpResponseRedirect(reverse("admin:fraud_reviewcase_changelist"))
        return HttpResponseRedirect(request.path)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_change(request, obj, message or "Worked the case.")

    # The queue page: counts and "claim next".

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            "queue_counts": review_case_counts(),
            "can_claim": self.has_work_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "claim-next/",
                self.admin_site.admin_view(self.claim_next_view),
                name="fraud_reviewcase_claim_next",
            ),
            *super().get_urls(),
        ]

    def claim_next_view(self, request: HttpRequest) -> HttpResponseBase:
        return require_POST(self._claim_next)(request)

    def _claim_next(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_work_permission(request):
            raise MissingPermission(WORK_PERMISSION, "You may not claim review cases.")
        try:
            case = review_case_claim_next(analyst=_staff(request))
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            case = None
        else:
            if case is None:
                self.message_user(request, "The queue is empty.", messages.INFO)
        if case is None:
            return HttpResponseRedirect(reverse("admin:fraud_reviewcase_changelist"))
        self.log_change(request, case, "Claimed from the queue.")
        return HttpResponseRedirect(
            reverse("admin:fraud_reviewcase_change", args=[case.pk])
        )

    # Bulk actions.

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[ReviewCase],
        verb: str,
        apply: Callable[[ReviewCase], object],
    ) -> None:
        apply_each(
            self,
            request,
            queryset,
            done_message="{} case(s) " + verb + ".",
            apply=apply,
        )

    @admin.action(permissions=["assign"], description="Assign to an analyst")
    def assign_cases(
        self, request: HttpRequest, queryset: QuerySet[ReviewCase]
    ) -> HttpResponse | None:
        form, page = action_form_or_none(
            self, request, queryset, form_class=AssignForm, title="Assign to an analyst"
        )
        if form is None:
            return page
        analyst = form.cleaned_data["analyst"]
        self._each(
            request,
            queryset,
            f"assigned to {analyst.get_username()}",
            lambda case: review_case_assign(
                case=case, analyst=analyst, actor=_staff(request)
            ),
        )
        return None

    def _with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[ReviewCase],
        *,
        title: str,
        verb: str,
        apply: Callable[[ReviewCase, str, User], object],
    ) -> HttpResponse | None:
        """Ask once for a reason, then apply the service to each selected case."""
        form, page = action_form_or_none(
            self, request, queryset, form_class=ReasonForm, title=title
        )
        if form is None:
            return page
        reason, staff = form.cleaned_data["reason"], _staff(request)
        self._each(request, queryset, verb, lambda case: apply(case, reason, staff))
        return None

    @admin.action(permissions=["work"], description="Escalate to a supervisor")
    def escalate_cases(
        self, request: HttpRequest, queryset: QuerySet[ReviewCase]
    ) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            title="Escalate",
            verb="escalated",
            apply=lambda case, reason, staff: review_case_escalate(
                case=case, reason=reason, actor=staff
            ),
        )

    @admin.action(permissions=["work"], description="Close as legitimate")
    def close_as_legitimate(
        self, request: HttpRequest, queryset: QuerySet[ReviewCase]
    ) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            title="Close as legitimate",
            verb="closed as legitimate",
            apply=lambda case, reason, staff: review_case_close(
                case=case,
                outcome=ReviewCase.Outcome.LEGITIMATE,
                reason=reason,
                analyst=staff,
            ),
        )

    @admin.action(permissions=["assign"], description="Reopen")
    def reopen_cases(
        self, request: HttpRequest, queryset: QuerySet[ReviewCase]
    ) -> HttpResponse | None:
        return self._with_reason(
            request,
            queryset,
            title="Reopen",
            verb="reopened",
            apply=lambda case, reason, staff: review_case_reopen(
                case=case, reason=reason, actor=staff
            ),
        )
