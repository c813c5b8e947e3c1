from django.urls import path

from . import feeds, views

app_name = "judging"
urlpatterns = [
    path("<slug:contest_slug>/ket-qua/", views.results, name="results"),
    # For news sites (feeds.py, README "Feeds for news sites").
    path(
        "<slug:contest_slug>/ket-qua/feed.json",
        feeds.results_feed_view,
        {"kind": "json"},
        name="results_feed_json",
    ),
    path(
        "<slug:contest_slug>/ket-qua/feed.atom",
        feeds.results_feed_view,
        {"kind": "atom"},
        name="results_feed_atom",
    ),
    path(
        "<slug:contest_slug>/ket-qua/giay-chung-nhan/<str:code>/<int:position>.pdf",
        views.certificate,
        name="certificate",
    ),
]
