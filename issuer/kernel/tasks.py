"""Kernel tasks."""

import socket

from celery import shared_task


@shared_task(name="kernel.ping", queue="default", soft_time_limit=5, time_limit=10)
def ping() -> str:
    """Answer from the worker that ran it (a liveness probe for the task path)."""
    return f"pong from {socket.gethostname()}"
