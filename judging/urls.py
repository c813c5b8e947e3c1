from django.urls import path

from . import views

app_name = "judging"
urlpatterns = [
    path("<slug:contest_slug>/ket-qua/", views.results, name="results"),
    path(
        "<slug:contest_slug>/ket-qua/giay-chung-nhan/<str:code>/<int:position>.pdf",
        views.certificate,
        name="certificate",
    ),
]
