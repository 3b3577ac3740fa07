from django.urls import path

from broadcast import views

app_name = "broadcast"

urlpatterns = [
    path("programacion/", views.schedule_page, name="schedule"),
    path("broadcast/feeds/all.ics", views.feed_all_ics, name="feed_all"),
    path("broadcast/feeds/epg.xml", views.feed_epg, name="feed_epg"),
    path("broadcast/feeds/rundown.csv", views.feed_rundown, name="feed_rundown"),
    path(
        "broadcast/feeds/presenter/<str:token>.ics",
        views.feed_presenter_ics,
        name="feed_presenter",
    ),
    path("broadcast/feeds/<slug:slug>.ics", views.feed_channel_ics, name="feed_channel"),
]
