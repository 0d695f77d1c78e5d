"""Accounts' staff screens: people and partners, credit lines and the credit queue."""

from accounts.admin import credit, people, statements

__all__ = ["credit", "people", "statements"]
