"""The product's settings with the benchmark's routes added; the benchmark starts every process
with ``DJANGO_SETTINGS_MODULE=bench.settings``, so the product itself knows nothing of them."""

from config.settings import *  # noqa: F403 - the product's settings, unchanged but for the routes

ROOT_URLCONF = "bench.urls"
