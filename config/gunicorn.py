"""gunicorn's settings for the directory: ``gunicorn -c config/gunicorn.py config.wsgi``
(add --workers and --bind). The master loads the app and builds the directory index before
it forks the workers, which share its memory (providers/directory/shared.py)."""

preload_app = True


def when_ready(server):
    """The master listens and has loaded the app; no worker is forked yet."""
    from providers.directory import shared

    shared.build_before_workers(server)
