from django.urls import path

from tramites_bridge import views

app_name = "tramites"

urlpatterns = [
    path("seguimiento/", views.tracking_view, name="tracking"),
    path("formulario/<str:tupa_code>/", views.procedure_form_view, name="form"),
    path("constancia/<str:code>/", views.receipt_view, name="receipt"),
]
