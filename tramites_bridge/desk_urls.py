from django.urls import path

from tramites_bridge import desk

app_name = "cabina"

urlpatterns = [
    path("", desk.desk_home, name="home"),
    path("tramite/<str:tupa_code>/", desk.desk_submit, name="submit"),
    path("tramites/", desk.desk_submissions, name="submissions"),
    path("cuenta/", desk.desk_ledger, name="ledger"),
]
