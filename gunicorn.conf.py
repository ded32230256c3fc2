"""gunicorn settings read from the project root: `gunicorn 'screening:create_app()'`."""

# The access log must never hold a patient's link token (screening/gunicorn_logging.py).
logger_class = "screening.gunicorn_logging.RedactingLogger"
