"""The "Formulario de trámite" block: any cms page can embed a procedure's form."""

from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from tramites_bridge.forms import ProcedureForm


class ProcedureFormBlock(blocks.StructBlock):
    procedure = SnippetChooserBlock("tramites_bridge.Procedure", label="Procedimiento")
    intro = blocks.TextBlock(
        label="Texto de presentación",
        required=False,
        help_text="Opcional: una o dos frases sobre a quién sirve este trámite.",
    )

    class Meta:
        label = "Formulario de trámite"
        icon = "form"
        template = "tramites_bridge/blocks/procedure_form.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        procedure = value.get("procedure")
        request = (parent_context or {}).get("request")
        page = (parent_context or {}).get("page")
        bound = {}
        if request is not None and procedure is not None:
            bound = getattr(request, "_tramites_bound_forms", {}).get(procedure.pk) or {}
        context["procedure"] = procedure
        context["page_id"] = getattr(page, "pk", "")
        context["tramite_error"] = bound.get("error", "")
        if procedure is not None and procedure.active:
            context["tramite_form"] = bound.get("form") or ProcedureForm(procedure=procedure)
        return context
