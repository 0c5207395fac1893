"""Start-up of the long-running processes (the web server, the dispatchers).

Django loads much on first use: the URL configuration imports every view, the API builds
its schemas, each language's translations are read from disk. Left to the first request,
that was 0.25-0.43 s a consumer waited (`bench/first_request.py`), with requests arriving
meanwhile queued behind. And what is loaded after `gc.freeze()` stays in the garbage
collector's reach: a web server at 100 requests a second then ran a full collection every
10-12 s, 12-39 ms of CPU with every request thread of the process stopped; loaded first and
frozen, none once it serves (`BENCH_GC=1 bench/intake.py`).
"""

from __future__ import annotations

import gc

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

from geo.zips import lookup


def warm_up() -> None:
    """Load now what the first request or round would otherwise load: the URL configuration
    (every view, the API and its schemas: notices link to pages, so dispatchers need it
    too), the ZIP index, and the translations of every language."""
    get_resolver().url_patterns  # noqa: B018 - read for its side effect, the imports
    lookup("85004")
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Help On Demand")


def settle() -> None:
    """`warm_up`, then keep everything loaded so far — which lives as long as the process —
    out of the garbage collector's passes."""
    warm_up()
    gc.collect()
    gc.freeze()
