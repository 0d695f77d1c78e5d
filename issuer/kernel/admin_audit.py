"""The admin's audit: every state-changing admin request becomes an event.

Two parts, both installed by the admin site (`issuer/admin_site.py`), so no
app's `admin.py` has to remember anything:

- `audited_admin_view` wraps every admin view. A POST runs in one
  transaction with its audit event, so a change and its record commit
  together or not at all; a view that raises is rolled back and recorded as
  failed (or denied). A response sent as an attachment is a data export.
- `AuditedModelAdminMixin` is mixed into every registered ModelAdmin. It
  hooks the documented ModelAdmin methods (`save_model`, `save_related`,
  `log_*`, `message_user`) to note, for the request's event, the objects
  touched and the old and new value of each changed field, read from the
  database before and after the save (so it also sees what a service
  changed), and the messages shown to the user.

User and group changes that touch access (staff/superuser/active flags,
groups, permissions) also get their own `permission_change` event.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin, helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from issuer.kernel.audit import audit_record
from issuer.kernel.models import AuditEvent

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome

_CONTEXT_ATTRIBUTE = "_admin_audit"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Site views whose POSTs are audited elsewhere (sign-in signals).
_UNAUDITED_VIEWS = frozenset({"login", "logout"})
_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)


def _access_fields() -> dict[type[models.Model], frozenset[str]]:
    """Fields of a user or group whose change is a permission change."""
    return {
        get_user_model(): frozenset(
            {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"}
        ),
        Group: frozenset({"permissions"}),
    }


@dataclass
class ObjectChange:
    """One object the request added, changed or deleted, and how."""

    model: type[models.Model]
    pk: str
    repr: str
    change: str  # "added", "changed" or "deleted"
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {
            "type": self.model._meta.label_lower,
            "id": self.pk,
            "repr": self.repr,
            "change": self.change,
        }
        if self.fields:
            details["fields"] = self.fields
        return details


@dataclass
class AdminAuditContext:
    """What the ModelAdmin hooks saw during one admin request."""

    objects: dict[tuple[str, str], ObjectChange] = field(default_factory=dict)
    messages: list[tuple[int, str]] = field(default_factory=list)

    def object_for(self, obj: models.Model, change: str) -> ObjectChange:
        key = (obj._meta.label_lower, str(obj.pk))
        if key not in self.objects:
            self.objects[key] = ObjectChange(
                model=type(obj), pk=str(obj.pk), repr=str(obj), change=change
            )
        noted = self.objects[key]
        noted.repr = str(obj)
        if change == "added" or noted.change != "added":
            noted.change = change
        return noted

    def fields_changed(
        self,
        obj: models.Model,
        before: dict[str, Any],
        after: dict[str, Any],
        *,
        added: bool,
    ) -> None:
        """Note each field whose stored value differs (on an add: each set one)."""
        noted = self.object_for(obj, "added" if added else "changed")
        for name, new in after.items():
            old = before.get(name)
            if added and new in (None, "", []):
                continue
            if old != new:
                noted.fields[name] = {"old": old, "new": new}


def admin_audit_context(request: HttpRequest) -> AdminAuditContext | None:
    return getattr(request, _CONTEXT_ATTRIBUTE, None)


def _label(obj: models.Model) -> str:
    if isinstance(obj, Permission):
        return f"{obj.content_type.app_label}.{obj.codename}"
    return str(obj)


def _field_values(obj: models.Model) -> dict[str, Any]:
    """The stored value of each concrete field (FKs as ids), from the database."""
    if obj.pk is None:
        return {}
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    row = (
        type(obj)
        ._base_manager.filter(pk=obj.pk)
        .values(*(f.attname for f in fields))
        .first()
    )
    if row is None:
        return {}
    return {f.name: row[f.attname] for f in fields}


def _many_to_many_values(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    values = {}
    for name in names:
        related = getattr(obj, name).all()
        if related.model is Permission:
            related = related.select_related("content_type")
        values[name] = sorted(_label(item) for item in related)
    return values


class AuditedModelAdminMixin:
    """Notes, for the request's audit event, what a ModelAdmin changed.

    Mixed in front of every ModelAdmin the site registers; each hook calls
    the admin's own method and only observes.
    """

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: Any, change: bool
    ) -> None:
        context = admin_audit_context(request)
        before = _field_values(obj) if context is not None and change else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        if context is not None:
            context.fields_changed(obj, before, _field_values(obj), added=not change)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        context = admin_audit_context(request)
        obj = form.instance
        names = [f.name for f in obj._meta.many_to_many if f.name in form.fields]
        before = (
            _many_to_many_values(obj, names) if context is not None and change else {}
        )
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        if context is not None and names:
            after = _many_to_many_values(obj, names)
            context.fields_changed(obj, before, after, added=not change)

    def log_addition(
        self, request: HttpRequest, obj: models.Model, message: Any
    ) -> Any:
        context = admin_audit_context(request)
        if context is not None:
            context.object_for(obj, "added")
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        context = admin_audit_context(request)
        if context is not None:
            context.object_for(obj, "changed")
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        context = admin_audit_context(request)
        if context is not None:
            for obj in queryset:
                context.object_for(obj, "deleted")
        return super().log_deletions(request, queryset)  # type: ignore[misc]

    def message_user(
        self,
        request: HttpRequest,
        message: Any,
        level: int = messages.INFO,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        context = admin_audit_context(request)
        if context is not None:
            context.messages.append((level, str(message)))
        super().message_user(request, message, level, *args, **kwargs)  # type: ignore[misc]


def audited_model_admin(admin_class: type[ModelAdmin]) -> type[ModelAdmin]:
    """Return `admin_class` with the auditing hooks in front of its own."""
    if issubclass(admin_class, AuditedModelAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (AuditedModelAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
    )


def audited_admin_view(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Wrap an admin view so that what it does lands in the audit trail."""
    owner = getattr(view, "__self__", None)
    model_admin = owner if isinstance(owner, ModelAdmin) else None

    @wraps(view)
    def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        if request.method in _SAFE_METHODS or url_name in _UNAUDITED_VIEWS:
            response = view(request, *args, **kwargs)
            if _attachment_name(response) is not None:
                _record_export(request, response, model_admin, url_name or "", kwargs)
            return response
        context = AdminAuditContext()
        setattr(request, _CONTEXT_ATTRIBUTE, context)
        request_event = _RequestEvent(request, model_admin, url_name or "", kwargs)
        returned = False
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                returned = True
                request_event.record(context, response=response)
        except Exception as error:
            if not returned:
                request_event.record(context, error=error)
            raise
        finally:
            delattr(request, _CONTEXT_ATTRIBUTE)
        return response

    return audited


def _attachment_name(response: HttpResponseBase) -> str | None:
    disposition = response.headers.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        return None
    match = _FILENAME.search(disposition)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class _Target:
    type: str = ""
    id: str = ""
    repr: str = ""


def _target_from_kwargs(
    model_admin: ModelAdmin | None, kwargs: dict[str, Any]
) -> _Target:
    """The model of the view and the object its URL names: `object_id`, `pk`
    or `id`, else the one argument or the one named `..._id`."""
    if model_admin is None:
        return _Target()
    named = [kwargs[name] for name in ("object_id", "pk", "id") if name in kwargs]
    ids = named or [value for name, value in kwargs.items() if name.endswith("_id")]
    if not ids and len(kwargs) == 1:
        ids = list(kwargs.values())
    return _Target(
        type=model_admin.opts.label_lower, id=str(ids[0]) if len(ids) == 1 else ""
    )


def _record_export(
    request: HttpRequest,
    response: HttpResponseBase,
    model_admin: ModelAdmin | None,
    url_name: str,
    kwargs: dict[str, Any],
) -> None:
    target = _target_from_kwargs(model_admin, kwargs)
    audit_record(
        action=Action.DATA_EXPORT,
        request=request,
        target_type=target.type,
        target_id=target.id,
        details={
            "view": url_name,
            "filename": _attachment_name(response),
            "content_type": response.headers.get("Content-Type", ""),
        },
    )


class _RequestEvent:
    """Describe one audited admin POST and write its event(s)."""

    def __init__(
        self,
        request: HttpRequest,
        model_admin: ModelAdmin | None,
        url_name: str,
        kwargs: dict[str, Any],
    ) -> None:
        self.request = request
        self.model_admin = model_admin
        self.url_name = url_name
        self.kwargs = kwargs
        self.admin_action = self._chosen_admin_action()

    def record(
        self,
        context: AdminAuditContext,
        *,
        response: HttpResponseBase | None = None,
        error: BaseException | None = None,
    ) -> None:
        if response is not None and self._is_confirmation_page(response):
            return
        action = self._action(response)
        details = self._details(context, response, error)
        outcome = self._outcome(action, context, response, error)
        target = self._target(context)
        audit_record(
            action=action,
            outcome=outcome,
            request=self.request,
            target_type=target.type,
            target_id=target.id,
            target_repr=target.repr,
            details=details,
        )
        if outcome == Outcome.SUCCEEDED:
            self._record_permission_changes(context)

    def _chosen_admin_action(self) -> str:
        """The changelist action the user picked (as ModelAdmin reads it)."""
        chosen = self.request.POST.getlist("action")
        try:
            index = int(self.request.POST.get("index", 0))
        except ValueError:
            index = 0
        return chosen[index] if 0 <= index < len(chosen) else ""

    def _info(self) -> str:
        assert self.model_admin is not None
        return f"{self.model_admin.opts.app_label}_{self.model_admin.opts.model_name}"

    def _action(self, response: HttpResponseBase | None) -> AuditEvent.Action:
        if response is not None and _attachment_name(response) is not None:
            return Action.DATA_EXPORT
        if self.model_admin is None:
            if self.url_name == "password_change":
                return Action.PASSWORD_CHANGE
            return Action.ADMIN_ACTION
        info = self._info()
        by_view = {
            f"{info}_add": Action.ADMIN_ADD,
            f"{info}_change": Action.ADMIN_CHANGE,
            f"{info}_delete": Action.ADMIN_DELETE,
        }
        if self.url_name in by_view:
            return by_view[self.url_name]
        if self.url_name.endswith("password_change"):
            return Action.PASSWORD_CHANGE  # UserAdmin's "auth_user_password_change"
        if self.url_name == f"{info}_changelist":
            if self.admin_action == "delete_selected":
                return Action.ADMIN_DELETE
            if not self.admin_action and "_save" in self.request.POST:
                return Action.ADMIN_CHANGE  # list_editable
        return Action.ADMIN_ACTION

    def _is_confirmation_page(self, response: HttpResponseBase) -> bool:
        """The first step of "delete selected" only asks to confirm."""
        return (
            self.admin_action == "delete_selected"
            and "post" not in self.request.POST
            and response.status_code == 200
        )

    def _outcome(
        self,
        action: AuditEvent.Action,
        context: AdminAuditContext,
        response: HttpResponseBase | None,
        error: BaseException | None,
    ) -> AuditEvent.Outcome:
        if isinstance(error, PermissionDenied):
            return Outcome.DENIED
        if error is not None or response is None:
            return Outcome.FAILED
        if response.status_code == 403:
            return Outcome.DENIED
        if response.status_code >= 400:
            return Outcome.FAILED
        form_views = {
            Action.ADMIN_ADD,
            Action.ADMIN_CHANGE,
            Action.ADMIN_DELETE,
            Action.PASSWORD_CHANGE,
        }
        if response.status_code == 200 and action in form_views:
            return Outcome.FAILED  # the form came back with errors
        levels = [level for level, _ in context.messages]
        if levels and min(levels) >= messages.WARNING:
            return Outcome.FAILED  # the admin only warned or refused
        return Outcome.SUCCEEDED

    def _target(self, context: AdminAuditContext) -> _Target:
        if len(context.objects) == 1:
            (noted,) = context.objects.values()
            return _Target(
                type=noted.model._meta.label_lower, id=noted.pk, repr=noted.repr
            )
        target = _target_from_kwargs(self.model_admin, self.kwargs)
        selected = self.request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if self.admin_action and len(selected) == 1:
            return _Target(type=target.type, id=selected[0])
        return target

    def _details(
        self,
        context: AdminAuditContext,
        response: HttpResponseBase | None,
        error: BaseException | None,
    ) -> dict[str, Any]:
        details: dict[str, Any] = {"view": self.url_name}
        if self.admin_action:
            details["admin_action"] = self.admin_action
            details["selected"] = self.request.POST.getlist(
                helpers.ACTION_CHECKBOX_NAME
            )
            details["select_across"] = self.request.POST.get("select_across") == "1"
        if context.objects:
            # A request that raised was rolled back: its changes never happened.
            key = "objects" if error is None else "attempted"
            details[key] = [o.as_details() for o in context.objects.values()]
        if context.messages:
            details["messages"] = [message for _, message in context.messages]
        if response is not None:
            details["status"] = response.status_code
            errors = _form_errors(response)
            if errors:
                details["errors"] = errors
            filename = _attachment_name(response)
            if filename is not None:
                details["filename"] = filename
        if error is not None:
            details["error"] = type(error).__name__
        return details

    def _record_permission_changes(self, context: AdminAuditContext) -> None:
        access_fields = _access_fields()
        for noted in context.objects.values():
            watched = access_fields.get(noted.model, frozenset())
            changed = {
                name: value
                for name, value in noted.fields.items()
                if name in watched
                # A new user or group: only the access it starts with.
                and not (
                    noted.change == "added"
                    and (name == "is_active" or not value["new"])
                )
            }
            if not changed:
                continue
            audit_record(
                action=Action.PERMISSION_CHANGE,
                request=self.request,
                target_type=noted.model._meta.label_lower,
                target_id=noted.pk,
                target_repr=noted.repr,
                details={
                    "view": self.url_name,
                    "before": {name: value["old"] for name, value in changed.items()},
                    "after": {name: value["new"] for name, value in changed.items()},
                },
            )


def _form_errors(response: HttpResponseBase) -> list[str]:
    """The form errors an admin page was re-rendered with, as "field: message"."""
    context = getattr(response, "context_data", None) or {}
    form = context.get("adminform") or context.get("form")
    form = getattr(form, "form", form)
    errors = getattr(form, "errors", None) or {}
    return [
        f"{name}: {message}" if name != "__all__" else str(message)
        for name, field_errors in errors.items()
        for message in field_errors
    ]
