"""Staff dashboards: live traffic, queue health, model performance and
business impact, drawn with Chart.js in the admin's look.

Its own app (label `dashboards`) so its model, permission and migrations
stay apart from fraud's core; it only reads fraud's and cards' tables.
"""
