from django.urls import path

from . import views

app_name = "submissions"
urlpatterns = [
    path("", views.home, name="home"),
    path("the-le/", views.rules, name="rules"),
    path("fanpage-qr.svg", views.fanpage_qr, name="fanpage_qr"),
    path("phieu-dang-ky/", views.registration_edit, name="registration"),
    path("clip-cua-toi/", views.my_clips, name="my_clips"),
    path("clip-cua-toi/gui-clip/", views.submission_new, name="submission_new"),
    path("clip-cua-toi/<str:code>/", views.submission_receipt, name="receipt"),
    path("clip-cua-toi/<str:code>/sua/", views.submission_edit, name="edit"),
    path("clip-cua-toi/<str:code>/rut/", views.submission_withdraw, name="withdraw"),
    path("clip-cua-toi/<str:code>/anh.jpg", views.submission_thumbnail, name="thumbnail"),
]
