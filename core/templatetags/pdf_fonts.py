"""Template tags naming the PDFs' font (core.pdf_fonts) in print stylesheets: the same rules for every template that
is printed with WeasyPrint (reports, survey slips), whether or not the common font is built."""
from django import template
from django.utils.safestring import mark_safe

from core import pdf_fonts as fonts

register = template.Library()


@register.simple_tag
def pdf_font_faces():
    """The @font-face rules of the built common font (nothing when it is not built)."""
    return mark_safe(fonts.css_font_faces())


@register.simple_tag
def pdf_font_family():
    """The font-family list: the common font, then the system font it falls back to per character."""
    return mark_safe(fonts.css_font_family())
