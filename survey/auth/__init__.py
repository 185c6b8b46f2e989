"""Accounts, roles and scope. ``scope.visible_organization_ids`` is the one way to decide what a user may see."""
