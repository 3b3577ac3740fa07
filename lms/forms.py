from django import forms
from django.apps import apps
from wagtail.admin.forms import WagtailAdminPageForm


class LessonPageForm(WagtailAdminPageForm):
    """The lesson editor's form. lms.models names it as LessonPage's base form, so this module
    reaches the page models through the app registry rather than importing them.

    Checks the lesson's on-air code and episode number against the other lessons of its
    course, so a presenter gets a Spanish message instead of a database error at publication."""

    def _course(self):
        course_model = apps.get_model("lms", "CoursePage")
        if self.instance.pk and self.instance.depth:
            return self.instance.course
        parent = getattr(self, "parent_page", None)
        if parent is None:
            return None
        return course_model.objects.filter(
            path=parent.path[: parent.steplen * (parent.depth - 1)]
        ).first()

    def _others(self):
        lesson_model = apps.get_model("lms", "LessonPage")
        course = self._course()
        if course is None:
            return lesson_model.objects.none()
        qs = lesson_model.objects.filter(course=course)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        return qs

    def clean_on_air_code(self) -> str:
        code = "".join((self.cleaned_data.get("on_air_code") or "").split()).upper()
        if not code:
            return code
        if not (4 <= len(code) <= 6 and code.isascii() and code.isalnum()):
            raise forms.ValidationError(
                "El código del día debe tener de 4 a 6 letras o números, sin espacios ni tildes."
            )
        other = self._others().filter(on_air_code=code).only("title", "episode_number").first()
        if other is not None:
            raise forms.ValidationError(
                f"El código «{code}» ya lo usa la lección {other.episode_number} "
                f"(«{other.title}») de este curso. Elija otro."
            )
        return code

    def clean_episode_number(self):
        number = self.cleaned_data.get("episode_number")
        if number is None:
            return number
        other = self._others().filter(episode_number=number).only("title").first()
        if other is not None:
            raise forms.ValidationError(
                f"La lección «{other.title}» ya es el episodio {number} de este curso."
            )
        return number
