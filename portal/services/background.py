"""Work that must not hold a request: RQ on Redis when REDIS_URL is set, a thread in this process otherwise.

`submit(task, job_id, queue)` runs `task(job_id)` after the request has committed the job's row. A task is
a module-level function (RQ imports it by name) that loads its job by id and records its own outcome.
"""
import threading
from collections.abc import Callable

from flask import Flask, current_app


def submit(task: Callable[[int], None], job_id: int, queue: str) -> None:
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(task, job_id, job_timeout=900)
    else:
        threading.Thread(target=_run_in_app, args=(app, task, job_id), daemon=True,
                         name=f"{queue}-job-{job_id}").start()


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
