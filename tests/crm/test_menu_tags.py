"""The menu's links and unread notifications, written by tags (crm_tags)."""

from django.utils import translation

from crm.templatetags.crm_tags import nav_links, notification_items


def test_the_active_link_is_marked_and_labels_are_escaped():
    html = nav_links([("工作台", "/leads/"), ("a<b", "/x/")], "/leads/")
    assert '<a class="nav-link active" href="/leads/">工作台</a>' in html
    assert '<a class="nav-link" href="/x/">a&lt;b</a>' in html


def test_no_notifications_is_said_in_the_users_language():
    with translation.override("zh-hans"):
        assert "暂无新通知。" in notification_items([])
    with translation.override("en"):
        assert "No new notifications." in notification_items([])
