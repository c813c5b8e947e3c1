from celery import shared_task

from .runs import ranking_run_compute


@shared_task(acks_late=True)
def ranking_run_task(run_id):
    # A run is computed once: delivered twice (a worker lost mid-run, a retry), the second call finds it done.
    ranking_run_compute(run_id=run_id)
