"""Routes that exist only while the benchmark runs (``BENCH_CEILING=1``)."""

from django.urls import path

from bench.ceiling import ceiling, signed_in

urlpatterns = [
    path("ceiling", ceiling, name="bench-ceiling"),
    path("signed-in", signed_in, name="bench-signed-in"),
]
