"""Gunicorn settings, read from the working directory by every gunicorn start (make run,
the image, docker-compose). Only what keeps health data out of the access log lives here;
bind, workers and trusted proxies are on the command lines.

The default access log line holds the raw request line (``%(r)s``: the query string, e.g.
``?search=<surname>``) and the referrer (the query string of the page before). This one
logs the method, the path without its query (``%(U)s``), the status, the size and the time.
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def post_worker_init(worker) -> None:
    """Once a worker has loaded the application, move every object it holds (Django, the
    URL conf, the apps: hundreds of thousands, all kept for the worker's life) out of the
    garbage collector's reach (`gc.freeze`). The collector then scans only what requests
    allocate: a request that builds many rows (a year of the timeline, a dashboard page)
    no longer pays full collections that walk the whole application every few requests
    (docs/benchmarks.md: ~28% of a year-long timeline's CPU in-process, ~15% of the default
    one). Frozen objects are never collected, which changes nothing for objects that live as
    long as the worker."""
    import gc

    gc.collect()
    gc.freeze()
