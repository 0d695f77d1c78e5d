"""Accounts' staff screens: people and partners, credit lines and the credit
queue, statements and payments."""

from accounts.admin import credit, payments, people, statements

__all__ = ["credit", "payments", "people", "statements"]
