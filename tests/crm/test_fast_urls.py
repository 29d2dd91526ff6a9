"""`{% url %}` reverses each URL's shape once and gives Django's answers (crm.templatetags)."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from crm.templatetags import fast_urls
from crm.templatetags.fast_urls import ShapedURLNode, reverse_ids


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_the_builtin_url_tag_is_the_shaped_one():
    template = Template("{% url 'leads:detail' 5 %}")
    assert isinstance(template.nodelist[0], ShapedURLNode)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("leads:detail", (5,)),
        ("leads:detail", (0,)),
        ("leads:detail", (123456789,)),
        ("leads:claim", (42,)),
        ("leads:worklist", ()),
        ("home", ()),
    ],
)
def test_same_urls_as_django(name, args):
    assert reverse_ids(name, *args) == reverse(name, args=args)
    tag = "{% url name " + " ".join(f"a{i}" for i in range(len(args))) + " %}"
    values = {f"a{i}": value for i, value in enumerate(args)}
    assert render(tag, name=name, **values) == reverse(name, args=args)


def test_other_arguments_take_djangos_path():
    # A string id, a keyword argument and a negative number are Django's to judge.
    assert render("{% url 'leads:detail' '7' %}") == reverse("leads:detail", args=["7"])
    assert render("{% url 'leads:detail' pk=8 %}") == reverse("leads:detail", kwargs={"pk": 8})
    with pytest.raises(NoReverseMatch):
        render("{% url 'leads:detail' -1 %}")
    with pytest.raises(NoReverseMatch):
        reverse_ids("leads:detail", -1)


def test_as_var_and_missing_views():
    assert render("{% url 'leads:detail' 3 as link %}[{{ link }}]") == (
        f"[{reverse('leads:detail', args=[3])}]"
    )
    assert render("{% url 'no-such-view' 3 as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' 3 %}")


def test_the_shape_is_reversed_once(monkeypatch):
    fast_urls._shapes.clear()
    calls = []
    real = fast_urls.reverse
    monkeypatch.setattr(fast_urls, "reverse", lambda *a, **k: calls.append(a) or real(*a, **k))
    links = render("{% for pk in ids %}{% url 'leads:detail' pk %} {% endfor %}", ids=range(50))
    assert len(calls) == 1
    assert links.split() == [reverse("leads:detail", args=[pk]) for pk in range(50)]


def test_escaped_in_templates():
    assert render("{% url 'leads:worklist' %}") == reverse("leads:worklist")
