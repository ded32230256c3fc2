"""gunicorn settings read from the project root: `gunicorn 'screening:create_app()'`."""

# The access log must never hold a patient's link token (screening/gunicorn_logging.py).
logger_class = "screening.gunicorn_logging.RedactingLogger"


def post_worker_init(worker) -> None:
    """Refuse several workers that would each keep their own rate limits in memory: each would
    allow the whole limit again (README, Production server). Raised before the worker has
    booted, this stops gunicorn itself, with the message in its log."""
    app = worker.wsgi
    if "limiter" not in getattr(app, "extensions", {}):
        return  # not Preclear's app (the bench's baseline): no rate limits to share
    problem = memory_limits_problem(worker.cfg.workers, app.config)
    if problem:
        raise RuntimeError(problem)


def memory_limits_problem(workers: int, config) -> str | None:
    """Why ``workers`` processes cannot share the app's rate limits, or ``None``: the limits
    are on and kept in ``memory://``, which is each process's own."""
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if workers > 1 and config.get("RATELIMIT_ENABLED", True) and storage.startswith("memory://"):
        return (
            f"{workers} workers with RATELIMIT_STORAGE_URI = memory:// would each count the "
            'rate limits on their own: set it to Redis ("redis://127.0.0.1:6379/0") in '
            "instance/config.py, or run one worker"
        )
    return None
