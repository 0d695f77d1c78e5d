"""Accounts' staff screens: people and partners, credit lines and the credit queue."""

from accounts.admin import credit, payments, people

__all__ = ["credit", "payments", "people"]
