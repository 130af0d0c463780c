"""``flask push worker``: deliver notifications until stopped."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from app.push.outbox import EXPANSION_BATCH
from app.push.subject import VapidSubjectError
from app.push.worker import PushWorker

push_cli = AppGroup("push", help="Web push delivery.")


@push_cli.command("worker")
@click.option("--batch-size", default=500, show_default=True, help="Deliveries claimed at once.")
@click.option(
    "--expansion-batch",
    default=EXPANSION_BATCH,
    show_default=True,
    help="Deliveries written per transaction when expanding a message.",
)
@click.option("--concurrency", default=100, show_default=True, help="Requests in flight at once.")
@click.option("--once", is_flag=True, help="Exit when nothing is left to send (for scripts).")
def worker(batch_size: int, expansion_batch: int, concurrency: int, once: bool) -> None:
    """Send pending notifications; SIGTERM finishes the sends in flight, then exits.

    Refuses to start (exit status 1) when ``VAPID_SUBJECT`` is one push services reject.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        runner = PushWorker(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            batch_size=batch_size,
            expansion_batch=expansion_batch,
            concurrency=concurrency,
        )
    except VapidSubjectError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"push worker {runner.owner} started", err=True)
    stats = runner.run(until_idle=once, install_signals=True)
    click.echo(
        f"push worker stopped: sent {stats.sent}, failed {stats.failed}, "
        f"expired {stats.expired}, retried {stats.retried}",
        err=True,
    )
