from wagtail import hooks

from broadcast.admin_views import MyEpisodesViewSet, ProgrammingGroup


@hooks.register("register_admin_viewset")
def register_programming():
    return ProgrammingGroup()


@hooks.register("register_admin_viewset")
def register_my_episodes():
    return MyEpisodesViewSet()
