"""gunicorn settings of an app server (deploy/survey-web@.service: ``gunicorn --config deploy/gunicorn.conf.py``).

nginx (deploy/nginx-survey.conf) buffers whole requests and answers before they reach a worker, so the plain sync
workers are never held by a slow phone; each serves one request at a time.
"""

import os

# Two workers per core (bench/load.py measured 4 on 2 cores); WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "sync"
# The longest request the app serves in the request itself is an upload of MAX_UPLOAD_MB (a registry of 20,000
# organizations); big exports go to the worker. nginx's proxy_read_timeout is 5 s longer, so that gunicorn's
# timeout, logged with its request, is the one that fires.
timeout = 120
graceful_timeout = 30  # on restart, requests under way get this long to finish (the unit's TimeoutStopSec is 35)
max_requests = 20000  # recycle workers now and then, spread out
max_requests_jitter = 2000
accesslog = None  # nginx keeps the access log
errorlog = "-"  # to the journal
# No control socket (gunicornc): instances on one machine would share $HOME/.gunicorn/gunicorn.ctl, and the unit
# gives the service no home to write in (ProtectHome). Restarts and reloads go through systemctl.
control_socket_disable = True
