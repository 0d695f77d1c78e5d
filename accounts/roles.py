"""Staff roles and what each may do: the permission matrix, in one place.

Cardholder and partner are identities, not staff roles. Each role is a
Django group; `roles_sync` makes the groups match this matrix and is run by
data migrations whenever an app adds models or permissions.

Who may change whose access (accounts/services/staff.py enforces it):
- nobody changes their own roles, permissions or staff, active and
  superuser flags, superusers included;
- holders of `accounts.grant_staff_roles` (program admins and access
  administrators) give and take away the roles in ROLES_GRANTABLE_BY_STAFF,
  to and from others only; program admin and access administrator are
  granted by a superuser only;
- holders of `accounts.reset_staff_credentials` (access administrators)
  reset another staff member's password or second factor;
- a non-superuser acts on another staff member only when every role that
  member holds is one they could have granted (never a superuser, never a
  peer or a higher role);
and every such change lands in the audit trail.
"""

from typing import Any

SUPPORT_AGENT = "Support agent"
FRAUD_ANALYST = "Fraud analyst"
FRAUD_SUPERVISOR = "Fraud supervisor"
CREDIT_OFFICER = "Credit officer"
PROGRAM_ADMIN = "Program admin"
ACCESS_ADMIN = "Access administrator"

STAFF_ROLES = (
    SUPPORT_AGENT,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    CREDIT_OFFICER,
    PROGRAM_ADMIN,
    ACCESS_ADMIN,
)

# The roles staff with `accounts.grant_staff_roles` may give or take away;
# the two roles that manage staff only a superuser grants.
ROLES_GRANTABLE_BY_STAFF = (
    SUPPORT_AGENT,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    CREDIT_OFFICER,
)

# "app_label.codename" per role. Permissions whose models do not exist yet
# are skipped and picked up by the migration that adds them.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Helps cardholders: looks them up (cards masked), freezes, replaces;
    # reads and downloads their statements; records payments; submits their
    # disputes to the network or withdraws them on request; gives them a
    # one-time code to create their portal login.
    SUPPORT_AGENT: (
        "accounts.view_cardholder",
        "accounts.issue_activation_code",
        "accounts.view_creditaccount",
        "accounts.view_statement",
        "cards.view_card",
        "cards.freeze_card",
        "cards.replace_card",
        "cards.view_authorization",
        "cards.view_capture",
        "cards.view_refund",
        "accounts.view_payment",
        "accounts.add_payment",
        "cards.view_dispute",
        "cards.submit_dispute",
        # Partners call about missed webhooks: see the log, send again.
        "webhooks.view_webhookendpoint",
        "webhooks.view_webhookdelivery",
        "webhooks.replay_webhookdelivery",
    ),
    # Works fraud cases from the queue; reads rules and their hits.
    FRAUD_ANALYST: (
        "accounts.view_cardholder",
        "cards.view_card",
        "cards.view_authorization",
        "fraud.view_reviewcase",
        "fraud.work_reviewcase",
        "fraud.view_rule",
        "fraud.view_rulehit",
        "dashboards.view_dashboards",
    ),
    # An analyst who also assigns and reopens cases, manages rules, models
    # and batch scoring, and may freeze a card and lift security blocks and
    # bank or fraud freezes (with a note); reads disputes (fraud disputes
    # label the history) and the audit trail.
    FRAUD_SUPERVISOR: (
        "accounts.view_cardholder",
        "cards.view_card",
        "cards.view_authorization",
        "cards.freeze_card",
        "cards.lift_card_block",
        "cards.view_dispute",
        "fraud.view_reviewcase",
        "fraud.work_reviewcase",
        "fraud.assign_reviewcase",
        "fraud.view_rule",
        "fraud.add_rule",
        "fraud.change_rule",
        "fraud.view_rulehit",
        "fraud.view_historicaltransaction",
        "fraud.view_batchscoringjob",
        "fraud.add_batchscoringjob",
        "fraud.view_modelversion",
        "fraud.activate_modelversion",
        "dashboards.view_dashboards",
        "dashboards.view_impactassumptions",
        "dashboards.change_impactassumptions",
        "kernel.view_auditevent",
    ),
    # Decides credit limits from the credit review queue; reads statements;
    # returns payments; records the network's decision on disputes (it moves
    # the cardholder's balance).
    CREDIT_OFFICER: (
        "accounts.view_cardholder",
        "accounts.view_creditaccount",
        "accounts.view_statement",
        "accounts.view_creditscore",
        "accounts.view_creditlimitproposal",
        "accounts.view_creditdecision",
        "accounts.decide_creditlimit",
        "accounts.view_payment",
        "accounts.add_payment",
        "accounts.return_payment",
        "cards.view_dispute",
        "cards.resolve_dispute",
    ),
    # Runs the program: BINs, products, velocity rules, partners, staff
    # (adds them and gives them the lower roles; lifts lockouts), partners'
    # webhook endpoints; reads the audit trail. Resets no one's password or
    # second factor (the access administrator does).
    PROGRAM_ADMIN: (
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.grant_staff_roles",
        "accounts.view_partner",
        "accounts.add_partner",
        "accounts.change_partner",
        "accounts.view_partnerapikey",
        "accounts.add_partnerapikey",
        "accounts.change_partnerapikey",
        "cards.view_bin",
        "cards.add_bin",
        "cards.change_bin",
        "cards.view_cardproduct",
        "cards.add_cardproduct",
        "cards.change_cardproduct",
        "cards.view_velocityrule",
        "cards.add_velocityrule",
        "cards.change_velocityrule",
        "ledger.view_ledgeraccount",
        "ledger.view_journalentry",
        "ledger.view_posting",
        "ledger.view_ledgerhold",
        "auth.view_group",
        "dashboards.view_dashboards",
        "dashboards.view_impactassumptions",
        "dashboards.change_impactassumptions",
        "kernel.view_auditevent",
        # Sees who has a second factor; lifts a login lockout.
        "otp_totp.view_totpdevice",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        # Partners' webhook endpoints: the log, replays, enabling a disabled one.
        "webhooks.view_webhookendpoint",
        "webhooks.add_webhookendpoint",
        "webhooks.change_webhookendpoint",
        "webhooks.enable_webhookendpoint",
        "webhooks.view_webhookdelivery",
        "webhooks.replay_webhookdelivery",
        # Programs' real-time authorization decision endpoints.
        "webhooks.view_authorizationdecisionendpoint",
        "webhooks.add_authorizationdecisionendpoint",
        "webhooks.change_authorizationdecisionendpoint",
        "webhooks.delete_authorizationdecisionendpoint",
    ),
    # Manages staff access: gives and takes away the lower roles, resets a
    # staff member's password or second factor (they enrol again), lifts
    # lockouts; reads the audit trail. Runs nothing of the program.
    ACCESS_ADMIN: (
        "accounts.view_user",
        "accounts.change_user",
        "accounts.grant_staff_roles",
        "accounts.reset_staff_credentials",
        "auth.view_group",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "kernel.view_auditevent",
    ),
}


def roles_sync(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and grant exactly the matrix's permissions.

    Takes a (historical) app registry so data migrations can call it.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in STAFF_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [name.split(".", 1) for name in ROLE_PERMISSIONS[role]]
        permissions = [
            permission
            for app_label, codename in wanted
            for permission in Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        ]
        group.permissions.set(permissions)


def roles_migration_noop(apps: Any, schema_editor: Any) -> None:
    """Reverse of `roles_sync`: groups stay; later migrations re-sync."""


def roles_matrix_markdown() -> str:
    """The permission matrix as a Markdown table (docs/staff-roles.md shows it)."""
    codes = sorted({code for role in STAFF_ROLES for code in ROLE_PERMISSIONS[role]})
    lines = [
        "| Permission | " + " | ".join(STAFF_ROLES) + " |",
        "|---|" + "---|" * len(STAFF_ROLES),
    ]
    for code in codes:
        marks = ["✓" if code in ROLE_PERMISSIONS[role] else "" for role in STAFF_ROLES]
        lines.append(f"| `{code}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"
