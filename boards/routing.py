from django.urls import path

from boards.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/boards/<str:code>/", BoardConsumer.as_asgi()),
]
