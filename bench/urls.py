"""Routes that exist only while the benchmark runs (``BENCH_CEILING=1``)."""

from django.urls import path

from bench.ceiling import ceiling

urlpatterns = [path("ceiling", ceiling, name="bench-ceiling")]
