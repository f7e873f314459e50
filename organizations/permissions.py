"""Office admins' rights in /admin/ come from one group, made by migration 0004_office_admin_group.

They may view every model of the project there; they edit only the configuration models below
(each edit audited by AuditedAdminMixin). Everything else is changed on the product's pages,
through its services; its admin page is read-only with a link to that page.
"""
OFFICE_ADMIN_GROUP = "创建办管理员"
