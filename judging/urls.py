from django.urls import path

from . import views

app_name = "judging"
urlpatterns = [
    path("ket-qua/", views.results, name="results"),
]
