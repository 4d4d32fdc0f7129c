"""Gunicorn settings, read from the working directory by every gunicorn start (make run,
the image, docker-compose). Only what keeps health data out of the access log lives here;
bind, workers and trusted proxies are on the command lines.

The default access log line holds the raw request line (``%(r)s``: the query string, e.g.
``?search=<surname>``) and the referrer (the query string of the page before). This one
logs the method, the path without its query (``%(U)s``), the status, the size and the time.
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
