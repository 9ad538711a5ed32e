"""The product's routes and the benchmark's baseline beside them (bench/ceiling.py)."""

from django.urls import include, path

from bench.ceiling import ceiling, signed_in

urlpatterns = [
    path("bench/ceiling", ceiling, name="bench-ceiling"),
    path("bench/signed-in", signed_in, name="bench-signed-in"),
    path("", include("config.urls")),
]
