from django.urls import include, path, re_path

from . import consent_pages, fanpage_pack, feeds, gallery, invitations, publication, serving, tus, views
from .audience_vote_pages import vote_cast, vote_withdraw
from .fanpage_counts import fanpage_screenshot
from .faq import faq
from .my_data import my_data, my_data_erase, my_data_export

app_name = "submissions"

# One contest's public pages, at /<slug>/… (views.contest_page finds the contest and who may see it).
contest_pages = [
    path("", views.home, name="home"),
    path("the-le/", views.rules, name="rules"),
    path("fanpage-qr.svg", views.fanpage_qr, name="fanpage_qr"),
    path("bao-mat/", consent_pages.privacy_notice, name="privacy"),
    path("phieu-dang-ky/", views.registration_edit, name="registration"),
    path("clip-cua-toi/", views.my_clips, name="my_clips"),
    path("clip-cua-toi/gui-clip/", views.submission_new, name="submission_new"),
    path("clip-cua-toi/video.json", views.my_clips_media, name="my_clips_media"),
    path("clip-cua-toi/dong-y/", consent_pages.consents_agree, name="consents_agree"),
    path("clip-cua-toi/<str:code>/", views.submission_receipt, name="receipt"),
    path("clip-cua-toi/<str:code>/sua/", views.submission_edit, name="edit"),
    path("clip-cua-toi/<str:code>/rut/", views.submission_withdraw, name="withdraw"),
    # Resumable uploads (tus 1.0.0), driven by static/js/resumable-upload.js; an upload, once made, is
    # addressed by its id below.
    path("tai-len/", tus.tus_uploads, name="tus_create"),
    # The finalists, once the committee publishes them (publication.py); their previews are served below.
    path("chung-ket/", gallery.gallery, name="gallery"),
    # Their feeds, for news sites (feeds.py, README "Feeds for news sites").
    path("chung-ket/feed.json", feeds.finalists_feed_view, {"kind": "json"}, name="finalists_feed_json"),
    path("chung-ket/feed.atom", feeds.finalists_feed_view, {"kind": "atom"}, name="finalists_feed_atom"),
    path("chung-ket/<str:code>/", gallery.finalist_share, name="finalist"),
    path("chung-ket/<str:code>/anh-chia-se.jpg", gallery.finalist_share_image, name="share_image"),
    path("chung-ket/<str:code>/binh-chon/", vote_cast, name="vote_cast"),
    path("chung-ket/<str:code>/rut-binh-chon/", vote_withdraw, name="vote_withdraw"),
    path("hoi-dap/", faq, name="faq"),
]

urlpatterns = [
    path("", views.contest_list, name="contests"),
    # The account's own pages, beside allauth's under tai-khoan/ (contest_portal/urls.py), none of which is
    # du-lieu/: an address allauth does not know goes on to these.
    path("tai-khoan/du-lieu/", my_data, name="my_data"),
    path("tai-khoan/du-lieu/tai-ve.json", my_data_export, name="my_data_export"),
    path("tai-khoan/du-lieu/xoa/", my_data_erase, name="my_data_erase"),
    path("bao-mat/", consent_pages.privacy_notices, name="privacy_notices"),
    # Private media: the owner's pages and the admin both link here; serving.py decides who gets the file.
    # Clip codes are unique across the portal, so these need no contest in the address.
    path("media-rieng/<str:code>/tep-goc", serving.submission_original, name="original"),
    path("media-rieng/<str:code>/xem-truoc.mp4", serving.submission_preview, name="preview"),
    path("media-rieng/<str:code>/anh.jpg", serving.submission_thumbnail, name="thumbnail"),
    path("media-rieng/<str:code>/tai-lieu/<int:document_id>", serving.submission_document, name="document"),
    path("media-rieng/fanpage/<int:pk>/anh", fanpage_screenshot, name="fanpage_screenshot"),
    # The links mailed to a co-author (to confirm or decline) and to a minor's guardian (to consent).
    path("moi-dong-tac-gia/<str:token>/", invitations.coauthor_invitation, name="coauthor_invitation"),
    path("dong-y-giam-ho/<str:token>/", invitations.guardian_consent_page, name="guardian_consent"),
    path("tai-len/<uuid:upload_id>/", tus.tus_upload, name="tus_upload"),
    path("tai-len/<uuid:upload_id>/tai-lieu/", tus.upload_documents, name="tus_documents"),
    path("ban-to-chuc/<slug:slug>/cong-bo/", publication.publication, name="publication"),
    path("ban-to-chuc/<slug:slug>/cong-bo/dang/", publication.publication_publish, name="publication_publish"),
    path("ban-to-chuc/<slug:slug>/cong-bo/go/", publication.publication_unpublish, name="publication_unpublish"),
    path("ban-to-chuc/<slug:slug>/goi-fanpage.zip", fanpage_pack.fanpage_pack, name="fanpage_pack"),
    # The addresses of the portal's one-contest days (printed on posters and QR codes) lead to the current contest.
    re_path(
        r"^(?P<path>(?:the-le|phieu-dang-ky|clip-cua-toi|chung-ket|ket-qua)/.*|fanpage-qr\.svg)$",
        views.old_address,
    ),
    path("<slug:contest_slug>/", include(contest_pages)),
]
