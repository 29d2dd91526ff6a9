"""Prometheus metrics: `/metrics` in the web process, a port of its own in a Celery worker.

* Requests, latency, responses by status, database queries: django-prometheus
  (`django_http_*`, `django_db_*`; its middleware pair is in MIDDLEWARE and production
  swaps in its PostgreSQL backend).
* Celery tasks: `crm_celery_tasks_total{task,state}` (SUCCESS, FAILURE, RETRY, ...),
  `crm_celery_task_failures_total{task,exception}` and the histogram
  `crm_celery_task_runtime_seconds{task}`, counted from Celery's signals where the task
  runs. A worker started with `CELERY_METRICS_PORT` serves them on that port
  (`worker_ready`); with the prefork pool, set `PROMETHEUS_MULTIPROC_DIR` (one empty
  directory per worker service) so the children's counts are added up.
* Queue length: `crm_celery_queue_length{queue}`, Redis `LLEN` of each queue (and its
  priority lists) read when `/metrics` is scraped; `crm_celery_queue_length_up` is 0 when
  Redis did not answer within half a second (the scrape itself still succeeds).

Who may read `/metrics`: one sending `Authorization: Bearer <METRICS_TOKEN>` when that
setting is not empty, or a caller from `METRICS_ALLOWED_IPS` (addresses or networks,
default loopback only). A request that came through a proxy (forwarding headers) is judged
by its client's address only when the proxy is in `METRICS_TRUSTED_PROXIES`; otherwise only
the token lets it in. Anyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from contextvars import ContextVar

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Metric files are written there from the first metric on: the directory must exist.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

TASKS = Counter(
    "crm_celery_tasks", "Celery tasks run, by task name and final state.", ["task", "state"]
)
TASK_FAILURES = Counter(
    "crm_celery_task_failures",
    "Celery tasks that raised, by task name and exception type.",
    ["task", "exception"],
)
TASK_RUNTIME = Histogram(
    "crm_celery_task_runtime_seconds",
    "Wall-clock run time of Celery tasks.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, float("inf")),
)

_started: ContextVar[float] = ContextVar("task_started", default=0.0)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def registry() -> CollectorRegistry:
    """What this process exposes: every process's counts in multiprocess mode."""
    if multiprocess_dir():
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        return combined
    return REGISTRY


# --- Celery -------------------------------------------------------------------------------


def _task_prerun(**kwargs) -> None:
    _started.set(time.monotonic())


def _task_postrun(sender=None, state=None, **kwargs) -> None:
    name = getattr(sender, "name", None) or "unknown"
    TASKS.labels(task=name, state=state or "UNKNOWN").inc()
    started = _started.get()
    if started:
        TASK_RUNTIME.labels(task=name).observe(time.monotonic() - started)
        _started.set(0.0)


def _task_failure(sender=None, exception=None, **kwargs) -> None:
    name = getattr(sender, "name", None) or "unknown"
    TASK_FAILURES.labels(task=name, exception=type(exception).__name__).inc()


def _worker_ready(**kwargs) -> None:
    """Serve this worker's metrics on CELERY_METRICS_PORT (unset: nothing is served)."""
    from django.conf import settings
    from prometheus_client import start_http_server

    port = getattr(settings, "CELERY_METRICS_PORT", 0)
    if port:
        start_http_server(port, addr=settings.CELERY_METRICS_ADDR, registry=registry())
        logger.info("worker metrics on %s:%s", settings.CELERY_METRICS_ADDR, port)


def _worker_init(**kwargs) -> None:
    """A worker's main process, before its pool starts: drop the files of a previous run
    (the directory belongs to this worker service alone; web has its own)."""
    directory = multiprocess_dir()
    if directory:
        for stale in os.scandir(directory):
            if stale.name.endswith(".db"):
                os.unlink(stale.path)


def _worker_process_shutdown(pid=None, **kwargs) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
    signals.task_failure.connect(_task_failure, weak=False)
    signals.worker_init.connect(_worker_init, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.worker_process_shutdown.connect(_worker_process_shutdown, weak=False)


# --- queue length, read at scrape time --------------------------------------------------------

# kombu's Redis transport keeps a queue as one list per priority step: `name` for the
# default one, `name\x06\x16<n>` for the others.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
_clients: dict[str, object] = {}


def queue_names() -> list[str]:
    from django.conf import settings

    names = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_FAST_QUEUE]
    names.append(settings.CELERY_SLOW_QUEUE)
    return list(dict.fromkeys(names))


def _redis(url: str):
    client = _clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _clients[url] = client
    return client


def queue_lengths() -> dict[str, int] | None:
    """{queue: messages waiting}, or None when the broker is not Redis or did not answer."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    names = queue_names()
    try:
        pipe = _redis(url).pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{name}{_PRIORITY_SEP}{step}")
        counts = pipe.execute()
    except Exception as error:  # the scrape must not fail because Redis is slow or gone
        logger.warning("queue length unavailable: %s", type(error).__name__)
        return None
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {
        name: sum(counts[index * per_queue : (index + 1) * per_queue])
        for index, name in enumerate(names)
    }


class QueueLengthCollector:
    def collect(self):
        lengths = queue_lengths()
        up = GaugeMetricFamily(
            "crm_celery_queue_length_up", "1 when the queue lengths could be read."
        )
        up.add_metric([], 0 if lengths is None else 1)
        yield up
        gauge = GaugeMetricFamily(
            "crm_celery_queue_length", "Messages waiting in each Celery queue.", labels=["queue"]
        )
        for name, length in (lengths or {}).items():
            gauge.add_metric([name], length)
        yield gauge


_queue_registry = CollectorRegistry(auto_describe=False)
_queue_registry.register(QueueLengthCollector())


# --- the endpoint --------------------------------------------------------------------------


_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _in_networks(address, networks) -> bool:
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def _client_address(request, trusted_proxies):
    """The address that asked, not the proxy that passed the question on.

    A request carrying forwarding headers came through a proxy. From a proxy named in
    `METRICS_TRUSTED_PROXIES` the client is the rightmost X-Forwarded-For hop that is not
    itself a trusted proxy; from any other sender the headers cannot be believed, and the
    address counts for nothing (a proxy on this host would otherwise make every outside
    caller look like loopback). Returns None when no address may be trusted.
    """
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    if not any(request.META.get(header) for header in _FORWARDING_HEADERS):
        return peer
    if not _in_networks(peer, trusted_proxies):
        return None
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return None
        if not _in_networks(address, trusted_proxies):
            return address
    return None


def _allowed(request) -> bool:
    from django.conf import settings

    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(
            header[len("Bearer ") :].encode(), token.encode()
        ):
            return True
    address = _client_address(request, settings.METRICS_TRUSTED_PROXIES)
    return address is not None and _in_networks(address, settings.METRICS_ALLOWED_IPS)


@never_cache
@require_GET
def metrics_view(request):

    if not _allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    body = generate_latest(registry()) + generate_latest(_queue_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
