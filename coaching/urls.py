from django.urls import path

from coaching import feeds

app_name = "coaching"

urlpatterns: list = [
    # Notifications and the calendar feed (coaching/feeds.py).
    path("notifications/", feeds.notification_list, name="notifications"),
    path("notifications/count", feeds.notification_count, name="notification_count"),
    path("notifications/read-all", feeds.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read", feeds.notification_read, name="notification_read"),
    path("calendar/reset", feeds.calendar_feed_reset, name="calendar_feed_reset"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
]
