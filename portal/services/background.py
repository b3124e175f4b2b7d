"""Work that must not hold a request: RQ on Redis when REDIS_URL is set, a thread in this process otherwise.

`submit(task, job_id, queue)` runs `task(job_id)` after the request has committed the job's row. A task is
a module-level function (RQ imports it by name) that loads its job by id and records its own outcome. With
Redis down, the job runs in a thread instead. A thread dies with its worker (a restart, a kill): such a job
stays in its running state ("berjalan" for letters, "memeriksa"/"menerapkan" for imports, "menyiapkan" for a
verivali period), and after JOB_TIMEOUT it counts as failed (`abandoned`) so that it can be tried again.
"""
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import update

from portal.extensions import db
from portal.models.types import utcnow

log = logging.getLogger(__name__)


# Longest a job may run (RQ's job_timeout). A job still "berjalan" after this died with its worker.
JOB_TIMEOUT = timedelta(minutes=15)


def submit(task: Callable[[int], None], job_id: int, queue: str) -> None:
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        from redis import Redis, RedisError
        from rq import Queue

        try:
            Queue(queue, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
                task, job_id, job_timeout=int(JOB_TIMEOUT.total_seconds()))
            return
        except RedisError as error:  # the job row is committed: run it here rather than leave it waiting
            log.warning("Redis unavailable (%s): %s job %s runs in this process", error, queue, job_id)
    threading.Thread(target=_run_in_app, args=(app, task, job_id), daemon=True,
                     name=f"{queue}-job-{job_id}").start()


def abandoned(status: str, since: datetime, now: datetime, running: Collection[str] = ("berjalan",)) -> bool:
    """A job still in one of its `running` states long after any run could have ended (`since`: when it
    started running): its worker was killed or restarted."""
    return status in running and now - since > JOB_TIMEOUT


def fail_abandoned(model, rows: Iterable, stopped: Mapping[str, str], since: Callable) -> None:
    """Fail the `rows` of `model` still in a running state (a key of `stopped`, whose value is the message shown)
    past JOB_TIMEOUT since `since(row)`: their worker died. The UPDATE is conditional on the state seen, so a job
    finishing at this very moment keeps its own outcome; each row is refreshed to show what is stored."""
    now = utcnow()
    for row in rows:
        if not abandoned(row.status, since(row), now, stopped):
            continue
        settled = db.session.execute(
            update(model).where(model.id == row.id, model.status == row.status)
            .values(status="gagal", progress=100, message=stopped[row.status])
            .execution_options(synchronize_session=False)).rowcount
        if settled:
            log.warning("%s %s was %s past %s: its worker died; failed", model.__tablename__, row.id, row.status,
                        JOB_TIMEOUT)
        db.session.refresh(row)


def _run_in_app(app: Flask, task: Callable[[int], None], job_id: int) -> None:
    with app.app_context():
        task(job_id)


def with_app(task: Callable[[int], None], job_id: int) -> bool:
    """In an RQ worker there is no app yet: run `task` inside one and say so (the caller returns)."""
    try:
        current_app._get_current_object()
    except RuntimeError:
        from wsgi import app

        with app.app_context():
            task(job_id)
        return True
    return False
